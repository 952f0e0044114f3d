/**
 * MS-SSIM (src/methods/gaussianImage/msSsim.ts): identity, symmetry, monotone in noise on a real
 * Kodak image, single-scale SSIM against a direct per-pixel 11×11 window computed differently
 * (two-pass variances, 2D weights, no separable filter), the pooling between scales, and the
 * too-small-image case.
 */
import { describe, expect, test } from 'vitest';
import { resolve } from 'node:path';
import { createRandom } from '../../src/methods/gaussianImage/cloud2d';
import { allocateImage, type RgbImage } from '../../src/methods/gaussianImage/imageData';
import { averagePool2, formatMsSsim, gaussianWindow, MS_SSIM_MIN_SIDE, msSsim, ssimChannel } from '../../src/methods/gaussianImage/msSsim';
import { readImageFile } from '../../tools/lib/imageFile';

const KODAK = resolve(__dirname, '../../../shared/data/images/kodak');

/** `image` plus Gaussian noise of standard deviation `sigma` (Box-Muller), unclamped. */
function withNoise(image: RgbImage, sigma: number, seed: number): RgbImage {
  const random = createRandom(seed);
  const out = allocateImage(image.width, image.height);
  for (let i = 0; i < image.data.length; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    out.data[i] = image.data[i]! + sigma * g;
  }
  return out;
}

function randomImage(width: number, height: number, seed: number): RgbImage {
  const random = createRandom(seed);
  const image = allocateImage(width, height);
  for (let i = 0; i < image.data.length; i++) image.data[i] = random();
  return image;
}

/**
 * SSIM of one channel the direct way: for every valid 11×11 window, the weighted mean and the
 * weighted central moments Σw(x − μx)(y − μy) with the 2D weights g[i]·g[j] (equal to
 * E[xy] − μxμy since the weights sum to 1).
 */
