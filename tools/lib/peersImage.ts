/**
 * Image comparison for `npm run bench:peers`: each renderer's RGBA8 frame against the float64 CPU
 * reference (src/methods/gaussians3d/reference.ts) quantised the way a frame target stores it.
 * Pure, unit tested.
 */
import type { RasterOutput } from '../../src/methods/gaussians3d/reference';

export interface ImageDifference {
  /** PSNR in dB over the R, G and B of every pixel (8-bit peak 255); null when the images are identical. */
  psnrDb: number | null;
  /** Largest difference of one channel, 0..255. */
  maxAbsDiff: number;
  /** Mean absolute difference per channel, 0..255. */
  meanAbsDiff: number;
}

/** The reference's RGB (C + T·background, unbounded above) as RGBA8: clamped to [0, 1], rounded, alpha 255. */
export function referenceToRgba8(reference: Pick<RasterOutput, 'rgb'>, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) out[4 * i + c] = Math.round(255 * Math.min(1, Math.max(0, reference.rgb[3 * i + c]!)));
    out[4 * i + 3] = 255;
  }
  return out;
}

/** How far `image` is from `reference` (both RGBA8, same size; alpha ignored). */
export function compareRgba8(image: Uint8Array, reference: Uint8Array, width: number, height: number): ImageDifference {
  const expected = width * height * 4;
  if (image.length !== expected || reference.length !== expected) {
    throw new Error(`image sizes differ: ${image.length} and ${reference.length} bytes for ${width}x${height} RGBA (${expected})`);
  }
  let squares = 0;
  let sum = 0;
  let max = 0;
  for (let i = 0; i < expected; i++) {
    if ((i & 3) === 3) continue;
    const d = Math.abs(image[i]! - reference[i]!);
    squares += d * d;
    sum += d;
    if (d > max) max = d;
  }
  const samples = width * height * 3;
  const mse = squares / samples;
  return { psnrDb: mse === 0 ? null : 10 * Math.log10((255 * 255) / mse), maxAbsDiff: max, meanAbsDiff: sum / samples };
}
