/**
 * The command-line tools end to end: `render` writes exactly the frame target (checked pixel by
 * pixel against the test pattern's CPU reference), failures exit 1 with the message, and `bench`
 * reports per-pass timings and catches a regression against a baseline.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, test } from 'vitest';
import { cameraFromInria, type InriaCameraEntry } from '../../src/camera/camera';
import { decodeToCloud, readGimg } from '../../src/methods/gaussianImage/codec';
import { decodeSum } from '../../src/methods/gaussianImage/reference';
import { renderTestPatternReference } from '../../src/methods/testPattern/reference';
import { fitCamera } from '../../src/viewer/view';
import { bench } from '../../tools/lib/benchScenes';
import type { BenchReport } from '../../tools/lib/benchStats';
import { render } from '../../tools/lib/renderScene';

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'nerve-cli-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A camera 3 units from the origin on -z, tilted and rolled, at 200x100 (2:1).
const c = Math.cos(0.3);
const s = Math.sin(0.3);
const entry: InriaCameraEntry = { id: 0, img_name: 'tilted', width: 200, height: 100, position: [0.5, -1, -3], rotation: [[c, -s, 0], [s, c, 0], [0, 0, 1]], fx: 120, fy: 110 };

describe('npm run render', () => {
  test('writes the frame target as a PNG of the asked size, equal to the CPU reference', async () => {
    const cameras = join(dir, 'cameras.json');
    writeFileSync(cameras, JSON.stringify([entry]));
    const out = join(dir, 'pattern.png');
    const result = await render([join(ROOT, 'scenes/test-pattern.json'), '--out', out, '--width', '96', '--height', '64', '--camera', cameras, '--camera-index', '0']);
    expect(result).toMatchObject({ width: 96, height: 64 });
    const png = PNG.sync.read(readFileSync(out));
    expect([png.width, png.height]).toEqual([96, 64]);
    // The viewer shows a preset at another aspect with its vertical field of view kept.
    const expected = renderTestPatternReference(fitCamera(cameraFromInria(entry), 96, 64));
    let worst = 0;
    let first = -1;
    let last = -1;
    for (let i = 0; i < expected.length; i++) {
      const d = Math.abs(png.data[i]! - expected[i]!);
      worst = Math.max(worst, d);
      if (d > 1) {
        if (first < 0) first = i;
        last = i;
      }
    }
    // rgba8unorm rounding of f32 against float64: at most one step apart.
    expect(worst, `first mismatch at byte ${first}, last at ${last}`).toBeLessThanOrEqual(1);
  });

  test("a GaussianImage renders at the image's own size, equal to the float64 decode of its .gimg", async () => {
    const out = join(dir, 'kodim03.png');
    expect(await render([join(ROOT, 'scenes/kodak.json'), '--out', out])).toMatchObject({ width: 768, height: 512 });
    const png = PNG.sync.read(readFileSync(out));
    const cloud = decodeToCloud(readGimg(new Uint8Array(readFileSync(join(ROOT, 'assets/kodim03.gimg')))));
    const expected = decodeSum(cloud);
    let offByMoreThanOne = 0;
    let worst = 0;
    for (let pixel = 0; pixel < 768 * 512; pixel++) {
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(png.data[4 * pixel + c]! - 255 * expected[3 * pixel + c]!);
        if (!(d <= 1)) offByMoreThanOne++;
        if (!(d <= worst)) worst = d;
      }
    }
    // The decoder's own tolerance against the reference (test/gpu/gaussianImageDecoder.test.ts):
    // the present pass must add nothing at 1:1.
    expect(offByMoreThanOne).toBeLessThanOrEqual(Math.floor(768 * 512 * 3 * 0.0005));
    expect(worst).toBeLessThanOrEqual(3);
  });

  test('without --width/--height the camera keeps its own size', async () => {
    const cameras = join(dir, 'cameras.json');
    writeFileSync(cameras, JSON.stringify([entry]));
    const out = join(dir, 'native.png');
    expect(await render([join(ROOT, 'scenes/test-pattern.json'), '--out', out, '--camera', cameras])).toMatchObject({ width: 200, height: 100 });
  });

  test('any error exits 1 with the message', () => {
    const missing = spawnSync('npx', ['vite-node', 'tools/render.ts', '--', 'scenes/none.json', '--out', join(dir, 'x.png')], { cwd: ROOT, encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('render failed: scenes/none.json: no such file');
    const usage = spawnSync('npx', ['vite-node', 'tools/render.ts', '--', 'scenes/test-pattern.json'], { cwd: ROOT, encoding: 'utf8' });
    expect(usage.status).toBe(1);
    expect(usage.stderr).toContain('--out is required');
  });

  test('an asset the server does not have fails with the load error', async () => {
    const scene = join(dir, 'missing-asset.json');
    writeFileSync(scene, JSON.stringify({ method: 'testPattern', asset: 'nothing-here.ply' }));
    await expect(render([scene, '--out', join(dir, 'y.png'), '--width', '8', '--height', '8'])).rejects.toThrow(/nothing-here\.ply: HTTP 404/);
  });
});

describe('npm run bench', () => {
  test('reports wall and GPU ms per pass, memory and adapter, and fails on a regression', async () => {
    const json = join(dir, 'bench.json');
    const scene = join(ROOT, 'scenes/test-pattern.json');
    const args = [scene, '--frames', '4', '--warmup', '1', '--width', '64', '--height', '48'];
    const first = await bench([...args, '--json', json], () => undefined);
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    expect(report.results).toHaveLength(1);
    const r = report.results[0]!;
    expect(r).toMatchObject({ method: 'testPattern', width: 64, height: 48, frames: 4 });
    expect(r.wallMs.median).toBeGreaterThan(0);
    expect(r.wallMs.p95).toBeGreaterThanOrEqual(r.wallMs.median);
    expect(r.gpuMs?.median).toBeGreaterThan(0);
    expect(Object.keys(r.gpuMsByPass)).toEqual(['testPattern', 'blit']);
    expect(r.memoryByOwner.Viewer).toBe(64 * 48 * 4);
    expect(report.adapter.length).toBeGreaterThan(0);
    expect(first.regressions).toEqual([]);

    // A baseline a million times faster than anything possible: this run must count as slower
    // (a factor of 10 was not enough: the first run's frames can include one-off costs).
    const fast = structuredClone(report);
    fast.results[0]!.gpuMs!.median /= 1e6;
    fast.results[0]!.wallMs.median /= 1e6;
    const baseline = join(dir, 'fast.json');
    writeFileSync(baseline, JSON.stringify(fast));
    const second = await bench([...args, '--baseline', baseline, '--tolerance', '0.5'], () => undefined);
    expect(second.regressions).toHaveLength(1);
    expect(second.regressions[0]).toMatch(/test-pattern\.json: median GPU ms .* SLOWER/);
  });
});

describe('npm run render on a 3DGS scene', () => {
  test('matches the CPU reference renderer (PSNR >= 50 dB, no pixel off by more than 2/255)', async () => {
    const { loadSplatBytes } = await import('../../src/methods/gaussians3d/load');
    const { renderReference } = await import('../../src/methods/gaussians3d/reference');
    const { cameraCenter } = await import('../../src/camera/camera');
    const { cameraFromView, viewFramingBounds } = await import('../../src/viewer/view');
    const width = 96;
    const height = 72;
    // A view from 20° above the donut's plane, written as a cameras.json entry (camera-to-world rows).
    const view = cameraFromView({ ...viewFramingBounds([0, 0, 0.04], 0.09, [0, 0, 1]), yaw: -1.2 }, width, height, 0.01, 100);
    const r = view.rotation;
    const donutCamera: InriaCameraEntry = { width, height, position: cameraCenter(view), rotation: [[r[0], r[3], r[6]], [r[1], r[4], r[7]], [r[2], r[5], r[8]]], fx: view.fx, fy: view.fy };
    const cameras = join(dir, 'donut_cameras.json');
    writeFileSync(cameras, JSON.stringify([donutCamera]));
    const out = join(dir, 'donut.png');
    await render([join(ROOT, 'scenes/donut.json'), '--out', out, '--camera', cameras, '--background', '0.2,0.4,0.6']);
    const png = PNG.sync.read(readFileSync(out));
    expect([png.width, png.height]).toEqual([width, height]);

    const cloud = await loadSplatBytes('donut_sh0.ply', readFileSync(join(ROOT, 'assets/donut_sh0.ply')));
    const reference = renderReference(cloud, cameraFromInria(donutCamera), [0.2, 0.4, 0.6]);
    let squared = 0;
    let worst = 0;
    let worstAt = -1;
    let covered = 0;
    for (let p = 0; p < width * height; p++) {
      if (reference.finalT[p]! < 0.5) covered++;
      for (let c = 0; c < 3; c++) {
        const expected = reference.rgb[p * 3 + c]!;
        expect(Number.isFinite(expected)).toBe(true);
        const d = png.data[p * 4 + c]! / 255 - Math.min(1, Math.max(0, expected));
        squared += d * d;
        if (Math.abs(d) > worst) {
          worst = Math.abs(d);
          worstAt = p;
        }
      }
    }
    const psnr = 10 * Math.log10(1 / (squared / (width * height * 3)));
    console.log(`CLI render vs CPU reference: PSNR ${psnr.toFixed(2)} dB, worst ${(worst * 255).toFixed(1)}/255 at pixel ${worstAt}, donut covers ${covered} px`);
    // The donut must fill a good part of the frame, or the comparison says little.
    expect(covered).toBeGreaterThan(0.3 * width * height);
    // Same math in f32 on the GPU and f64 on the CPU: only rounding to 8 bits should differ.
    expect(psnr).toBeGreaterThanOrEqual(50);
    expect(worst * 255, `worst pixel ${worstAt}`).toBeLessThanOrEqual(2);
  });
});
