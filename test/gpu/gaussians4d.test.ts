/**
 * The 4D projection stages on the GPU (project4d, projectSplatv) and whole frames of the 3DGS
 * pipeline behind them, against the float64 CPU references (src/methods/gaussians4d/reference.ts):
 *
 * - per splat at several times: which splats survive (temporal marginal, near plane, tiles) and
 *   their projected records (position, conic, opacity × marginal, 4D SH colour, depth, rectangle);
 * - whole frames at several times (PSNR and level bounds below);
 * - a 4D scene whose temporal scale is huge renders like its 3D counterpart on the 3DGS renderer;
 * - the real hanabi .splatv and a synthetic one with cubic motion and quaternion drift;
 * - nothing alive at a time, and teardown back to zero bytes.
 *
 * 4D scenes are real trained splats (fruit_drops_sh3, SH degree 3) given a time axis by the test
 * kit: random μ_t and σt, random 4D rotations (so splats move and change shape) and random temporal
 * SH coefficients (so colours change with time).
 */
import { describe, expect } from 'vitest';
import type { Camera, Vec3 } from '../../src/camera/camera';
import { cameraFromInria } from '../../src/camera/camera';
import { GpuMemory } from '../../src/gpu/memory';
import { Gaussians3dRenderer } from '../../src/methods/gaussians3d/renderer';
import { defaultGaussians4dParams } from '../../src/methods/gaussians4d/params';
import { projectCloud4d, renderReference4d, renderReferenceSplatv, type Slice4dOptions } from '../../src/methods/gaussians4d/reference';
import { Gaussians4dRenderer } from '../../src/methods/gaussians4d/renderer';
import { loadSplatvBytes, sliceSplatv } from '../../src/methods/gaussians4d/splatv';
import { projectCloud } from '../../src/methods/gaussians3d/reference';
import type { ProjectedSplat } from '../../src/methods/gaussians3d/projection';
import { gpuTest } from '../helpers/gpu';
import { createRandom, dynamicFrom3d, fruitCamera, HANABI_PATH, lift3dTo4d, loadPly3d, randomQuaternion, readData, splatvRecord, writeSplatv } from '../unit/gaussians4dTestKit';
import { compareImages, createTarget, readProjection, readTarget, renderAt, report, type GpuProjected } from './gaussians4dHelpers';

/**
 * Whole-frame bounds, as the 3DGS GPU tests: the GPU writes rgba8unorm (±0.5 level from the float
 * reference even when exact) and computes in f32 with f16 colours, so a pixel meeting a splat right at
 * a hard threshold (alpha 1/255, T 1e-4, a tile edge, the 0.05 marginal) may take the other branch and
 * be off by a few levels. Measured values are printed by every test.
 */
const MIN_PSNR = 50;
const MAX_ABS_LEVELS = 4;
const MAX_SHARE_OVER_2_LEVELS = 0.001;

/** f32 against float64 on the same splat: positions to 2e-3 px, the rest relative (colours are f16). */
const FIELD_TOLERANCE: Record<string, [number, number]> = {
  px: [2e-3, 1e-5],
  py: [2e-3, 1e-5],
  conic: [1e-6, 1e-3],
  opacity: [1e-6, 1e-5],
  rgb: [1e-3, 1e-3],
  depth: [0, 1e-5],
};

