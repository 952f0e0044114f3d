/**
 * Image files in Node (CLI, tests, benchmarks): PNG through pngjs, OpenEXR through three.js's
 * EXRLoader. JPEG has no decoder installed in Node; fit JPEGs in the browser or convert them first.
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { imageFromRgba8, imageToRgba8, type RgbImage } from '../../src/methods/gaussianImage/imageData';
import { decodeExr, sniffImage } from '../../src/methods/gaussianImage/imageFile';

export async function decodeImageBytes(name: string, bytes: Uint8Array): Promise<RgbImage> {
  const kind = sniffImage(bytes);
  if (kind === 'png') {
    let png: PNG;
    try {
      // pngjs rescales every bit depth (1..16) to 8 bits per channel and expands palettes and grey.
      png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (error) {
      throw new Error(`${name}: not a readable PNG (${(error as Error).message})`);
    }
    return imageFromRgba8(png.width, png.height, png.data);
  }
  if (kind === 'exr') return decodeExr(bytes);
  if (kind === 'jpeg') throw new Error(`${name}: JPEG cannot be decoded in Node (no JPEG decoder is installed); convert it to PNG, or fit it in the browser viewer`);
  throw new Error(`${name}: not a PNG or OpenEXR image (unknown first bytes)`);
}

export function readImageFile(path: string): Promise<RgbImage> {
  return decodeImageBytes(path, new Uint8Array(readFileSync(path)));
}

/** An 8-bit RGB PNG of an image (values clamped to [0, 1]). */
export function encodePng(image: RgbImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(imageToRgba8(image));
  return PNG.sync.write(png);
}
