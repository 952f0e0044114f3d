/**
 * The 3DGS renderer's interchangeable implementations draw the same image: both rasterize loop
 * structures ('staged', 'direct') with every sort back-end, on real scenes against the float64
 * reference (the bounds of gaussians3d.test.ts) and against each other; and 'auto' settles on one of
 * each after its timed frames, drawing the same image all along.
 */
import { describe, expect } from 'vitest';
import { gpuTest } from '../helpers/gpu';
import type { Camera, Vec3 } from '../../src/camera/camera';
import { splatBounds } from '../../src/methods/gaussians3d';
import { defaultGaussians3dParams } from '../../src/methods/gaussians3d/params';
import type { RasterizeVariant } from '../../src/methods/gaussians3d/passes/rasterizePass';
import { renderReference } from '../../src/methods/gaussians3d/reference';
import { Gaussians3dRenderer } from '../../src/methods/gaussians3d/renderer';
import type { SplatCloud } from '../../src/methods/gaussians3d/splatCloud';
import type { SortBackendName } from '../../src/primitives/sortBackend';
import { compareImages, expectFaithful, loadData, orbitCamera, renderComplete, report } from './splatSceneHelpers';

interface Variant {
  rasterize: RasterizeVariant;
  sort: SortBackendName;
}

// Every rasterize variant and every sort back-end at least once, without running all six pairs.
const VARIANTS: Variant[] = [
  { rasterize: 'staged', sort: 'portable' },
  { rasterize: 'direct', sort: 'serial' },
  { rasterize: 'direct', sort: 'onesweep' },
];

/**
 * Equal depths can meet in one tile in a different order when the projection compacts the visible
 * splats in another order (atomics), so two renderers may differ where that happens: by a level at
 * most, rarely.
 */
function expectSameImage(a: Uint8Array, b: Uint8Array, width: number, label: string): void {
  const e = compareImages(a, b, width, 1);
  console.log(report(label, e));
  expect(e.maxAbs).toBeLessThanOrEqual(1);
  expect(e.over2).toBe(0);
}

async function checkScene(device: GPUDevice, cloud: SplatCloud, cameras: Camera[], background: Vec3): Promise<void> {
  const renderers = VARIANTS.map((v) => new Gaussians3dRenderer(device, cloud, { rasterizeVariant: v.rasterize }));
  for (const camera of cameras) {
    const reference = renderReference(cloud, camera, background).rgb;
    const images: Uint8Array[] = [];
    for (const [i, v] of VARIANTS.entries()) {
      const params = { ...defaultGaussians3dParams(), sortBackend: v.sort };
      const rgba = await renderComplete(device, renderers[i]!, camera, background, params);
      const label = `${cloud.count} splats ${camera.width}×${camera.height} ${v.rasterize}/${v.sort}`;
      const error = compareImages(rgba, reference, camera.width);
      console.log(report(`${label} vs reference`, error));
      expectFaithful(error);
      if (images.length) expectSameImage(rgba, images[0]!, camera.width, `${label} vs ${VARIANTS[0]!.rasterize}/${VARIANTS[0]!.sort}`);
      images.push(rgba);
    }
  }
  for (const r of renderers) r.destroy();
}

describe('gaussians3d implementation variants', () => {
  gpuTest('staged and direct rasterize, portable/onesweep/serial sorts: one image, faithful to the reference', async ({ gpu }) => {
    const { device } = gpu;
    const fruit = await loadData('splats/ply/fruit_drops_sh3.ply');
    // Partial tiles at the right and bottom edges (90×70), and a full-tile size.
    await checkScene(device, fruit, [orbitCamera(splatBounds(fruit), 30, 20, 160, 120, 1.4), orbitCamera(splatBounds(fruit), 200, -30, 90, 70, 1.4)], [0, 0, 0]);
    const donut = await loadData('splats/ply/donut_sh0.ply');
    await checkScene(device, donut, [orbitCamera(splatBounds(donut), 150, 0, 128, 96, 1.4)], [1, 1, 1]);
  });

  gpuTest("'auto' times the rasterize variants and sort back-ends, keeps one of each, and draws the same image meanwhile", async ({ gpu }) => {
    const { device } = gpu;
    const cloud = await loadData('splats/ply/fruit_drops_sh3.ply');
    const camera = orbitCamera(splatBounds(cloud), 60, 10, 128, 96, 1.4);
    const reference = new Gaussians3dRenderer(device, cloud, { rasterizeVariant: 'staged' });
    const expected = await renderComplete(device, reference, camera, [0, 0, 0], { ...defaultGaussians3dParams(), sortBackend: 'portable' });
    reference.destroy();
    const renderer = new Gaussians3dRenderer(device, cloud);
    for (let frame = 0; frame < 12; frame++) {
      const rgba = await renderComplete(device, renderer, camera);
      expectSameImage(rgba, expected, camera.width, `auto frame ${frame}`);
    }
    const chosen = renderer.implementations;
    console.log(`auto chose ${JSON.stringify(chosen)}`);
    expect(chosen.tuned).toBe(true);
    expect(['staged', 'direct']).toContain(chosen.rasterize);
    expect(['portable', 'onesweep', 'serial']).toContain(chosen.depthSort);
    expect(['portable', 'onesweep', 'serial']).toContain(chosen.tileSort);
    renderer.destroy();
  });
});
