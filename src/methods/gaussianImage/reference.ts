/**
 * Float64 CPU reference of GaussianImage: projection, tile binning, the accumulated-summation
 * decoder (with or without the reference kernel's 256-entries-per-tile cap), the Image-GS top-K
 * normalised decoder, and the L2 training loss with its analytic gradient. The GPU kernels are
 * tested against these; the gradient is tested against finite differences of `imageLoss`.
 *
 * Source: Xinjie-Q/GaussianImage @ d53393b with its gsplat submodule XingtongGe/gsplat @ bcca3ec
 * (forward2d.cu, helpers.cuh, forward.cu rasterize_forward_sum, backward.cu); Image-GS top-K from
 * NYU-ICL/image-gs. Constants and quirks: ../shared/docs/gaussians.md §3 and §4.
 */
import { CHOLESKY_BOUND, PARAMS_PER_GAUSSIAN, ParamSlot, type GaussianCloud2d } from './cloud2d';
import type { RgbImage } from './imageData';

/** Tiles are 16 × 16 pixels (BLOCK_X = BLOCK_Y = 16). */
export const TILE_SIZE = 16;
/** Contributions with weight exp(−σ) below this are skipped. */
export const WEIGHT_CUT = 1 / 255;
/** Entries per tile the reference kernel actually sums (its batch loop ends after one batch). */
export const REFERENCE_TILE_ENTRY_CAP = 256;
/** Image-GS TOP_K and the normalisation epsilon (config.h). */
export const TOP_K = 10;
export const TOP_K_EPSILON = 1e-4;

export interface Projected2d {
  /** Centre in pixels. */
  cx: number;
  cy: number;
  /** Inverse covariance: σ = ½(A·dx² + C·dy²) + B·dx·dy. */
  conicA: number;
  conicB: number;
  conicC: number;
  radius: number;
  /** Tile rectangle [min, max) in tile units. */
  tileMin: [number, number];
  tileMax: [number, number];
  color: [number, number, number];
}

export interface DecodeOptions {
  /** Entries of each tile list that are summed; Infinity sums all (our default). @default Infinity */
  tileEntryCap?: number;
}

/** Centre, covariance (a, b, c) = (Σxx, Σxy, Σyy) and colour of Gaussian `i`, activated. */
export function activate(cloud: GaussianCloud2d, i: number): { cx: number; cy: number; cov: [number, number, number]; color: [number, number, number] } {
  const p = cloud.params;
  const o = i * PARAMS_PER_GAUSSIAN;
  const l11 = p[o + ParamSlot.l11]! + CHOLESKY_BOUND[0];
  const l21 = p[o + ParamSlot.l21]! + CHOLESKY_BOUND[1];
  const l22 = p[o + ParamSlot.l22]! + CHOLESKY_BOUND[2];
  return {
    cx: 0.5 * cloud.width * Math.tanh(p[o + ParamSlot.x]!) + 0.5 * cloud.width,
    cy: 0.5 * cloud.height * Math.tanh(p[o + ParamSlot.y]!) + 0.5 * cloud.height,
    cov: [l11 * l11, l11 * l21, l21 * l21 + l22 * l22],
    color: [p[o + ParamSlot.r]!, p[o + ParamSlot.g]!, p[o + ParamSlot.b]!],
  };
}

/** The tile grid of an image: ceil(W / 16) × ceil(H / 16). */
export function tileGrid(width: number, height: number): { x: number; y: number } {
  return { x: Math.ceil(width / TILE_SIZE), y: Math.ceil(height / TILE_SIZE) };
}

/** C's `(int)` conversion (toward zero) then clamp to [0, limit], as get_bbox does. */
function truncClamp(v: number, limit: number): number {
  return Math.min(Math.max(0, Math.trunc(v)), limit);
}

/**
 * project_gaussians_2d_forward + compute_cov2d_bounds + get_tile_bbox. Returns null for a culled
 * Gaussian (singular covariance or no tile touched).
 */