/** Compares GPU records with CPU projections of the splats `alive[j]`; allows `slack` splats on the other side of a cull. */
function compareProjections(gpu: Map<number, GpuProjected>, alive: ArrayLike<number>, cpu: readonly ProjectedSplat[], label: string, slack = 0): void {
  const expected = new Map<number, ProjectedSplat>();
  for (let j = 0; j < cpu.length; j++) if (cpu[j]!.visible) expected.set(alive[j]!, cpu[j]!);
  const onlyGpu = [...gpu.keys()].filter((i) => !expected.has(i));
  const onlyCpu = [...expected.keys()].filter((i) => !gpu.has(i));
  const mismatches: string[] = [];
  const close = (got: number, want: number, [atol, rtol]: [number, number]) => Number.isFinite(got) && Math.abs(got - want) <= atol + rtol * Math.abs(want);
  for (const [i, want] of expected) {
    const got = gpu.get(i);
    if (!got) continue;
    const checks: Array<[string, number, number]> = [
      ['px', got.px, want.px],
      ['py', got.py, want.py],
      ['opacity', got.opacity, want.opacity],
      ['depth', got.depth, want.depth],
      ...got.conic.map((v, k): [string, number, number] => ['conic', v, want.conic[k]!]),
      ...got.rgb.map((v, k): [string, number, number] => ['rgb', v, want.rgb[k]!]),
    ];
    for (const [name, value, reference] of checks) if (!close(value, reference, FIELD_TOLERANCE[name]!)) mismatches.push(`splat ${i} ${name}: gpu ${value} ref ${reference}`);
    const rect = [want.rect.minX, want.rect.minY, want.rect.maxX, want.rect.maxY];
    if (got.rect.join() !== rect.join()) mismatches.push(`splat ${i} rect: gpu ${got.rect} ref ${rect}`);
  }
  console.log(`${label}: ${gpu.size} visible on the GPU, ${expected.size} in the reference (only GPU ${onlyGpu.length}, only CPU ${onlyCpu.length}), ${mismatches.length} mismatching fields`);
  expect(onlyGpu.length + onlyCpu.length, `only GPU: ${onlyGpu.slice(0, 5)}; only CPU: ${onlyCpu.slice(0, 5)}`).toBeLessThanOrEqual(slack);
  expect(mismatches.length, `first: ${mismatches[0]}; last: ${mismatches.at(-1)}`).toBe(0);
}

function expectImage(label: string, rgba: Uint8Array, reference: Float64Array, width: number): void {
  const error = compareImages(rgba, reference, width);
  console.log(report(label, error));
  expect(error.psnr).toBeGreaterThan(MIN_PSNR);
  expect(error.maxAbs).toBeLessThanOrEqual(MAX_ABS_LEVELS);
  expect(error.over2).toBeLessThanOrEqual(MAX_SHARE_OVER_2_LEVELS);
}

/** hanabi2.splatv's fireworks (radius ≈ 2.5 around the origin) seen from z = −7 looking down +z. */
function hanabiCamera(width: number, height: number): Camera {
  const f = (250 * width) / 320;
  return { ...cameraFromInria({ width, height, fx: f, fy: f, position: [0, 0, -7], rotation: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }) };
}

