/**
 * The float64 GaussianImage reference: hand-computed decodes of one Gaussian, the tile binning,
 * the 256-entry cap, top-K normalisation, and the analytic gradient against central finite
 * differences of the loss on a real Kodak crop.
 */
import { describe, expect, test } from 'vitest';
import { resolve } from 'node:path';
import { allocateCloud2d, createRandom, PARAMS_PER_GAUSSIAN, ParamSlot, rawFromUnit, type GaussianCloud2d } from '../../src/methods/gaussianImage/cloud2d';
import { cropImage, type RgbImage } from '../../src/methods/gaussianImage/imageData';
import {
  binTiles,
  decodeSum,
  decodeSumUnclamped,
  decodeTopK,
  imageLoss,
  lossGradient,
  projectCloud,
  projectGaussian,
  TOP_K_EPSILON,
  WEIGHT_CUT,
} from '../../src/methods/gaussianImage/reference';
import { readImageFile } from '../../tools/lib/imageFile';

const KODAK = resolve(__dirname, '../../../shared/data/images/kodak');

/** One Gaussian with activated centre (cx, cy), Cholesky factor (L11, L21, L22) and colour. */
function setGaussian(cloud: GaussianCloud2d, i: number, cx: number, cy: number, l: [number, number, number], color: [number, number, number]): void {
  const p = cloud.params;
  const o = i * PARAMS_PER_GAUSSIAN;
  p[o + ParamSlot.x] = rawFromUnit((2 * cx) / cloud.width - 1);
  p[o + ParamSlot.y] = rawFromUnit((2 * cy) / cloud.height - 1);
  p[o + ParamSlot.l11] = l[0] - 0.5;
  p[o + ParamSlot.l21] = l[1];
  p[o + ParamSlot.l22] = l[2] - 0.5;
  p.set(color, o + ParamSlot.r);
}

/** Overlapping Gaussians of a few pixels, the kind a fitted image has. */
function overlappingCloud(width: number, height: number, count: number, seed: number): GaussianCloud2d {
  const cloud = allocateCloud2d(width, height, count);
  const random = createRandom(seed);
  for (let i = 0; i < count; i++) {
    setGaussian(
      cloud,
      i,
      random() * width,
      random() * height,
      [1.5 + 4 * random(), 3 * (random() - 0.5), 1.5 + 4 * random()],
      [0.5 * random(), 0.5 * random(), 0.5 * random()],
    );
  }
  return cloud;
}

describe('decode', () => {
  test('one Gaussian: C = c·exp(−σ) with σ from Σ⁻¹, cut below 1/255, clamped', () => {
    const cloud = allocateCloud2d(40, 30, 1);
    setGaussian(cloud, 0, 20.3, 14.6, [3, 1, 2], [0.8, 2.0, -0.5]);
    // Σ = L Lᵀ = [[9, 3], [3, 5]], det 36, Σ⁻¹ = [[5, −3], [−3, 9]] / 36.
    const g = projectGaussian(cloud, 0)!;
    expect(g.cx).toBeCloseTo(20.3, 4);
    expect(g.cy).toBeCloseTo(14.6, 4);
    expect(g.conicA).toBeCloseTo(5 / 36, 12);
    expect(g.conicB).toBeCloseTo(-3 / 36, 12);
    expect(g.conicC).toBeCloseTo(9 / 36, 12);
    // b_ = 7, v1 = 7 + sqrt(49 − 36) → radius = ceil(3·sqrt(7 + sqrt 13)).
    expect(g.radius).toBe(Math.ceil(3 * Math.sqrt(7 + Math.sqrt(13))));
    const raw = decodeSumUnclamped(cloud);
    const clamped = decodeSum(cloud);
    let cut = 0;
    for (let py = 0; py < 30; py++) {
      for (let px = 0; px < 40; px++) {
        const dx = g.cx - px;
        const dy = g.cy - py;
        const sigma = 0.5 * ((5 / 36) * dx * dx + (9 / 36) * dy * dy) + (-3 / 36) * dx * dy;
        const w = Math.exp(-sigma);
        const inTiles = px < 16 * g.tileMax[0] && py < 16 * g.tileMax[1] && px >= 16 * g.tileMin[0] && py >= 16 * g.tileMin[1];
        const expected = w >= WEIGHT_CUT && inTiles ? w : 0;
        if (w < WEIGHT_CUT) cut++;
        const i = (py * 40 + px) * 3;
        expect(raw[i]).toBeCloseTo(Math.fround(0.8) * expected, 12);
        expect(raw[i + 1]).toBeCloseTo(2.0 * expected, 12);
        expect(raw[i + 2]).toBeCloseTo(-0.5 * expected, 12);
        expect(clamped[i + 1]).toBeCloseTo(Math.min(1, 2.0 * expected), 12);
        expect(clamped[i + 2]).toBe(0);
      }
    }
    expect(cut).toBeGreaterThan(100);
  });

  test('binning keeps Gaussian id order per tile; the cap drops the entries past it', () => {
    const cloud = overlappingCloud(48, 32, 200, 3);
    const lists = binTiles(cloud, projectCloud(cloud));
    for (const list of lists) expect(list).toEqual([...list].sort((a, b) => a - b));
    const longest = Math.max(...lists.map((l) => l.length));
    expect(longest).toBeGreaterThan(20);
    const capped = decodeSumUnclamped(cloud, { tileEntryCap: 20 });
    const full = decodeSumUnclamped(cloud);
    let differing = 0;
    for (let i = 0; i < full.length; i++) if (Math.abs(full[i]! - capped[i]!) > 1e-12) differing++;
    expect(differing).toBeGreaterThan(0);
    // A cap above every list length changes nothing.
    expect(decodeSumUnclamped(cloud, { tileEntryCap: longest })).toEqual(full);
  });

  test('top-K: with at most K Gaussians per pixel it is Σ c·w / (Σ w + 1e-4), no 1/255 cut', () => {
    const cloud = allocateCloud2d(16, 16, 2);
    setGaussian(cloud, 0, 5, 6, [2, 0, 3], [0.9, 0.1, 0.2]);
    setGaussian(cloud, 1, 11, 9, [4, -1, 2], [0.1, 0.6, 0.3]);
    const projected = projectCloud(cloud);
    const out = decodeTopK(cloud);
    for (const [px, py] of [
      [0, 0],
      [5, 6],
      [8, 8],
      [15, 15],
    ]) {
      const w = projected.map((g) => Math.exp(-(0.5 * (g!.conicA * (g!.cx - px) ** 2 + g!.conicC * (g!.cy - py) ** 2) + g!.conicB * (g!.cx - px) * (g!.cy - py))));
      for (let c = 0; c < 3; c++) {
        const expected = (w[0]! * projected[0]!.color[c]! + w[1]! * projected[1]!.color[c]!) / (w[0]! + w[1]! + TOP_K_EPSILON);
        expect(out[(py * 16 + px) * 3 + c]).toBeCloseTo(expected, 12);
      }
    }
  });
});

