import { describe, expect, test } from 'vitest';
import { detectSplatFormat, SNIFF_BYTES } from '../../src/formats/detect';
import { loadSplatBytes, sniffSplatScene } from '../../src/methods/gaussians3d/load';
import { readData } from './formatsTestKit';

const head = (path: string) => readData(path).subarray(0, SNIFF_BYTES);

describe('detectSplatFormat: content first, extension only for formats without a magic', () => {
  test.each([
    ['splats/ply/donut_sh0.ply', 'x.bin', 'ply'],
    ['splats/compressed_ply/guitar.compressed.ply', 'x.splat', 'ply'],
    ['splats/fixtures/minimal-v4.spz', 'x.ply', 'spz'],
    ['splats/fixtures/minimal-v3.spz', 'noextension', 'spz'],
    ['splats/fixtures/minimal-raw.spz', 'x.splat', 'spz'],
    ['dynamic/flipbook_wave/wave_0001.sog', 'x.bin', 'sog'],
    ['splats/sog/playbot/6_0/meta.json', 'meta.json', 'sog-meta'],
    ['splats/fixtures/minimal.ksplat', 'x.ksplat', 'ksplat'],
    ['splats/fixtures/minimal.ksplat', 'scene.bin', 'ksplat'],
    ['splats/fixtures/minimal.splat', 'x.splat', 'splat'],
    ['splats/fixtures/minimal.splat', 'x.bin', null],
  ])('%s named %s → %s', (path, name, format) => {
    expect(detectSplatFormat(head(path), name)).toBe(format);
  });

  test('sniffSplatScene recognises the magics (PLY, SPZ, ZIP) but not headerless files', () => {
    expect(sniffSplatScene(head('splats/fixtures/minimal-v4.spz'))).toBe(true);
    expect(sniffSplatScene(head('dynamic/flipbook_wave/wave_0001.sog'))).toBe(true);
    expect(sniffSplatScene(head('splats/compressed_ply/guitar.compressed.ply'))).toBe(true);
    expect(sniffSplatScene(head('splats/fixtures/minimal.splat'))).toBe(false);
  });

  test('a misleading extension does not matter when the content has a magic', async () => {
    expect((await loadSplatBytes('scene.ply', readData('splats/fixtures/minimal-v4.spz'))).count).toBe(4);
    expect((await loadSplatBytes('scene.splat', readData('splats/compressed_ply/guitar.compressed.ply'))).count).toBe(90854);
    expect((await loadSplatBytes('scene.bin', readData('splats/fixtures/minimal.ksplat'))).count).toBe(4);
  });
});
