/** `npm run fit` argument parsing: defaults, every option, and the message of each mistake. */
import { describe, expect, test } from 'vitest';
import { parseFitArgs } from '../../tools/lib/fitArgs';

describe('npm run fit arguments', () => {
  test('defaults and every option', () => {
    expect(parseFitArgs(['--', 'a.png', '--out', 'a.gimg'])).toEqual({
      input: 'a.png',
      out: 'a.gimg',
      gaussians: 5000,
      iterations: 2000,
      scale: 1,
      crop: undefined,
      init: 'image',
      from: undefined,
      progressive: false,
      fineTune: 150,
      referenceCap: false,
      seed: 1,
      png: undefined,
      json: undefined,
    });
    const all = parseFitArgs(
      'k.exr --gaussians 700 --iters 30 --out o.gimg --scale 4 --crop 128x96+8+16 --init random --from s.gimg --fine-tune 0 --reference-cap --seed 9 --png d.png --json r.json'.split(' '),
    );
    expect(all).toEqual({
      input: 'k.exr',
      out: 'o.gimg',
      gaussians: 700,
      iterations: 30,
      scale: 4,
      crop: { width: 128, height: 96, x: 8, y: 16 },
      init: 'random',
      from: 's.gimg',
      progressive: false,
      fineTune: 0,
      referenceCap: true,
      seed: 9,
      png: 'd.png',
      json: 'r.json',
    });
  });

  test('mistakes are named, with the usage', () => {
    const cases: Array<[string, RegExp]> = [
      ['--out a.gimg', /expected exactly one image, got 0/],
      ['a.png b.png --out a.gimg', /expected exactly one image, got 2/],
      ['a.png', /--out file\.gimg is required/],
      ['a.png --out a.png', /--out a\.png: the output must end in \.gimg/],
      ['a.png --out a.gimg --gaussians 0', /--gaussians 0: expected an integer in \[1, 16777216\]/],
      ['a.png --out a.gimg --iters 1.5', /--iters 1\.5: expected an integer/],
      ['a.png --out a.gimg --init grid', /--init grid: expected image or random/],
      ['a.png --out a.gimg --crop 10x10', /--crop 10x10: expected WxH\+X\+Y/],
      ['a.png --out a.gimg --colour red', /Unknown option '--colour'/],
      ['a.png --out a.gimg --from s.gimg --progressive', /--from and --progressive do not go together/],
    ];
    for (const [line, message] of cases) {
      expect(() => parseFitArgs(line.split(' ')), line).toThrow(message);
      expect(() => parseFitArgs(line.split(' ')), line).toThrow(/usage: npm run fit/);
    }
  });
});
