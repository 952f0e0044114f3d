/**
 * Image files for fitting: PNG (pngjs) and OpenEXR (three.js EXRLoader, sRGB-encoded) decode to
 * the right size and range; JPEG in Node and unknown bytes give clear messages; crop, downsample
 * and PSNR do what they say.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cropImage, downsampleImage, linearToSrgb, psnr } from '../../src/methods/gaussianImage/imageData';
import { sniffImage } from '../../src/methods/gaussianImage/imageFile';
import { decodeImageBytes, encodePng } from '../../tools/lib/imageFile';

const DATA = resolve(__dirname, '../../../shared/data/images');

describe('image files', () => {
  test('a Kodak PNG: 768×512, values in [0, 1], and it survives our PNG writer exactly', async () => {
    const bytes = new Uint8Array(readFileSync(resolve(DATA, 'kodak/kodim03.png')));
    expect(sniffImage(bytes)).toBe('png');
    const image = await decodeImageBytes('kodim03.png', bytes);
    expect([image.width, image.height]).toEqual([768, 512]);
    expect(image.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    const again = await decodeImageBytes('again.png', new Uint8Array(encodePng(image)));
    expect(psnr(again.data, image.data)).toBe(Infinity);
  });

  test('an OpenEXR photograph (ZIP, half floats): 1024×1024, sRGB-encoded values in [0, 1]', async () => {
    const bytes = new Uint8Array(readFileSync(resolve(DATA, 'hires/albert.exr')));
    expect(sniffImage(bytes)).toBe('exr');
    const image = await decodeImageBytes('albert.exr', bytes);
    expect([image.width, image.height]).toEqual([1024, 1024]);
    expect(image.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    const mean = image.data.reduce((a, b) => a + b, 0) / image.data.length;
    expect(mean).toBeGreaterThan(0.05);
    expect(mean).toBeLessThan(0.95);
    expect(linearToSrgb(0.5)).toBeCloseTo(0.7354, 4);
  });

  test('JPEG in Node and unknown bytes are refused with a message that says what to do', async () => {
    await expect(decodeImageBytes('photo.jpg', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).rejects.toThrow(/photo\.jpg: JPEG cannot be decoded in Node .*convert it to PNG/);
    await expect(decodeImageBytes('notes.txt', new TextEncoder().encode('hello'))).rejects.toThrow(/notes\.txt: not a PNG or OpenEXR image/);
    await expect(decodeImageBytes('broken.png', new Uint8Array(readFileSync(resolve(DATA, 'kodak/kodim01.png'))).slice(0, 100))).rejects.toThrow(/broken\.png: not a readable PNG/);
  });

  test('crop and box downsampling', () => {
    const data = Float32Array.from({ length: 4 * 3 * 3 }, (_, i) => i);
    const image = { width: 4, height: 3, data };
    expect(Array.from(cropImage(image, 1, 1, 2, 1).data)).toEqual([15, 16, 17, 18, 19, 20]);
    expect(() => cropImage(image, 3, 0, 2, 1)).toThrow(/outside the 4×3 image/);
    const half = downsampleImage(image, 2);
    expect([half.width, half.height]).toEqual([2, 2]);
    // Top-left block: pixels 0, 1, 4, 5 → red channel values 0, 3, 12, 15.
    expect(half.data[0]).toBeCloseTo(7.5, 6);
    // Bottom-right block is the lone last-row pair: pixels 10, 11 → red 30, 33.
    expect(half.data[9]).toBeCloseTo(31.5, 6);
  });
});
