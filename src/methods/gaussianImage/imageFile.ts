/**
 * Decoding the images a user fits: PNG and JPEG through the browser's own decoder
 * (createImageBitmap), OpenEXR through three.js's EXRLoader (loaded only when needed; it runs in
 * Node too). Node-side PNG decoding for the CLI and tests is in tools/lib/imageFile.ts.
 */
import { imageFromLinearRgba, imageFromRgba8, type RgbImage } from './imageData';

export type ImageKind = 'png' | 'jpeg' | 'exr';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.exr'] as const;

/** The image format from the first bytes (PNG, JPEG and EXR all start with a magic number), or null. */
export function sniffImage(head: Uint8Array): ImageKind | null {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x76, 0x2f, 0x31, 0x01)) return 'exr';
  return null;
}

/** An OpenEXR file (any compression three.js reads), sRGB-encoded and clipped to [0, 1] (see imageFromLinearRgba). */
export async function decodeExr(bytes: Uint8Array): Promise<RgbImage> {
  const [{ EXRLoader }, { FloatType, RGBAFormat }] = await Promise.all([import('three/examples/jsm/loaders/EXRLoader.js'), import('three')]);
  const loader = new EXRLoader().setDataType(FloatType).setOutputFormat(RGBAFormat);
  const copy = bytes.slice().buffer;
  let parsed;
  try {
    parsed = loader.parse(copy);
  } catch (error) {
    throw new Error(`Not a readable OpenEXR file: ${(error as Error).message}`);
  }
  const { width, height, data } = parsed as { width: number; height: number; data: Float32Array };
  // EXR rows are stored top-down; EXRLoader flips them bottom-up for WebGL textures. Undo that.
  const rowFloats = width * 4;
  const flipped = new Float32Array(data.length);
  for (let y = 0; y < height; y++) flipped.set(data.subarray((height - 1 - y) * rowFloats, (height - y) * rowFloats), y * rowFloats);
  return imageFromLinearRgba(width, height, flipped);
}

/** PNG or JPEG through the browser's decoder (no colour-space conversion, alpha ignored). */
async function decodeWithBrowser(bytes: Uint8Array): Promise<RgbImage> {
  const bitmap = await createImageBitmap(new Blob([bytes.slice()]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas context to read the decoded image');
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height);
    return imageFromRgba8(bitmap.width, bitmap.height, pixels.data);
  } finally {
    bitmap.close();
  }
}

/** Decodes a PNG, JPEG or EXR file in the browser; `name` is used in messages only. */
export async function decodeImageInBrowser(name: string, bytes: Uint8Array): Promise<RgbImage> {
  const kind = sniffImage(bytes);
  if (kind === 'exr') return decodeExr(bytes);
  if (kind === 'png' || kind === 'jpeg') {
    try {
      return await decodeWithBrowser(bytes);
    } catch (error) {
      throw new Error(`${name}: the browser could not decode this ${kind.toUpperCase()} (${(error as Error).message})`);
    }
  }
  throw new Error(`${name}: not a PNG, JPEG or OpenEXR image (unknown first bytes)`);
}