export function projectGaussian(cloud: GaussianCloud2d, i: number): Projected2d | null {
  const { cx, cy, cov, color } = activate(cloud, i);
  const [a, b, c] = cov;
  const det = a * c - b * b;
  if (det === 0 || !Number.isFinite(det)) return null;
  const half = 0.5 * (a + c);
  const spread = Math.sqrt(Math.max(0.1, half * half - det));
  const radius = Math.ceil(3 * Math.sqrt(Math.max(half + spread, half - spread)));
  const grid = tileGrid(cloud.width, cloud.height);
  const tcx = cx / TILE_SIZE;
  const tcy = cy / TILE_SIZE;
  const tr = radius / TILE_SIZE;
  const tileMin: [number, number] = [truncClamp(tcx - tr, grid.x), truncClamp(tcy - tr, grid.y)];
  const tileMax: [number, number] = [truncClamp(tcx + tr + 1, grid.x), truncClamp(tcy + tr + 1, grid.y)];
  if ((tileMax[0] - tileMin[0]) * (tileMax[1] - tileMin[1]) <= 0) return null;
  return { cx, cy, conicA: c / det, conicB: -b / det, conicC: a / det, radius, tileMin, tileMax, color };
}

export function projectCloud(cloud: GaussianCloud2d): Array<Projected2d | null> {
  return Array.from({ length: cloud.count }, (_, i) => projectGaussian(cloud, i));
}

/**
 * Tile lists: for each tile (row-major), the ids of the Gaussians whose rectangle covers it, in
 * increasing id order (what our stable tile sort of an id-ordered intersection list produces).
 */
export function binTiles(cloud: GaussianCloud2d, projected: Array<Projected2d | null>): number[][] {
  const grid = tileGrid(cloud.width, cloud.height);
  const lists: number[][] = Array.from({ length: grid.x * grid.y }, () => []);
  projected.forEach((g, id) => {
    if (!g) return;
    for (let ty = g.tileMin[1]; ty < g.tileMax[1]; ty++) {
      for (let tx = g.tileMin[0]; tx < g.tileMax[0]; tx++) lists[ty * grid.x + tx]!.push(id);
    }
  });
  return lists;
}

/** σ of a projected Gaussian at pixel (px, py); pixels sit at integer positions. */
export function sigmaAt(g: Projected2d, px: number, py: number): number {
  const dx = g.cx - px;
  const dy = g.cy - py;
  return 0.5 * (g.conicA * dx * dx + g.conicC * dy * dy) + g.conicB * dx * dy;
}

/** Calls `visit(pixelIndex, px, py, ids)` for every pixel inside the image with its tile's (capped) list. */
function forEachPixel(cloud: GaussianCloud2d, lists: number[][], cap: number, visit: (pixel: number, px: number, py: number, ids: number[]) => void): void {
  const grid = tileGrid(cloud.width, cloud.height);
  for (let ty = 0; ty < grid.y; ty++) {
    for (let tx = 0; tx < grid.x; tx++) {
      const list = lists[ty * grid.x + tx]!;
      const ids = list.length > cap ? list.slice(0, cap) : list;
      for (let py = ty * TILE_SIZE; py < Math.min(cloud.height, (ty + 1) * TILE_SIZE); py++) {
        for (let px = tx * TILE_SIZE; px < Math.min(cloud.width, (tx + 1) * TILE_SIZE); px++) visit(py * cloud.width + px, px, py, ids);
      }
    }
  }
}

/**
 * Calls `visit(pixel, id, w)` for every term of accumulated summation: each pixel, each Gaussian
 * of its tile's (capped) list with σ ≥ 0 and w = exp(−σ) ≥ 1/255 (opacity ≡ 1, so the reference's
 * α = min(1, exp(−σ)) is exp(−σ)).
 */
export function forEachTerm(cloud: GaussianCloud2d, options: DecodeOptions, visit: (pixel: number, id: number, w: number) => void): void {
  const projected = projectCloud(cloud);
  const lists = binTiles(cloud, projected);
  forEachPixel(cloud, lists, options.tileEntryCap ?? Infinity, (pixel, px, py, ids) => {
    for (const id of ids) {
      const sigma = sigmaAt(projected[id]!, px, py);
      if (sigma < 0) continue;
      const w = Math.min(1, Math.exp(-sigma));
      if (w >= WEIGHT_CUT) visit(pixel, id, w);
    }
  });
}