describe('gradient', () => {
  let target: RgbImage;

  async function kodakCrop(): Promise<RgbImage> {
    target ??= cropImage(await readImageFile(resolve(KODAK, 'kodim05.png')), 300, 200, 40, 28);
    return target;
  }

  /**
   * Finite differences in float64 of the loss at float32 parameters (the step actually taken is the
   * difference of the two rounded values). The loss is only piecewise smooth: a pixel whose weight
   * crosses the 1/255 cut inside the step makes the loss jump by c/255, which ruins the difference
   * quotient of that step. Such a jump lies on one side of the parameter only, so an entry passes
   * when the central difference, or else one of the two one-sided differences, agrees with the
   * analytic value (to 1% of itself plus 0.1% of the largest gradient of its parameter slot). A
   * wrong formula agrees with neither; the number of one-sided fallbacks is printed.
   */
  function checkAgainstFiniteDifferences(cloud: GaussianCloud2d, image: RgbImage, cap: number) {
    const analytic = lossGradient(cloud, image, { tileEntryCap: cap });
    const loss = imageLoss(cloud, image, { tileEntryCap: cap });
    expect(analytic.loss).toBeCloseTo(loss, 14);
    const p = cloud.params;
    const estimates: Array<[number, number, number]> = [];
    for (let k = 0; k < p.length; k++) {
      const original = p[k]!;
      const h = 1e-4 * Math.max(1, Math.abs(original));
      p[k] = original + h;
      const up = p[k]!;
      const lossUp = imageLoss(cloud, image, { tileEntryCap: cap });
      p[k] = original - h;
      const down = p[k]!;
      const lossDown = imageLoss(cloud, image, { tileEntryCap: cap });
      p[k] = original;
      estimates.push([(lossUp - lossDown) / (up - down), (lossUp - loss) / (up - original), (loss - lossDown) / (original - down)]);
    }
    const scales = Array.from({ length: PARAMS_PER_GAUSSIAN }, (_, slot) => {
      let max = 0;
      for (let k = slot; k < p.length; k += PARAMS_PER_GAUSSIAN) max = Math.max(max, Math.abs(analytic.raw[k]!));
      return max;
    });
    let oneSided = 0;
    const failures: string[] = [];
    for (let k = 0; k < p.length; k++) {
      const a = analytic.raw[k]!;
      expect(Number.isFinite(a)).toBe(true);
      const close = (numeric: number) => Math.abs(a - numeric) <= 0.01 * Math.abs(a) + 1e-3 * scales[k % PARAMS_PER_GAUSSIAN]!;
      const [central, forward, backward] = estimates[k]!;
      if (close(central)) continue;
      if (close(forward) || close(backward)) oneSided++;
      else failures.push(`#${k} (Gaussian ${Math.floor(k / 8)} slot ${k % 8}): analytic ${a}, differences ${central} / ${forward} / ${backward}`);
    }
    console.log(`gradient check (cap ${cap}): ${p.length} parameters, ${oneSided} needed a one-sided difference, ${failures.length} failed` + (failures.length ? `; first ${failures[0]}; last ${failures.at(-1)}` : ''));
    expect(scales.every((s) => s > 0)).toBe(true);
    expect(failures).toEqual([]);
    expect(oneSided).toBeLessThan(0.1 * p.length);
  }

  test('analytic gradient = finite differences on a Kodak crop (every parameter)', async () => {
    const image = await kodakCrop();
    checkAgainstFiniteDifferences(overlappingCloud(image.width, image.height, 40, 7), image, Infinity);
  });

  test('with the reference 256-entry cap (here a cap of 6 so it bites), the gradient follows the cap', async () => {
    const image = await kodakCrop();
    const cloud = overlappingCloud(image.width, image.height, 40, 11);
    expect(Math.max(...binTiles(cloud, projectCloud(cloud)).map((l) => l.length))).toBeGreaterThan(6);
    checkAgainstFiniteDifferences(cloud, image, 6);
  });
});
