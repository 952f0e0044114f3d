/**
 * CPU reference of the 3DGS forward pass in float64, stage by stage as the reference CUDA
 * (graphdeco-inria/diff-gaussian-rasterization; ../shared/docs/gaussians.md §1), so the GPU pipeline
 * can be compared one stage at a time:
 *   projectCloud (preprocessCUDA per splat) → binTiles (duplicateWithKeys + sort + identifyTileRanges)
 *   → rasterizeTiles (renderCUDA) ; renderReference runs all three.
 * Plain arrays, no GPU; fast enough for tens of thousands of splats at ~256² in well under seconds
 * because every pixel only walks the splats binned to its tile.
 */
import { cameraCenter, type Camera, type Vec3 } from '../../camera/camera';
import { projectSplat, tileGrid, TILE_SIZE, type ProjectedSplat } from './projection';
import type { SplatCloud } from './splatCloud';

export {
  computeCov2D,
  computeCov3D,
  conicAndRadius,
  getRect,
  projectSplat,
  quaternionToMatrix,
  sigmoid,
  tileGrid,
  toCameraSpace,
  TILE_SIZE,
  type ProjectedSplat,
  type TileRect,
} from './projection';
export { evalSH, shBasis } from './sh';

/** renderCUDA: alpha is capped here so one splat never makes a pixel fully opaque. */
export const MAX_ALPHA = 0.99;
/** renderCUDA: contributions with alpha below this are skipped. */
export const MIN_ALPHA = 1 / 255;
/** renderCUDA: a pixel stops when T·(1 − alpha) would fall below this (that splat is not blended). */
export const MIN_TRANSMITTANCE = 1e-4;

/** preprocessCUDA for every splat. */
export function projectCloud(cloud: SplatCloud, camera: Camera): ProjectedSplat[] {
  const center = cameraCenter(camera);
  const projected: ProjectedSplat[] = new Array(cloud.count);
  for (let i = 0; i < cloud.count; i++) projected[i] = projectSplat(cloud, i, camera, center);
  return projected;
}

/** Splats per tile, each tile's list front to back. Tile t = ty · grid.x + tx. */
export interface TileBins {
  grid: { x: number; y: number };
  /** Visible splats sorted by depth, ties by index (the order a stable depth sort gives). */
  depthOrder: Uint32Array;
  /** numTiles + 1 entries: tile t's splats are splatIds[tileOffsets[t] .. tileOffsets[t + 1]). */
  tileOffsets: Uint32Array;
  /** One entry per (splat, touched tile) intersection, grouped by tile, front to back within a tile. */
  splatIds: Uint32Array;
}

/**
 * Tile binning: every visible splat goes to each tile of its rect, and each tile's list is in depth
 * order with ties broken by splat index, which is what sorting (tile, depth) keys with a stable sort
 * over intersections emitted in splat order gives.
 */
export function binTiles(projected: readonly ProjectedSplat[], camera: Camera): TileBins {
  const grid = tileGrid(camera);
  const visible: number[] = [];
  for (let i = 0; i < projected.length; i++) if (projected[i]!.visible) visible.push(i);
  visible.sort((a, b) => projected[a]!.depth - projected[b]!.depth || a - b);
  const depthOrder = Uint32Array.from(visible);

  const tileOffsets = new Uint32Array(grid.x * grid.y + 1);
  for (const i of depthOrder) {
    const { minX, minY, maxX, maxY } = projected[i]!.rect;
    for (let y = minY; y < maxY; y++) for (let x = minX; x < maxX; x++) tileOffsets[y * grid.x + x + 1]!++;
  }
  for (let t = 1; t < tileOffsets.length; t++) tileOffsets[t]! += tileOffsets[t - 1]!;
  const splatIds = new Uint32Array(tileOffsets[tileOffsets.length - 1]!);
  const cursor = tileOffsets.slice(0, -1);
  for (const i of depthOrder) {
    const { minX, minY, maxX, maxY } = projected[i]!.rect;
    for (let y = minY; y < maxY; y++) for (let x = minX; x < maxX; x++) splatIds[cursor[y * grid.x + x]!++] = i;
  }
  return { grid, depthOrder, tileOffsets, splatIds };
}

export interface RasterOutput {
  /** W·H·3, row-major, pixel (x, y) channel c at ((y · W) + x) · 3 + c: C + T · background. */
  rgb: Float64Array;
  /** W·H: transmittance left after blending. */
  finalT: Float64Array;
  /**
   * W·H: as n_contrib in renderCUDA, the 1-based position in the pixel's tile list of the last splat
   * blended (skipped splats before it count too); 0 when nothing was blended.
   */
  contributors: Uint32Array;
}

