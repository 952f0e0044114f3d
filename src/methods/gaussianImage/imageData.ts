/**
 * Images as the fitter and the references see them: RGB, float, display-referred values in [0, 1],
 * row-major, 3 floats per pixel. Conversions from decoded files (RGBA8, float RGBA) and the quality
 * metrics (MSE, PSNR) live here; file decoding itself is in imageFile.ts.
 */

export interface RgbImage {
  width: number;
  height: number;
  /** width × height × 3 values, row-major, r g b. */
  data: Float32Array;
}

export function allocateImage(width: number, height: number): RgbImage {
  return { width, height, data: new Float32Array(width * height * 3) };
}

/** From 8-bit RGBA (ImageData, PNG decoders); alpha is ignored. */
export function imageFromRgba8(width: number, height: number, rgba: ArrayLike<number>): RgbImage {
  if (rgba.length < width * height * 4) throw new RangeError(`imageFromRgba8: ${rgba.length} bytes for ${width}×${height} RGBA`);
  const image = allocateImage(width, height);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) image.data[i * 3 + c] = rgba[i * 4 + c]! / 255;
  }
  return image;
}

/** sRGB transfer function (IEC 61966-2-1) of a linear value, clamped to [0, 1]. */
export function linearToSrgb(v: number): number {
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));
  return x <= 0.0031308 ? 12.92 * x : 1.055 * Math.pow(x, 1 / 2.4) - 0.055;
}

/**
 * From linear float RGBA (EXR): scene-linear values are encoded with the sRGB curve and clipped
 * to [0, 1], because GaussianImage fits display values (its 1/255 weight cut and the clamp assume them).
 */
export function imageFromLinearRgba(width: number, height: number, rgba: ArrayLike<number>, channels = 4): RgbImage {
  const image = allocateImage(width, height);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) image.data[i * 3 + c] = linearToSrgb(rgba[i * channels + Math.min(c, channels - 1)]!);
  }
  return image;
}

/** Rounds to 8-bit RGBA with alpha 255 (PNG writers, textures). */
export function imageToRgba8(image: RgbImage): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(image.width * image.height * 4);
  for (let i = 0; i < image.width * image.height; i++) {
    for (let c = 0; c < 3; c++) out[i * 4 + c] = Math.round(Math.min(1, Math.max(0, image.data[i * 3 + c]!)) * 255);
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** The `width × height` window starting at (x, y). */
export function cropImage(image: RgbImage, x: number, y: number, width: number, height: number): RgbImage {
  if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > image.width || y + height > image.height) {
    throw new RangeError(`cropImage: window ${width}×${height} at (${x}, ${y}) is outside the ${image.width}×${image.height} image`);
  }
  const out = allocateImage(width, height);
  for (let row = 0; row < height; row++) {
    const from = ((y + row) * image.width + x) * 3;
    out.data.set(image.data.subarray(from, from + width * 3), row * width * 3);
  }
  return out;
}

/** Box-filter downsampling by an integer factor (the last partial block of a row/column is averaged too). */
export function downsampleImage(image: RgbImage, factor: number): RgbImage {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`downsampleImage: factor must be a positive integer, got ${factor}`);
  const width = Math.ceil(image.width / factor);
  const height = Math.ceil(image.height / factor);
  const out = allocateImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sum = [0, 0, 0];
      let n = 0;
      for (let sy = y * factor; sy < Math.min(image.height, (y + 1) * factor); sy++) {
        for (let sx = x * factor; sx < Math.min(image.width, (x + 1) * factor); sx++) {
          for (let c = 0; c < 3; c++) sum[c] += image.data[(sy * image.width + sx) * 3 + c]!;
          n++;
        }
      }
      for (let c = 0; c < 3; c++) out.data[(y * width + x) * 3 + c] = sum[c]! / n;
    }
  }
  return out;
}

/** Mean squared error over every channel of every pixel (values clamped to [0, 1] first, as displayed). */
export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`meanSquaredError: ${a.length} values against ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.min(1, Math.max(0, a[i]!)) - Math.min(1, Math.max(0, b[i]!));
    sum += d * d;
  }
  return sum / a.length;
}

/** PSNR in dB for a peak of 1 from a mean squared error (Infinity for identical images). */
export function psnrFromMse(mse: number): number {
  return mse > 0 ? -10 * Math.log10(mse) : Infinity;
}

export function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return psnrFromMse(meanSquaredError(a, b));
}
