import { describe, expect, test } from 'vitest';
import type { Camera } from '../../src/camera/camera';
import { UsageError } from '../../tools/lib/cliArgs';
import { parsePeersArgs } from '../../tools/lib/peersArgs';
import { glCameraFromColmap } from '../../tools/lib/peersCamera';
import { compareRgba8, referenceToRgba8 } from '../../tools/lib/peersImage';
import { formatSceneTable, pageErrorMessage, type SceneResult } from '../../tools/lib/peersReport';

describe('bench:peers arguments', () => {
  test('defaults: all peers, 1280x720, 30 frames after 5, 180 s to settle, default scenes', () => {
    expect(parsePeersArgs([])).toEqual({
      scenes: [],
      frames: 30,
      warmup: 5,
      width: 1280,
      height: 720,
      peers: ['playcanvas', 'spark'],
      settleTimeoutMs: 180_000,
      json: undefined,
      images: undefined,
    });
  });

  test('every option is read', () => {
    const args = parsePeersArgs(['a.ply', 'b.json', '--frames', '7', '--warmup', '0', '--width', '320', '--height', '180', '--peers', 'spark', '--settle-timeout', '20', '--json', 'o.json', '--images', 'imgs']);
    expect(args).toEqual({ scenes: ['a.ply', 'b.json'], frames: 7, warmup: 0, width: 320, height: 180, peers: ['spark'], settleTimeoutMs: 20_000, json: 'o.json', images: 'imgs' });
  });

  test.each([
    [['--frames', '0'], /--frames 0: expected an integer in \[1, 10000\]/],
    [['--width', '12.5'], /--width 12.5/],
    [['--peers', 'babylon'], /unknown babylon; choose from playcanvas, spark/],
    [['--peers', ','], /--peers ,/],
    [['--json', 'out.txt'], /name the output \*\.json/],
    [['--fps', '3'], /Unknown option '--fps'/],
  ])('%j is refused with a message naming it', (argv, message) => {
    expect(() => parsePeersArgs(argv)).toThrow(UsageError);
    expect(() => parsePeersArgs(argv)).toThrow(message);
  });
});

describe('image comparison against the reference', () => {
  test('the reference is clamped to [0, 1] and rounded to 8 bits, alpha 255', () => {
    const rgb = new Float64Array([0.5, 1.7, -0.2, 0.001, 0.999, 0.5019607843]);
    expect([...referenceToRgba8({ rgb }, 2, 1)]).toEqual([128, 255, 0, 255, 0, 255, 128, 255]);
  });

  test('PSNR over RGB with peak 255, alpha ignored; identical images give null', () => {
    const a = new Uint8Array([10, 20, 30, 255, 40, 50, 60, 255]);
    expect(compareRgba8(a, a, 2, 1)).toEqual({ psnrDb: null, maxAbsDiff: 0, meanAbsDiff: 0 });
    const b = new Uint8Array([10, 20, 30, 0, 40, 50, 66, 7]);
    // One channel of six off by 6: MSE = 36 / 6 = 6.
    const d = compareRgba8(b, a, 2, 1);
    expect(d.psnrDb).toBeCloseTo(10 * Math.log10((255 * 255) / 6), 12);
    expect(d.maxAbsDiff).toBe(6);
    expect(d.meanAbsDiff).toBe(1);
  });

  test('sizes that do not match are an error, not a wrong number', () => {
    expect(() => compareRgba8(new Uint8Array(8), new Uint8Array(12), 2, 1)).toThrow(/image sizes differ/);
  });
});

describe('the table', () => {
  const camera: Camera = { width: 320, height: 180, fx: 300, fy: 300, cx: 160, cy: 90, rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [0, 0, 0], near: 0.01, far: 100 };
  const ms = (median: number) => ({ median, p95: median * 1.5, mean: median, min: median, max: median * 2 });
  const scene: SceneResult = {
    scene: 'scenes/x.json',
    asset: 'x.ply',
    splats: 10,
    shDegree: 3,
    width: 320,
    height: 180,
    background: [0, 0, 0],
    camera,
    peerCamera: glCameraFromColmap(camera, 0.2, 100),
    referenceMs: 1234,
    renderers: [
      { renderer: 'nerve', graphicsApi: 'webgpu', frameMs: ms(10), gpuMs: ms(8), gpuMsByPass: { project: 1, rasterize: 7 }, image: { psnrDb: null, maxAbsDiff: 0, meanAbsDiff: 0 } },
      { renderer: 'playcanvas', graphicsApi: 'webgpu', frameMs: ms(5), ratioToOurs: 0.5, image: { psnrDb: 31.234, maxAbsDiff: 40, meanAbsDiff: 1 }, settle: { settled: true, frames: 9, ms: 4200, frameToFramePsnrDb: 47.5 } },
      { renderer: 'spark', error: 'WebGL2 context lost\nstack…' },
    ],
  };

  test('one row per renderer with median, p95, ratio to nerve and PSNR; failures and settling below', () => {
    const lines = formatSceneTable(scene);
    expect(lines[0]).toBe('scenes/x.json: x.ply, 10 splats, SH degree 3, 320x180 (CPU reference 1.2 s)');
    expect(lines[1]).toMatch(/renderer\s+API\s+median ms\s+p95 ms\s+peer\/ours\s+PSNR dB\s+max diff/);
    expect(lines[2]).toMatch(/^ {2}nerve\s+webgpu\s+10\.00\s+15\.00\s+1\.00\s+identical\s+0$/);
    expect(lines[3]).toMatch(/^ {2}playcanvas\s+webgpu\s+5\.00\s+7\.50\s+0\.50\s+31\.23\s+40$/);
    expect(lines).toContain('  spark: FAILED: WebGL2 context lost');
    expect(lines).toContain('  playcanvas: settled after 9 frames, 4.2 s; consecutive frames differ (PSNR 47.5 dB)');
    expect(lines.at(-1)).toBe('  nerve GPU timestamps: median 8.00 ms (80% of the median wall time), p95 12.00 ms; per pass: project 1.00, rasterize 7.00');
  });
});

test('a peer error keeps the page\'s message, without Playwright\'s wrapper and the minified stack', () => {
  const error = new Error('page.evaluate: Error: PlayCanvas could not load x.ksplat: No parser found\n    at X.<anonymous> (http://127.0.0.1:1/a.js:1:2)\n    at e.load (http://127.0.0.1:1/a.js:3:4)');
  expect(pageErrorMessage(error)).toBe('PlayCanvas could not load x.ksplat: No parser found');
  expect(pageErrorMessage(new Error('spark settling did not finish within 240 s'))).toBe('spark settling did not finish within 240 s');
});