function naiveSsim(a: RgbImage, b: RgbImage, channel: number): { ssim: number; cs: number } {
  const taps = [...Array(11).keys()].map((i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
  const total = taps.reduce((s, v) => s + v, 0);
  const g = taps.map((v) => v / total);
  const at = (im: RgbImage, x: number, y: number): number => im.data[(y * im.width + x) * 3 + channel]!;
  let ssim = 0;
  let cs = 0;
  let n = 0;
  for (let y0 = 0; y0 + 11 <= a.height; y0++) {
    for (let x0 = 0; x0 + 11 <= a.width; x0++) {
      let mx = 0;
      let my = 0;
      for (let j = 0; j < 11; j++) for (let i = 0; i < 11; i++) {
        mx += g[i]! * g[j]! * at(a, x0 + i, y0 + j);
        my += g[i]! * g[j]! * at(b, x0 + i, y0 + j);
      }
      let vx = 0;
      let vy = 0;
      let cov = 0;
      for (let j = 0; j < 11; j++) for (let i = 0; i < 11; i++) {
        const dx = at(a, x0 + i, y0 + j) - mx;
        const dy = at(b, x0 + i, y0 + j) - my;
        vx += g[i]! * g[j]! * dx * dx;
        vy += g[i]! * g[j]! * dy * dy;
        cov += g[i]! * g[j]! * dx * dy;
      }
      const c = (2 * cov + 9e-4) / (vx + vy + 9e-4);
      cs += c;
      ssim += c * (2 * mx * my + 1e-4) / (mx * mx + my * my + 1e-4);
      n++;
    }
  }
  return { ssim: ssim / n, cs: cs / n };
}

describe('MS-SSIM', () => {
  test('the window: 11 symmetric taps of sigma 1.5 summing to 1', () => {
    const g = gaussianWindow();
    expect(g.length).toBe(11);
    expect(g.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 15);
    for (let i = 0; i < 5; i++) expect(g[i]).toBe(g[10 - i]);
    expect(g[4]! / g[5]!).toBeCloseTo(Math.exp(-1 / 4.5), 15);
  });

  test('single-scale SSIM equals a direct per-pixel 11×11 window computation', () => {
    // 17×14: 7×4 valid windows, small enough to check by the direct loop.
    const a = randomImage(17, 14, 1);
    const b = withNoise(a, 0.2, 2);
    for (let i = 0; i < b.data.length; i++) b.data[i] = Math.min(1, Math.max(0, b.data[i]!));
    for (let c = 0; c < 3; c++) {
      const fast = ssimChannel(a, b, c);
      const direct = naiveSsim(a, b, c);
      expect(fast.ssim).toBeCloseTo(direct.ssim, 12);
      expect(fast.cs).toBeCloseTo(direct.cs, 12);
      expect(fast.ssim).toBeLessThan(0.9);
    }
  });

  test('single-scale SSIM of a constant against a constant is the luminance term alone', () => {
    const a = allocateImage(11, 11).data.fill(0.25);
    const b = allocateImage(11, 11).data.fill(0.75);
    const { ssim, cs } = ssimChannel({ width: 11, height: 11, data: a }, { width: 11, height: 11, data: b }, 0);
    expect(cs).toBeCloseTo(1, 12);
    expect(ssim).toBeCloseTo((2 * 0.25 * 0.75 + 1e-4) / (0.25 ** 2 + 0.75 ** 2 + 1e-4), 12);
  });

  test('2×2 average pooling pads odd sides with zeros counted in the average (F.avg_pool2d)', () => {
    // 3×3 of 1..9: padding (1, 1), output 2×2; the first window holds only the value 1.
    const pooled = averagePool2({ width: 3, height: 3, data: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]) });
    expect(pooled.width).toBe(2);
    expect(pooled.height).toBe(2);
    expect([...pooled.data]).toEqual([1 / 4, (2 + 3) / 4, (4 + 7) / 4, (5 + 6 + 8 + 9) / 4]);
    const even = averagePool2({ width: 4, height: 2, data: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]) });
    expect([...even.data]).toEqual([(1 + 2 + 5 + 6) / 4, (3 + 4 + 7 + 8) / 4]);
  });

  test('MS-SSIM(x, x) = 1 and MS-SSIM is symmetric', () => {
    const a = randomImage(200, 170, 3);
    const b = withNoise(a, 0.1, 4);
    const self = msSsim(a, a);
    expect(self.value).toBeCloseTo(1, 12);
    const ab = msSsim(a, b);
    const ba = msSsim(b, a);
    expect(ab.value).not.toBeNull();
    expect(ab.value!).toBeLessThan(1);
    expect(ba.value!).toBeCloseTo(ab.value!, 14);
  });

  test('decreases as noise grows on kodim03 (768×512); logs the time per call (not asserted)', async () => {
    const image = await readImageFile(resolve(KODAK, 'kodim03.png'));
    expect([image.width, image.height]).toEqual([768, 512]);
    const values: number[] = [];
    const times: number[] = [];
    for (const sigma of [0.005, 0.02, 0.05, 0.1, 0.2]) {
      const noisy = withNoise(image, sigma, 5);
      const started = performance.now();
      const result = msSsim(image, noisy);
      times.push(performance.now() - started);
      expect(result.value).not.toBeNull();
      values.push(result.value!);
    }
    console.log(`kodim03 MS-SSIM for noise sigma 0.005..0.2: ${values.map((v) => v.toFixed(4)).join(', ')}; ms: ${times.map((t) => t.toFixed(0)).join(', ')}`);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThan(values[i - 1]!);
    expect(values[0]!).toBeGreaterThan(0.99);
    expect(values[0]!).toBeLessThan(1);
  });

  test('images under 161 px on the short side have no 5-scale value, and say why', () => {
    expect(MS_SSIM_MIN_SIDE).toBe(161);
    const small = randomImage(300, 160, 6);
    const result = msSsim(small, small);
    expect(result.value).toBeNull();
    expect(formatMsSsim(result)).toMatch(/^n\/a: 300×160 is under 161 px on its short side/);
    expect(msSsim(randomImage(161, 161, 7), randomImage(161, 161, 8)).value).not.toBeNull();
  });

  test('mismatched sizes are an error', () => {
    expect(() => msSsim(randomImage(200, 200, 1), randomImage(200, 201, 1))).toThrow(/200×200 against 200×201/);
  });
});