/** Accumulated summation before the clamp: C = Σ c·exp(−σ) over the terms above. Returns W·H·3 values. */
export function decodeSumUnclamped(cloud: GaussianCloud2d, options: DecodeOptions = {}): Float64Array {
  const out = new Float64Array(cloud.width * cloud.height * 3);
  const p = cloud.params;
  forEachTerm(cloud, options, (pixel, id, w) => {
    for (let c = 0; c < 3; c++) out[pixel * 3 + c] += p[id * PARAMS_PER_GAUSSIAN + ParamSlot.r + c]! * w;
  });
  return out;
}

function clamp01(values: Float64Array): Float64Array {
  return values.map((v) => Math.min(1, Math.max(0, v)));
}

/** The decoded image: accumulated summation clamped to [0, 1]. */
export function decodeSum(cloud: GaussianCloud2d, options: DecodeOptions = {}): Float64Array {
  return clamp01(decodeSumUnclamped(cloud, options));
}

/**
 * Image-GS top-K normalised rendering: per pixel, the K = 10 largest weights w = exp(−σ) of the
 * tile's list (σ < 0 and non-finite skipped, no 1/255 cut), out = Σ c·w / (Σ w + 1e-4), clamped
 * to [0, 1] for display. Ties keep the earlier entry.
 */
export function decodeTopK(cloud: GaussianCloud2d): Float64Array {
  const projected = projectCloud(cloud);
  const lists = binTiles(cloud, projected);
  const out = new Float64Array(cloud.width * cloud.height * 3);
  forEachPixel(cloud, lists, Infinity, (pixel, px, py, ids) => {
    const kept: Array<{ w: number; id: number }> = [];
    for (const id of ids) {
      const sigma = sigmaAt(projected[id]!, px, py);
      if (sigma < 0 || !Number.isFinite(sigma)) continue;
      const w = Math.exp(-sigma);
      if (kept.length < TOP_K) kept.push({ w, id });
      else {
        let min = 0;
        for (let k = 1; k < TOP_K; k++) if (kept[k]!.w < kept[min]!.w) min = k;
        if (w > kept[min]!.w) kept[min] = { w, id };
      }
    }
    let total = 0;
    for (const { w } of kept) total += w;
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (const { w, id } of kept) sum += projected[id]!.color[c]! * w;
      out[pixel * 3 + c] = Math.min(1, Math.max(0, sum / (total + TOP_K_EPSILON)));
    }
  });
  return out;
}

/** Mean over the 3·W·H values of (clamp(C) − target)²: the training loss (train.py, L2). */
export function imageLoss(cloud: GaussianCloud2d, target: RgbImage, options: DecodeOptions = {}): number {
  const image = decodeSum(cloud, options);
  let sum = 0;
  for (let i = 0; i < image.length; i++) sum += (image[i]! - target.data[i]!) ** 2;
  return sum / image.length;
}

/**
 * Gradient of the loss with respect to a Gaussian's projected quantities, accumulated over its
 * pixels: (d centre x, d centre y, d conicA, d conicB, d conicC, d r, d g, d b). The GPU backward
 * writes the same 8 numbers per (tile, Gaussian) intersection before reducing them.
 */
export type ProjectedGradient = [number, number, number, number, number, number, number, number];

/**
 * Chain rule from projected-quantity gradients to the 8 raw parameters (param_gradients.wgsl does
 * the same in f32). conic = Σ⁻¹, so dΣ = −Σ⁻¹ dM Σ⁻¹ with dM the symmetric gradient of the conic
 * (off-diagonal halved: B appears twice in dᵀ M d); Σ = L Lᵀ; centre = ½W·tanh(x) + ½W.
 */