describe('4D Gaussians (project4d)', () => {
  gpuTest('slices and projects every splat as the CPU reference at several times, both rotation kinds', async ({ gpu }) => {
    const { device } = gpu;
    const fruit = await loadPly3d('fruit_drops_sh3.ply');
    const camera = fruitCamera(96, 80);
    const target = createTarget(device, camera.width, camera.height);
    const cases: Array<{ kind: 'isoclinic' | 'rotor'; time: number; options?: Slice4dOptions }> = [
      { kind: 'isoclinic', time: 0.1 },
      { kind: 'isoclinic', time: 0.45 },
      { kind: 'isoclinic', time: 0.8 },
      { kind: 'rotor', time: 0.6 },
      // Params: fewer temporal SH orders, another scale modifier.
      { kind: 'isoclinic', time: 0.3, options: { shDegreeT: 1, scaleModifier: 0.8 } },
      { kind: 'isoclinic', time: 0.3, options: { shDegree: 2 } },
    ];
    for (const kind of ['isoclinic', 'rotor'] as const) {
      const cloud = dynamicFrom3d(fruit, 17, kind);
      const renderer = new Gaussians4dRenderer(device, { kind: '4d', cloud });
      for (const c of cases.filter((c) => c.kind === kind)) {
        const params = { ...defaultGaussians4dParams(), scaleModifier: c.options?.scaleModifier ?? 1, shDegree: c.options?.shDegree ?? 3, shDegreeT: c.options?.shDegreeT ?? 2 };
        await renderAt(device, renderer, target, camera, c.time, [0, 0, 0], params);
        const reference = projectCloud4d(cloud, camera, c.time, c.options);
        // A handful of splats sit within f32 rounding of the 0.05 marginal or a tile edge.
        compareProjections(await readProjection(device, renderer), reference.alive, reference.projected, `${kind} t=${c.time} ${JSON.stringify(c.options ?? {})}`, Math.ceil(1e-3 * cloud.count));
      }
      renderer.destroy();
    }
  });

  gpuTest('whole frames match the float64 reference at several times', async ({ gpu }) => {
    const { device } = gpu;
    const fruit = await loadPly3d('fruit_drops_sh3.ply');
    const cloud = dynamicFrom3d(fruit, 23, 'isoclinic');
    const camera = fruitCamera(96, 80);
    const target = createTarget(device, camera.width, camera.height);
    const renderer = new Gaussians4dRenderer(device, { kind: '4d', cloud });
    const background: Vec3 = [0.1, 0.2, 0.3];
    for (const time of [0, 0.35, 0.7, 1]) {
      const rgba = await renderAt(device, renderer, target, camera, time, background);
      const reference = renderReference4d(cloud, camera, time, background);
      const counts = renderer.renderer.lastCounts!;
      const visible = reference.projected.filter((p) => p.visible).length;
      expect(Math.abs(counts.visible - visible)).toBeLessThanOrEqual(Math.ceil(1e-3 * cloud.count));
      expectImage(`4D t=${time}: visible gpu ${counts.visible} ref ${visible}`, rgba, reference.rgb, camera.width);
    }
    renderer.destroy();
  });

  gpuTest('a 4D scene whose temporal scale is huge renders like its 3D counterpart on the 3DGS renderer', async ({ gpu }) => {
    const { device } = gpu;
    const fruit = await loadPly3d('fruit_drops_sh3.ply');
    const camera = fruitCamera(96, 80);
    const background: Vec3 = [0, 0, 0];
    const target3 = createTarget(device, camera.width, camera.height);
    const renderer3 = new Gaussians3dRenderer(device, fruit);
    const encoder = device.createCommandEncoder();
    renderer3.encode(encoder, target3, { camera, time: 0, background }, defaultGaussians4dParams());
    device.queue.submit([encoder.finish()]);
    renderer3.afterSubmit();
    expect(await renderer3.lastFrameComplete()).toBe(true);
    const expected = await readTarget(device, target3);
    renderer3.destroy();

    const random = createRandom(5);
    const target = createTarget(device, camera.width, camera.height);
    for (const kind of ['isoclinic', 'rotor'] as const) {
      // Means spread in time and temporal SH stored (zero): nothing may depend on t.
      const cloud = lift3dTo4d(fruit, { rotationKind: kind, shDegreeT: 2, sigmaT: 1e6, time: () => random() * 4 - 2 });
      const renderer = new Gaussians4dRenderer(device, { kind: '4d', cloud });
      for (const time of [0, 0.5, 1]) {
        const rgba = await renderAt(device, renderer, target, camera, time, background);
        const error = compareImages(rgba, expected, camera.width);
        console.log(report(`huge σt ${kind} t=${time} vs 3D`, error));
        // Both compute Σ in float64 from f32 inputs and differ by ~1e-7 relative (f32 quaternions are
        // unit only to ~6e-8), so at most a rare pixel flips at a hard threshold by a level or two.
        expect(error.maxAbs).toBeLessThanOrEqual(2);
        expect(error.over2).toBe(0);
        expect(error.meanAbs).toBeLessThan(0.01);
      }
      renderer.destroy();
    }
  });

  gpuTest('at a time when no splat is alive: nothing visible, the background everywhere', async ({ gpu }) => {
    const { device } = gpu;
    const fruit = await loadPly3d('fruit_drops_sh3.ply');
    const cloud = dynamicFrom3d(fruit, 29, 'isoclinic', { sigmaT: [0.01, 0.02] });
    const camera = fruitCamera(48, 40);
    const target = createTarget(device, camera.width, camera.height);
    const renderer = new Gaussians4dRenderer(device, { kind: '4d', cloud });
    const rgba = await renderAt(device, renderer, target, camera, 50, [0.2, 0.4, 0.6]);
    expect(renderer.renderer.lastCounts!.visible).toBe(0);
    for (let p = 0; p < camera.width * camera.height; p++) expect([...rgba.subarray(4 * p, 4 * p + 4)]).toEqual([51, 102, 153, 255]);
    renderer.destroy();
  });
});

