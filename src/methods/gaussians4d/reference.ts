/**
 * CPU references of the dynamic-scene projection in float64, built on the 3DGS reference
 * (gaussians3d/reference.ts, projection.ts): each splat is sliced at time t into a 3D Gaussian, the
 * splats alive at t are projected with the 3DGS per-splat math (EWA, conic, radius, getRect), and
 * binTiles + rasterizeTiles of the 3DGS reference draw them, exactly as the GPU runs the sliced
 * splats through the unchanged 3DGS passes.
 *
 * - 4DGS (cloud4d.ts): slice.ts, colour from sh4d.ts along the direction to the *unshifted* mean
 *   (the 4DGS CUDA's orig_points); the 4DGS rasterizer's extra `radius <= 0.4` cull cannot fire
 *   after the 0.3 low-pass (radius ≥ 2), so it is not repeated.
 * - .splatv (splatv.ts): its own time model gives position, rotation, scale, opacity and a direct
 *   colour, which form an ordinary SplatCloud (colour as an SH DC term) for renderReference.
 */
import { cameraCenter, type Camera, type Vec3 } from '../../camera/camera';
import { computeCov2D, conicAndRadius, getRect, NEAR_CULL_Z, tileGrid, toCameraSpace, type ProjectedSplat } from '../gaussians3d/projection';
import { binTiles, rasterizeTiles, renderReference, type RasterOutput, type ReferenceImage, type TileBins } from '../gaussians3d/reference';
import type { Gaussian4dCloud } from './cloud4d';
import { evalSH4D } from './sh4d';
import { sliceSplat, type SlicedSplat } from './slice';
import { sliceSplatv, type SplatvScene } from './splatv';

/** What the 4D projection evaluates; the GPU reads the same values from the method params. */
export interface Slice4dOptions {
  /** Multiplies all four scales. @default 1 */
  scaleModifier?: number;
  /** Spatial SH degree evaluated (clamped to the stored one). @default stored */
  shDegree?: number;
  /** Temporal SH degree evaluated (clamped to the stored one). @default stored */
  shDegreeT?: number;
}

function culled(reason: 'near' | 'degenerate' | 'offscreen', depth = 0): ProjectedSplat {
  return {
    visible: false,
    cull: reason,
    px: 0,
    py: 0,
    depth,
    conic: [0, 0, 0],
    opacity: 0,
    radius: 0,
    rect: { minX: 0, minY: 0, maxX: 0, maxY: 0 },
    rgb: [0, 0, 0],
  };
}

/** preprocessCUDA of the 3DGS reference for a splat already sliced to (mean, cov3, opacity); `rgb` is called only when it is visible. */
export function projectSliced(slice: SlicedSplat, camera: Camera, rgb: () => [number, number, number]): ProjectedSplat {
  const t = toCameraSpace(camera, slice.mean);
  if (t[2] <= NEAR_CULL_Z) return culled('near', t[2]);
  const shape = conicAndRadius(computeCov2D(t, slice.cov3, camera));
  if (!shape) return culled('degenerate', t[2]);
  const px = (camera.fx * t[0]) / t[2] + camera.cx - 0.5;
  const py = (camera.fy * t[1]) / t[2] + camera.cy - 0.5;
  const rect = getRect(px, py, shape.radius, tileGrid(camera));
  if ((rect.maxX - rect.minX) * (rect.maxY - rect.minY) === 0) return culled('offscreen', t[2]);
  return { visible: true, cull: null, px, py, depth: t[2], conic: shape.conic, opacity: slice.opacity, radius: shape.radius, rect, rgb: rgb() };
}

/** The splats alive at time t (marginal > 0.05) and their projections: projected[j] is splat alive[j]. */
export interface Projection4d {
  alive: Uint32Array;
  slices: SlicedSplat[];
  projected: ProjectedSplat[];
}

export function projectCloud4d(cloud: Gaussian4dCloud, camera: Camera, time: number, options: Slice4dOptions = {}): Projection4d {
  const center = cameraCenter(camera);
  const period = cloud.timeDuration[1] - cloud.timeDuration[0];
  const k = 3 * (cloud.shDegree + 1) ** 2 * (cloud.shDegreeT + 1);
  const alive: number[] = [];
  const slices: SlicedSplat[] = [];
  const projected: ProjectedSplat[] = [];
  for (let i = 0; i < cloud.count; i++) {
    const slice = sliceSplat(cloud, i, time, options.scaleModifier ?? 1);
    if (!slice.visible) continue;
    alive.push(i);
    slices.push(slice);
    projected.push(
      projectSliced(slice, camera, () => {
        const p = cloud.positions;
        const d = [p[4 * i]! - center[0], p[4 * i + 1]! - center[1], p[4 * i + 2]! - center[2]];
        const length = Math.hypot(d[0]!, d[1]!, d[2]!);
        const dir: Vec3 = [d[0]! / length, d[1]! / length, d[2]! / length];
        return evalSH4D(cloud.shDegree, cloud.shDegreeT, cloud.sh, dir, -slice.dt, period, k * i, options.shDegree, options.shDegreeT);
      }),
    );
  }
  return { alive: Uint32Array.from(alive), slices, projected };
}

export interface ReferenceImage4d extends RasterOutput, Projection4d {
  width: number;
  height: number;
  /** Tile bins over the alive splats (indices into `projected`). */
  bins: TileBins;
}

/** The whole forward pass of a 4D cloud at `time` seen by `camera` over `background` (linear RGB). */
export function renderReference4d(cloud: Gaussian4dCloud, camera: Camera, time: number, background: Vec3, options: Slice4dOptions = {}): ReferenceImage4d {
  const projection = projectCloud4d(cloud, camera, time, options);
  const bins = binTiles(projection.projected, camera);
  return { width: camera.width, height: camera.height, ...projection, bins, ...rasterizeTiles(projection.projected, bins, camera, background) };
}

/** The .splatv scene at `time` through the 3DGS reference; `alive` maps the sliced cloud's splats back to the scene's. */
export function renderReferenceSplatv(scene: SplatvScene, camera: Camera, time: number, background: Vec3, scaleModifier = 1): ReferenceImage & { alive: Uint32Array } {
  const { cloud, alive } = sliceSplatv(scene, time, scaleModifier);
  return { ...renderReference(cloud, camera, background), alive };
}
