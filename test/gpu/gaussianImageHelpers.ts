/**
 * Shared pieces of the GaussianImage GPU tests: Kodak crops, a cloud that represents an image (for
 * decoder tests before any fitting), texture readback and image comparison with a report of the
 * first and last mismatch.
 */
import { resolve } from 'node:path';
import { allocateCloud2d, createRandom, PARAMS_PER_GAUSSIAN, ParamSlot, rawFromUnit, type GaussianCloud2d } from '../../src/methods/gaussianImage/cloud2d';
import { cropImage, downsampleImage, type RgbImage } from '../../src/methods/gaussianImage/imageData';
import { readImageFile } from '../../tools/lib/imageFile';

export const KODAK = resolve(__dirname, '../../../shared/data/images/kodak');

/** kodim<nn>.png downsampled by `factor`, then the top-left `width × height` window. */
export async function kodak(nn: string, factor: number, width: number, height: number): Promise<RgbImage> {
  const full = await readImageFile(resolve(KODAK, `kodim${nn}.png`));
  return cropImage(downsampleImage(full, factor), 0, 0, width, height);
}

/**
 * Gaussians laid over an image the way a fitted GaussianImage looks: centres anywhere, a few pixels
 * wide, elongated and rotated, colours from the image under each centre scaled by `colorScale`
 * (summation adds overlapping Gaussians, so each one carries a fraction of the colour).
 */
export function cloudOverImage(image: RgbImage, count: number, seed: number, colorScale = 0.35, size = 3): GaussianCloud2d {
  const cloud = allocateCloud2d(image.width, image.height, count);
  const random = createRandom(seed);
  const p = cloud.params;
  for (let i = 0; i < count; i++) {
    const cx = random() * image.width;
    const cy = random() * image.height;
    const o = i * PARAMS_PER_GAUSSIAN;
    p[o + ParamSlot.x] = rawFromUnit((2 * cx) / image.width - 1);
    p[o + ParamSlot.y] = rawFromUnit((2 * cy) / image.height - 1);
    p[o + ParamSlot.l11] = size * (0.4 + random()) - 0.5;
    p[o + ParamSlot.l21] = size * (random() - 0.5);
    p[o + ParamSlot.l22] = size * (0.4 + random()) - 0.5;
    const pixel = (Math.min(image.height - 1, Math.floor(cy)) * image.width + Math.min(image.width - 1, Math.floor(cx))) * 3;
    for (let c = 0; c < 3; c++) p[o + ParamSlot.r + c] = colorScale * image.data[pixel + c]!;
  }
  return cloud;
}

export interface ImageComparison {
  /** Values further than the tolerance. */
  mismatches: number;
  maxError: number;
  report: string;
}

/**
 * Compares `actual[i]` with `expected[i]` (same length, any scale) within `atol + rtol·|expected|`;
 * NaN or infinite actual values always count as mismatches.
 */
export function compareValues(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol = 0): ImageComparison {
  let mismatches = 0;
  let maxError = 0;
  let first = -1;
  let last = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const error = Math.abs(a - e);
    if (!Number.isFinite(a) || error > atol + rtol * Math.abs(e)) {
      mismatches++;
      if (first < 0) first = i;
      last = i;
    }
    if (Number.isFinite(error)) maxError = Math.max(maxError, error);
  }
  const at = (i: number) => (i < 0 ? 'none' : `#${i}: ${actual[i]} vs ${expected[i]}`);
  return { mismatches, maxError, report: `${mismatches}/${expected.length} off (max error ${maxError.toPrecision(3)}); first ${at(first)}; last ${at(last)}` };
}

/** The RGB channels of RGBA8 bytes, as 0..255 numbers. */
export function rgbOfRgba8(rgba: Uint8Array): Float64Array {
  const out = new Float64Array((rgba.length / 4) * 3);
  for (let i = 0; i < rgba.length / 4; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = rgba[i * 4 + c]!;
  return out;
}
