import { describe, expect, test } from 'vitest';
import { parseBenchArgs, parseRenderArgs, renderSize, UsageError } from '../../tools/lib/cliArgs';

describe('render arguments', () => {
  test('parses every option', () => {
    expect(parseRenderArgs(['s.json', '--out', 'a.png', '--width', '320', '--height', '240', '--camera', 'c.json', '--camera-index', '2', '--background', '1, 0.5,0', '--time', '0.25', '--method', 'testPattern'])).toEqual({
      input: 's.json',
      out: 'a.png',
      width: 320,
      height: 240,
      camera: 'c.json',
      cameraIndex: 2,
      background: [1, 0.5, 0],
      time: 0.25,
      method: 'testPattern',
    });
  });

  test('refuses bad input with the option named', () => {
    const bad: Array<[string[], RegExp]> = [
      [['s.json'], /--out is required/],
      [['a', 'b', '--out', 'x.png'], /exactly one asset or scene file, got 2/],
      [['s.json', '--out', 'x.jpg'], /the output is a PNG/],
      [['s.json', '--out', 'x.png', '--width', '0'], /--width 0: expected an integer in \[1, 8192\]/],
      [['s.json', '--out', 'x.png', '--width', '3.5'], /--width 3.5/],
      [['s.json', '--out', 'x.png', '--background', '1,2,3'], /--background 1,2,3: expected r,g,b/],
      [['s.json', '--out', 'x.png', '--background', '1,1'], /--background 1,1/],
      [['s.json', '--out', 'x.png', '--time', 'noon'], /--time noon: expected a number/],
      [['s.json', '--out', 'x.png', '--bogus', '1'], /Unknown option '--bogus'[\s\S]*usage: npm run render/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseRenderArgs(argv)).toThrow(UsageError);
      expect(() => parseRenderArgs(argv)).toThrow(message);
    }
  });

  test('render size: explicit, camera, default, one side keeps the aspect', () => {
    expect(renderSize({ width: 10, height: 20 }, { width: 400, height: 300 })).toEqual({ width: 10, height: 20 });
    expect(renderSize({}, { width: 400, height: 300 })).toEqual({ width: 400, height: 300 });
    expect(renderSize({})).toEqual({ width: 1280, height: 720 });
    expect(renderSize({ width: 200 }, { width: 400, height: 300 })).toEqual({ width: 200, height: 150 });
    expect(renderSize({ height: 90 })).toEqual({ width: 160, height: 90 });
  });
});

describe('bench arguments', () => {
  test('defaults and options', () => {
    expect(parseBenchArgs(['a.json', 'b.json'])).toEqual({ scenes: ['a.json', 'b.json'], frames: 60, warmup: 10, width: 1280, height: 720, json: undefined, baseline: undefined, tolerance: 0.1 });
    expect(parseBenchArgs(['a.json', '--frames', '5', '--warmup', '0', '--json', 'o.json', '--baseline', 'b.json', '--tolerance', '0.25'])).toMatchObject({
      frames: 5,
      warmup: 0,
      json: 'o.json',
      baseline: 'b.json',
      tolerance: 0.25,
    });
  });

  test('refuses bad input', () => {
    expect(() => parseBenchArgs([])).toThrow(/at least one scene/);
    expect(() => parseBenchArgs(['a.ply'])).toThrow(/scene files \(\*\.json\): a\.ply/);
    expect(() => parseBenchArgs(['a.json', '--tolerance', 'lots'])).toThrow(/--tolerance lots/);
    expect(() => parseBenchArgs(['a.json', '--frames', '0'])).toThrow(/--frames 0/);
  });
});