export function rawGradientFromProjected(cloud: GaussianCloud2d, i: number, g: ProjectedGradient): number[] {
  const p = cloud.params;
  const o = i * PARAMS_PER_GAUSSIAN;
  const tx = Math.tanh(p[o + ParamSlot.x]!);
  const ty = Math.tanh(p[o + ParamSlot.y]!);
  const l11 = p[o + ParamSlot.l11]! + CHOLESKY_BOUND[0];
  const l21 = p[o + ParamSlot.l21]! + CHOLESKY_BOUND[1];
  const l22 = p[o + ParamSlot.l22]! + CHOLESKY_BOUND[2];
  const a = l11 * l11;
  const b = l11 * l21;
  const c = l21 * l21 + l22 * l22;
  const det = a * c - b * b;
  const [A, B, C] = [c / det, -b / det, a / det];
  const [dA, dB, dC] = [g[2], g[3] / 2, g[4]];
  // P = dM · M, then dΣ = −M · P.
  const p00 = dA * A + dB * B;
  const p01 = dA * B + dB * C;
  const p10 = dB * A + dC * B;
  const p11 = dB * B + dC * C;
  const da = -(A * p00 + B * p10);
  const dOff = -(A * p01 + B * p11);
  const dc = -(B * p01 + C * p11);
  const db = 2 * dOff;
  return [
    g[0] * 0.5 * cloud.width * (1 - tx * tx),
    g[1] * 0.5 * cloud.height * (1 - ty * ty),
    2 * l11 * da + l21 * db,
    l11 * db + 2 * l21 * dc,
    2 * l22 * dc,
    g[5],
    g[6],
    g[7],
  ];
}

export interface LossGradient {
  loss: number;
  /** Per Gaussian, the 8 projected-quantity gradients (zero for culled Gaussians). */
  projected: Float64Array;
  /** Per Gaussian, the 8 raw-parameter gradients in slot order. */
  raw: Float64Array;
}

/**
 * The loss and its analytic gradient. The clamp passes gradient where 0 ≤ C ≤ 1 (torch.clamp);
 * dL/dC = 2 (clamp(C) − target) / (3·W·H). Each (pixel, Gaussian) term is independent: there is
 * no transmittance in accumulated summation, so no ordering enters the backward pass.
 */
export function lossGradient(cloud: GaussianCloud2d, target: RgbImage, options: DecodeOptions = {}): LossGradient {
  const cap = options.tileEntryCap ?? Infinity;
  const projectedGaussians = projectCloud(cloud);
  const lists = binTiles(cloud, projectedGaussians);
  const raw = decodeSumUnclamped(cloud, options);
  const n = raw.length;
  const pixelGrad = new Float64Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const clamped = Math.min(1, Math.max(0, raw[i]!));
    const e = clamped - target.data[i]!;
    loss += e * e;
    pixelGrad[i] = raw[i]! >= 0 && raw[i]! <= 1 ? (2 * e) / n : 0;
  }
  const projected = new Float64Array(cloud.count * 8);
  forEachPixel(cloud, lists, cap, (pixel, px, py, ids) => {
    const gr = pixelGrad[pixel * 3]!;
    const gg = pixelGrad[pixel * 3 + 1]!;
    const gb = pixelGrad[pixel * 3 + 2]!;
    for (const id of ids) {
      const g = projectedGaussians[id]!;
      const sigma = sigmaAt(g, px, py);
      if (sigma < 0) continue;
      const w = Math.min(1, Math.exp(-sigma));
      if (w < WEIGHT_CUT) continue;
      const dx = g.cx - px;
      const dy = g.cy - py;
      const dSigma = -w * (gr * g.color[0] + gg * g.color[1] + gb * g.color[2]);
      const o = id * 8;
      projected[o] += (g.conicA * dx + g.conicB * dy) * dSigma;
      projected[o + 1] += (g.conicB * dx + g.conicC * dy) * dSigma;
      projected[o + 2] += 0.5 * dx * dx * dSigma;
      projected[o + 3] += dx * dy * dSigma;
      projected[o + 4] += 0.5 * dy * dy * dSigma;
      projected[o + 5] += gr * w;
      projected[o + 6] += gg * w;
      projected[o + 7] += gb * w;
    }
  });
  const rawGrad = new Float64Array(cloud.count * PARAMS_PER_GAUSSIAN);
  for (let i = 0; i < cloud.count; i++) {
    if (!projectedGaussians[i]) continue;
    const g = Array.from(projected.subarray(i * 8, i * 8 + 8)) as ProjectedGradient;
    rawGrad.set(rawGradientFromProjected(cloud, i, g), i * PARAMS_PER_GAUSSIAN);
  }
  return { loss: loss / n, projected, raw: rawGrad };
}
