/**
 * Where fitting starts and where progressive fitting adds Gaussians.
 *
 * - 'random': the reference's initialisation (randomCloud2d in cloud2d.ts).
 * - 'image': Image-GS's content-adaptive one (../shared/docs/gaussians.md §4): 70% of the centres
 *   sampled with probability ∝ (‖∇I‖ / max‖∇I‖)², 30% uniformly; isotropic Gaussians sized so that
 *   N of them tile the image; colours from the target, scaled for summation (below).
 * - `addByError`: Image-GS's error-guided progressive addition: new centres sampled without
 *   replacement with probability ∝ (mean |blurred target − render|)², colour = the residual there
 *   (exactly what a Gaussian added to a sum should contribute at its centre).
 */
import { allocateCloud2d, CHOLESKY_BOUND, createRandom, PARAMS_PER_GAUSSIAN, ParamSlot, randomCloud2d, rawFromUnit, type GaussianCloud2d } from './cloud2d';
import type { RgbImage } from './imageData';

export type InitKind = 'random' | 'image';

/** Share of content-adaptive centres; the rest are uniform (Image-GS init_random_ratio = 0.3). */
const GRADIENT_SHARE = 0.7;

/**
 * Standard deviation (px) of isotropic Gaussians that tile the image: a Gaussian covers the area
 * W·H/N with its 2σ-wide core. Never below 1 px, so each one reaches at least one pixel centre.
 */
export function tilingSigma(width: number, height: number, count: number): number {
  return Math.max(1, 0.5 * Math.sqrt((width * height) / count));
}

/**
 * N isotropic Gaussians of σ = tilingSigma sum to about (N / WH)·2πσ² = π/2 at each pixel, so a
 * colour of target·2/π reproduces the target's brightness on average.
 */
const SUM_COLOR_SCALE = 2 / Math.PI;

/**
 * Samples `count` distinct pixel indices with probability ∝ weight (Efraimidis–Spirakis: the
 * `count` largest keys u^(1/w)); zero-weight pixels are taken only when nothing else is left.
 */
export function sampleWithoutReplacement(weights: ArrayLike<number>, count: number, random: () => number): number[] {
  const keys = new Float64Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    // log(u)/w orders like u^(1/w); zero weights go last in random order.
    keys[i] = w > 0 ? Math.log(random()) / w : -1e300 * (1 + random());
  }
  const order = Array.from(keys.keys());
  order.sort((a, b) => keys[b]! - keys[a]!);
  return order.slice(0, Math.min(count, weights.length));
}

function setGaussian(p: Float32Array, i: number, width: number, height: number, px: number, py: number, sigma: number, color: ArrayLike<number>): void {
  const o = i * PARAMS_PER_GAUSSIAN;
  // Pixel (j, i) sits at integer coordinates; centre = ½W·tanh(x) + ½W.
  p[o + ParamSlot.x] = rawFromUnit((2 * px) / width - 1);
  p[o + ParamSlot.y] = rawFromUnit((2 * py) / height - 1);
  p[o + ParamSlot.l11] = sigma - CHOLESKY_BOUND[0];
  p[o + ParamSlot.l21] = -CHOLESKY_BOUND[1];
  p[o + ParamSlot.l22] = sigma - CHOLESKY_BOUND[2];
  for (let c = 0; c < 3; c++) p[o + ParamSlot.r + c] = color[c]!;
}

/** Squared gradient magnitude of the luminance, normalised to a maximum of 1. */
function gradientWeights(image: RgbImage): Float64Array {
  const { width, height, data } = image;
  const luma = (x: number, y: number) => {
    const i = (Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))) * 3;
    return 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
  };
  const magnitude = new Float64Array(width * height);
  let max = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx = 0.5 * (luma(x + 1, y) - luma(x - 1, y));
      const gy = 0.5 * (luma(x, y + 1) - luma(x, y - 1));
      const m = Math.hypot(gx, gy);
      magnitude[y * width + x] = m;
      max = Math.max(max, m);
    }
  }
  return magnitude.map((m) => (max > 0 ? (m / max) ** 2 : 1));
}

export function initialCloud(target: RgbImage, count: number, kind: InitKind, seed: number): GaussianCloud2d {
  if (kind === 'random') return randomCloud2d(target.width, target.height, count, seed);
  const { width, height } = target;
  const random = createRandom(seed);
  const cloud = allocateCloud2d(width, height, count);
  const adaptive = Math.round(GRADIENT_SHARE * count);
  const pixels = sampleWithoutReplacement(gradientWeights(target), Math.min(adaptive, width * height), random);
  while (pixels.length < count) pixels.push(Math.floor(random() * width * height));
  const sigma = tilingSigma(width, height, count);
  pixels.forEach((pixel, i) => {
    const px = (pixel % width) + random() - 0.5;
    const py = Math.floor(pixel / width) + random() - 0.5;
    const color = [0, 1, 2].map((c) => SUM_COLOR_SCALE * target.data[pixel * 3 + c]!);
    setGaussian(cloud.params, i, width, height, px, py, sigma, color);
  });
  return cloud;
}

/** Separable Gaussian blur of each channel (σ in pixels), edges clamped. */
export function blurImage(image: RgbImage, sigma: number): RgbImage {
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const { width, height } = image;
  const pass = (src: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let k = -radius; k <= radius; k++) {
            const sx = horizontal ? Math.min(width - 1, Math.max(0, x + k)) : x;
            const sy = horizontal ? y : Math.min(height - 1, Math.max(0, y + k));
            sum += kernel[k + radius]! * src[(sy * width + sx) * 3 + c]!;
          }
          out[(y * width + x) * 3 + c] = sum / total;
        }
      }
    }
    return out;
  };
  return { width, height, data: pass(pass(image.data, true), false) };
}

/**
 * Parameters of `count` new Gaussians placed where `render` misses `target` most (see the header).
 * `sigma` is their initial standard deviation in pixels.
 */
export function addByError(target: RgbImage, render: RgbImage, count: number, sigma: number, seed: number): Float32Array<ArrayBuffer> {
  const { width, height } = target;
  // Image-GS blurs the target with a kernel of about √(HW)/400 when that reaches a pixel.
  const blur = Math.sqrt(width * height) / 400;
  const reference = blur >= 1 ? blurImage(target, blur) : target;
  const weights = new Float64Array(width * height);
  for (let i = 0; i < width * height; i++) {
    let error = 0;
    for (let c = 0; c < 3; c++) error += Math.abs(reference.data[i * 3 + c]! - render.data[i * 3 + c]!);
    weights[i] = (error / 3) ** 2;
  }
  const pixels = sampleWithoutReplacement(weights, count, createRandom(seed));
  const params = new Float32Array(pixels.length * PARAMS_PER_GAUSSIAN);
  pixels.forEach((pixel, i) => {
    const residual = [0, 1, 2].map((c) => target.data[pixel * 3 + c]! - render.data[pixel * 3 + c]!);
    setGaussian(params, i, width, height, pixel % width, Math.floor(pixel / width), sigma, residual);
  });
  return params;
}