/**
 * renderCUDA: per pixel, front to back through its tile's list, d = (px, py) − (x, y),
 * power = −½(a dx² + c dy²) − b dx dy (skip if > 0), alpha = min(0.99, o · e^power) (skip if < 1/255),
 * stop before a splat that would take T below 1e-4, then out = C + T · background.
 */
export function rasterizeTiles(projected: readonly ProjectedSplat[], bins: TileBins, camera: Camera, background: Vec3): RasterOutput {
  const { width, height } = camera;
  const { grid, tileOffsets, splatIds } = bins;
  let longest = 0;
  for (let t = 0; t + 1 < tileOffsets.length; t++) longest = Math.max(longest, tileOffsets[t + 1]! - tileOffsets[t]!);
  // Each tile's splats are gathered into contiguous struct-of-arrays first: the inner loop then runs
  // once per (pixel, splat in tile) over sequential memory.
  const mx = new Float64Array(longest);
  const my = new Float64Array(longest);
  const ca = new Float64Array(longest);
  const cb = new Float64Array(longest);
  const cc = new Float64Array(longest);
  const op = new Float64Array(longest);
  const skipBelow = new Float64Array(longest);
  const col = new Float64Array(3 * longest);
  const rgb = new Float64Array(width * height * 3);
  const finalT = new Float64Array(width * height);
  const contributors = new Uint32Array(width * height);
  for (let ty = 0; ty < grid.y; ty++) {
    for (let tx = 0; tx < grid.x; tx++) {
      const tile = ty * grid.x + tx;
      const begin = tileOffsets[tile]!;
      const count = tileOffsets[tile + 1]! - begin;
      for (let j = 0; j < count; j++) {
        const p = projected[splatIds[begin + j]!]!;
        mx[j] = p.px;
        my[j] = p.py;
        [ca[j], cb[j], cc[j]] = p.conic;
        op[j] = p.opacity;
        // Below this power, o · e^power < 1/255 for sure (the margin keeps the exact test for borderline
        // cases), so the exp is not needed: most (pixel, splat) pairs of a tile end here.
        skipBelow[j] = Math.log(MIN_ALPHA / p.opacity) - 1e-9;
        col[3 * j] = p.rgb[0];
        col[3 * j + 1] = p.rgb[1];
        col[3 * j + 2] = p.rgb[2];
      }
      const yEnd = Math.min(height, (ty + 1) * TILE_SIZE);
      const xEnd = Math.min(width, (tx + 1) * TILE_SIZE);
      for (let y = ty * TILE_SIZE; y < yEnd; y++) {
        for (let x = tx * TILE_SIZE; x < xEnd; x++) {
          let T = 1;
          let r = 0;
          let g = 0;
          let b = 0;
          let last = 0;
          for (let j = 0; j < count; j++) {
            const dx = mx[j]! - x;
            const dy = my[j]! - y;
            const power = -0.5 * (ca[j]! * dx * dx + cc[j]! * dy * dy) - cb[j]! * dx * dy;
            if (power > 0 || power < skipBelow[j]!) continue;
            const alpha = Math.min(MAX_ALPHA, op[j]! * Math.exp(power));
            if (alpha < MIN_ALPHA) continue;
            const testT = T * (1 - alpha);
            if (testT < MIN_TRANSMITTANCE) break;
            const w = alpha * T;
            r += col[3 * j]! * w;
            g += col[3 * j + 1]! * w;
            b += col[3 * j + 2]! * w;
            T = testT;
            last = j + 1;
          }
          const pixel = y * width + x;
          rgb[3 * pixel] = r + T * background[0];
          rgb[3 * pixel + 1] = g + T * background[1];
          rgb[3 * pixel + 2] = b + T * background[2];
          finalT[pixel] = T;
          contributors[pixel] = last;
        }
      }
    }
  }
  return { rgb, finalT, contributors };
}

export interface ReferenceImage extends RasterOutput {
  width: number;
  height: number;
  /** Every stage's result, for comparing GPU stages one by one. */
  projected: ProjectedSplat[];
  bins: TileBins;
}

/** The whole forward pass of `cloud` seen by `camera` over `background` (linear RGB). */
export function renderReference(cloud: SplatCloud, camera: Camera, background: Vec3): ReferenceImage {
  const projected = projectCloud(cloud, camera);
  const bins = binTiles(projected, camera);
  return { width: camera.width, height: camera.height, projected, bins, ...rasterizeTiles(projected, bins, camera, background) };
}
