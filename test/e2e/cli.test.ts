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

    // A baseline ten times faster than anything possible: this run must count as slower.
    const fast = structuredClone(report);
    fast.results[0]!.gpuMs!.median /= 10;
    fast.results[0]!.wallMs.median /= 10;
    const baseline = join(dir, 'fast.json');
    writeFileSync(baseline, JSON.stringify(fast));
    const second = await bench([...args, '--baseline', baseline, '--tolerance', '0.5'], () => undefined);
    expect(second.regressions).toHaveLength(1);
    expect(second.regressions[0]).toMatch(/test-pattern\.json: median GPU ms .* SLOWER/);
  });
});
