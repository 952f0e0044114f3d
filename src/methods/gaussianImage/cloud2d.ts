/**
 * A GaussianImage: an image of `width × height` pixels stored as `count` 2D Gaussians with the 8
 * learned parameters of the Cholesky variant (Xinjie-Q/GaussianImage gaussianimage_cholesky.py,
 * ../shared/docs/gaussians.md §3.1). Parameters are kept exactly as trained (before activation), so
 * the fitter, the GPU decoder and the codec share one array and one slot table.
 *
 * Per Gaussian, 8 f32 (32 bytes), interleaved (the GPU buffer `params` has the same layout):
 *
 *   slot  name   activation                                   meaning
 *   0     x      cx = 0.5·W·tanh(x) + 0.5·W                    centre x in pixels
 *   1     y      cy = 0.5·H·tanh(y) + 0.5·H                    centre y in pixels
 *   2     l11    L11 = l11 + 0.5                               Cholesky factor of Σ = L Lᵀ
 *   3     l21    L21 = l21                                     L = [[L11, 0], [L21, L22]]
 *   4     l22    L22 = l22 + 0.5
 *   5..7  r g b  none (opacity ≡ 1 is folded into the colour)  summed as C = Σ c·exp(−σ)
 */

export const PARAMS_PER_GAUSSIAN = 8;

/** Slot of each parameter inside a Gaussian's 8 floats. */
export const ParamSlot = { x: 0, y: 1, l11: 2, l21: 3, l22: 4, r: 5, g: 6, b: 7 } as const;

/** Added to the raw Cholesky parameters before use (`cholesky_bound` of the reference). */
export const CHOLESKY_BOUND = [0.5, 0, 0.5] as const;

/** Parameter groups, each with its own learning rate: slots [first, first + size). */
export const ParamGroup = {
  position: { first: 0, size: 2 },
  cholesky: { first: 2, size: 3 },
  color: { first: 5, size: 3 },
} as const;

/** Largest image side we accept: 16384 px keeps every pixel index and tile id well inside u32. */
export const MAX_IMAGE_SIDE = 16384;
/** Largest Gaussian count: 2^24 keeps parameter buffers (32 B each) under 512 MiB. */
export const MAX_GAUSSIANS = 1 << 24;

export interface GaussianCloud2d {
  width: number;
  height: number;
  count: number;
  /** count × 8 raw parameters in the slot order above. */
  params: Float32Array<ArrayBuffer>;
}

export function checkImageSize(width: number, height: number, where: string): void {
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_IMAGE_SIDE) {
      throw new RangeError(`${where}: image ${name} must be an integer in [1, ${MAX_IMAGE_SIDE}], got ${v}`);
    }
  }
}

export function checkGaussianCount(count: number, where: string): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_GAUSSIANS) {
    throw new RangeError(`${where}: the Gaussian count must be an integer in [1, ${MAX_GAUSSIANS}], got ${count}`);
  }
}

export function allocateCloud2d(width: number, height: number, count: number): GaussianCloud2d {
  checkImageSize(width, height, 'GaussianCloud2d');
  checkGaussianCount(count, 'GaussianCloud2d');
  return { width, height, count, params: new Float32Array(count * PARAMS_PER_GAUSSIAN) };
}

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same Gaussians everywhere. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Raw position parameter that activates to `unit` ∈ (−1, 1): atanh, kept finite at the ends. */
export function rawFromUnit(unit: number): number {
  const u = Math.min(1 - 1e-6, Math.max(-1 + 1e-6, unit));
  return Math.atanh(u);
}

/**
 * The reference initialisation (gaussianimage_cholesky.py __init__): positions uniform over the
 * image (`atanh(2·(U − 0.5))`), raw Cholesky U[0, 1) (so L11, L22 ∈ [0.5, 1.5) px), colours U[0, 1).
 */
export function randomCloud2d(width: number, height: number, count: number, seed = 1): GaussianCloud2d {
  const cloud = allocateCloud2d(width, height, count);
  const random = createRandom(seed);
  const p = cloud.params;
  for (let i = 0; i < count; i++) {
    const o = i * PARAMS_PER_GAUSSIAN;
    p[o + ParamSlot.x] = rawFromUnit(2 * (random() - 0.5));
    p[o + ParamSlot.y] = rawFromUnit(2 * (random() - 0.5));
    for (let s = ParamSlot.l11; s <= ParamSlot.b; s++) p[o + s] = random();
  }
  return cloud;
}

/** Throws when any parameter is NaN or infinite, naming the first bad Gaussian and slot. */
export function checkFiniteParams(cloud: GaussianCloud2d, where: string): void {
  const p = cloud.params;
  for (let i = 0; i < p.length; i++) {
    if (!Number.isFinite(p[i]!)) {
      const names = Object.keys(ParamSlot);
      throw new RangeError(`${where}: Gaussian ${Math.floor(i / PARAMS_PER_GAUSSIAN)} has a non-finite ${names[i % PARAMS_PER_GAUSSIAN]} (${p[i]})`);
    }
  }
}