describe('.splatv (projectSplatv)', () => {
  gpuTest('hanabi2.splatv: frames match the float64 reference at several times', async ({ gpu }) => {
    const { device } = gpu;
    const scene = await loadSplatvBytes('hanabi2.splatv', readData(HANABI_PATH.slice(HANABI_PATH.indexOf('dynamic/'))));
    const camera = hanabiCamera(96, 54);
    const target = createTarget(device, camera.width, camera.height);
    const renderer = new Gaussians4dRenderer(device, { kind: 'splatv', scene });
    expect(renderer.timeRange).toEqual([0, 1]);
    for (const time of [0, 0.17, 0.5, 0.83, 1]) {
      const rgba = await renderAt(device, renderer, target, camera, time, [0, 0, 0]);
      const reference = renderReferenceSplatv(scene, camera, time, [0, 0, 0]);
      const visible = reference.projected.filter((p) => p.visible).length;
      expectImage(`hanabi t=${time}: alive ${reference.alive.length}, visible gpu ${renderer.renderer.lastCounts!.visible} ref ${visible}`, rgba, reference.rgb, camera.width);
    }
    renderer.destroy();
  });

  gpuTest('cubic motion and quaternion drift: every splat projected as the CPU time model gives it', async ({ gpu }) => {
    const { device } = gpu;
    const random = createRandom(41);
    const records = Array.from({ length: 600 }, () =>
      splatvRecord({
        position: [random() * 4 - 2, random() * 4 - 2, random() * 4 - 2],
        rotation: randomQuaternion(random) as [number, number, number, number],
        scale: [0.02 + 0.1 * random(), 0.02 + 0.1 * random(), 0.02 + 0.1 * random()],
        rgba: [random(), random(), random(), 0.3 + 0.7 * random()],
        motion: Array.from({ length: 9 }, () => random() * 2 - 1),
        omega: [random() - 0.5, random() - 0.5, random() - 0.5, random() - 0.5],
        trbfCenter: random(),
        trbfScale: 0.1 + 0.5 * random(),
      }),
    );
    const scene = await loadSplatvBytes('motion.splatv', writeSplatv(records));
    const camera = hanabiCamera(96, 54);
    const target = createTarget(device, camera.width, camera.height);
    const renderer = new Gaussians4dRenderer(device, { kind: 'splatv', scene });
    for (const time of [0.2, 0.7]) {
      await renderAt(device, renderer, target, camera, time, [0, 0, 0]);
      const { cloud, alive } = sliceSplatv(scene, time);
      expect(alive.length).toBeGreaterThan(100);
      compareProjections(await readProjection(device, renderer), alive, projectCloud(cloud, camera), `motion t=${time}`, 1);
    }
    renderer.destroy();
  });
});

gpuTest('teardown: every byte a 4D and a .splatv renderer allocated is released', async ({ gpu }) => {
  const { device } = gpu;
  const memory = GpuMemory.of(device);
  const before = memory.totalBytes;
  const fruit = await loadPly3d('fruit_drops_sh3.ply');
  const camera = fruitCamera(48, 40);
  const target = createTarget(device, camera.width, camera.height);
  const withTarget = memory.totalBytes;
  for (const content of [
    { kind: '4d' as const, cloud: dynamicFrom3d(fruit, 3, 'rotor') },
    { kind: 'splatv' as const, scene: await loadSplatvBytes('one.splatv', writeSplatv([splatvRecord({ position: [0, 0, 0], rotation: [1, 0, 0, 0], scale: [0.1, 0.1, 0.1], rgba: [1, 1, 1, 1], trbfCenter: 0.5, trbfScale: 0.2 })])) },
  ]) {
    const renderer = new Gaussians4dRenderer(device, content);
    await renderAt(device, renderer, target, camera, 0.5, [0, 0, 0]);
    expect(memory.totalBytes).toBeGreaterThan(withTarget);
    renderer.destroy();
    expect(memory.totalBytes, `still live: ${memory.liveLabels().join(', ')}`).toBe(withTarget);
  }
  memory.release(target.texture);
  expect(memory.totalBytes).toBe(before);
});
