/**
 * The GPU fitter: its forward image, loss and backward gradients against the float64 CPU
 * reference (whose gradient is checked against finite differences in
 * test/unit/gaussianImageReference.test.ts), a real Kodak fit reaching a stated PSNR, stop/resume
 * (bit-for-bit the same as an uninterrupted run: the backward pass is deterministic), error-guided
 * progressive addition, intersection-buffer growth after an overflow, and teardown. The forward is
 * checked in both loop structures of rasterize_sum.wgsl ('perPixel' and 'direct'), which must give
 * the same image and gradients to the bit.
 *
 * Gradient tolerance. The GPU sums in f32 in a different order from the f64 reference, and a pixel
 * whose weight sits at the 1/255 cut can be summed on one side and not the other; each entry must
 * be within 0.01% of the largest gradient of its parameter slot plus 0.1% of itself, except at
 * most 0.5% of the entries, and the whole vector within 1e-4 (relative L2). Measured: about 5e-7
 * and no entry off.
 */
import { describe, expect } from 'vitest';
import { gpuTest } from '../helpers/gpu';
import { GpuMemory } from '../../src/gpu/memory';
import { PARAMS_PER_GAUSSIAN } from '../../src/methods/gaussianImage/cloud2d';
import { GaussianImageFitter, type FitOptions } from '../../src/methods/gaussianImage/fitter';
import type { SumVariant } from '../../src/methods/gaussianImage/passes/rasterizePass';
import { psnr, type RgbImage } from '../../src/methods/gaussianImage/imageData';
import { decodeSum, lossGradient } from '../../src/methods/gaussianImage/reference';
import { cloudOverImage, compareValues, kodak } from './gaussianImageHelpers';

const FROZEN: FitOptions['adam'] = { learningRate: { position: 0, cholesky: 0, color: 0 }, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

async function checkStepAgainstReference(device: GPUDevice, image: RgbImage, count: number, seed: number, tileEntryCap: number | undefined, forwardVariant: SumVariant) {
  const cloud = cloudOverImage(image, count, seed, 0.5, 4);
  const fitter = new GaussianImageFitter(device, image, { gaussians: count, iterations: 1, initialCloud: cloud, adam: FROZEN, tileEntryCap, forwardVariant });
  fitter.submitStep(true);
  await fitter.flush();
  const reference = lossGradient(cloud, image, { tileEntryCap });
  const progress = fitter.lastProgress!;
  console.log(`loss: GPU ${progress.loss}, CPU ${reference.loss}`);
  expect(progress.loss).toBeCloseTo(reference.loss, 6);
  expect(Math.abs(progress.loss - reference.loss) / reference.loss).toBeLessThan(1e-4);

  const rendered = await fitter.readImage();
  const image64 = decodeSum(cloud, { tileEntryCap });
  const imageCheck = compareValues(rendered.data, image64, 1e-5);
  console.log(`forward image: ${imageCheck.report}`);
  expect(imageCheck.mismatches).toBeLessThanOrEqual(Math.floor(image64.length * 0.001));

  const gpu = await fitter.readGradients();
  const cpu = reference.raw;
  const scale = Array.from({ length: PARAMS_PER_GAUSSIAN }, (_, slot) => {
    let max = 0;
    for (let k = slot; k < cpu.length; k += PARAMS_PER_GAUSSIAN) max = Math.max(max, Math.abs(cpu[k]!));
    return max;
  });
  let off = 0;
  let first = '';
  let last = '';
  let diff = 0;
  let norm = 0;
  for (let k = 0; k < cpu.length; k++) {
    expect(Number.isFinite(gpu[k])).toBe(true);
    diff += (gpu[k]! - cpu[k]!) ** 2;
    norm += cpu[k]! ** 2;
    if (Math.abs(gpu[k]! - cpu[k]!) > 1e-4 * scale[k % PARAMS_PER_GAUSSIAN]! + 1e-3 * Math.abs(cpu[k]!)) {
      off++;
      last = `#${k} (Gaussian ${Math.floor(k / 8)} slot ${k % 8}): GPU ${gpu[k]} CPU ${cpu[k]}`;
      first ||= last;
    }
  }
  const relative = Math.sqrt(diff / norm);
  console.log(`gradients: relative L2 error ${relative.toExponential(2)}, ${off}/${cpu.length} entries off; first ${first || 'none'}; last ${last || 'none'}`);
  expect(scale.every((s) => s > 0)).toBe(true);
  expect(relative).toBeLessThan(1e-4);
  expect(off).toBeLessThanOrEqual(Math.floor(cpu.length * 0.005));
  fitter.destroy();
  return { image: rendered.data, gradients: gpu };
}

/** Checks a step in both forward loop structures and that they agree to the bit. */
async function checkBothVariants(device: GPUDevice, image: RgbImage, count: number, seed: number, tileEntryCap?: number) {
  const perPixel = await checkStepAgainstReference(device, image, count, seed, tileEntryCap, 'perPixel');
  const direct = await checkStepAgainstReference(device, image, count, seed, tileEntryCap, 'direct');
  expect(new Uint8Array(direct.image.buffer)).toEqual(new Uint8Array(perPixel.image.buffer));
  expect(new Uint8Array(direct.gradients.buffer)).toEqual(new Uint8Array(perPixel.gradients.buffer));
}

describe('GaussianImage fitter on the GPU', () => {
  gpuTest('forward image, loss and backward gradients = CPU reference (kodim05 crop, 300 Gaussians)', async ({ gpu }) => {
    await checkBothVariants(gpu.device, await kodak('05', 4, 72, 40), 300, 5);
  });

  gpuTest('with a tile-entry cap that bites (8 entries), forward and backward follow the cap', async ({ gpu }) => {
    await checkBothVariants(gpu.device, await kodak('05', 8, 40, 24), 200, 6, 8);
  });

  gpuTest('fitting a real Kodak image: kodim05 at 1/4 scale, 128×96 crop, 500 Gaussians, 200 steps reaches 24 dB', async ({ gpu }) => {
    const image = await kodak('05', 4, 128, 96);
    const fitter = new GaussianImageFitter(gpu.device, image, { gaussians: 500, iterations: 200, reportEvery: 50 });
    await fitter.run();
    const curve = fitter.history.map((p) => `${p.step}: ${p.psnr.toFixed(2)} dB`).join(', ');
    console.log(`PSNR curve: ${curve}; ${(fitter.lastProgress!.elapsedMs / 1000).toFixed(1)} s`);
    expect(fitter.state).toBe('done');
    expect(fitter.step).toBe(200);
    // The reported loss is of the last step's forward pass; the final parameters are one update better.
    const cloud = await fitter.readCloud();
    const final = psnr(decodeSum(cloud), image.data);
    console.log(`final PSNR (CPU decode of the fitted cloud): ${final.toFixed(2)} dB`);
    expect(fitter.lastProgress!.psnr).toBeGreaterThan(24);
    expect(final).toBeGreaterThan(24);
    expect(fitter.history[0]!.psnr).toBeLessThan(15);
    fitter.destroy();
  });

  gpuTest('stop and resume: the same parameters as an uninterrupted run, bit for bit', async ({ gpu }) => {
    const image = await kodak('07', 8, 64, 48);
    const options = { gaussians: 120, iterations: 24, reportEvery: 4 };
    const straight = new GaussianImageFitter(gpu.device, image, options);
    await straight.run();
    const expected = (await straight.readCloud()).params;
    straight.destroy();

    const interrupted = new GaussianImageFitter(gpu.device, image, options);
    interrupted.onProgress = (p) => {
      if (p.step >= 8 && interrupted.state === 'running') void interrupted.stop();
    };
    await interrupted.run();
    expect(interrupted.state).toBe('stopped');
    expect(interrupted.step).toBeGreaterThanOrEqual(8);
    expect(interrupted.step).toBeLessThan(24);
    interrupted.onProgress = null;
    await interrupted.resume();
    expect(interrupted.state).toBe('done');
    expect(interrupted.step).toBe(24);
    const actual = (await interrupted.readCloud()).params;
    expect(compareValues(actual, expected, 0).mismatches).toBe(0);
    interrupted.destroy();
  });

  gpuTest('progressive addition: starts with half the Gaussians, adds the rest where the error is', async ({ gpu }) => {
    const image = await kodak('03', 8, 64, 48);
    const fitter = new GaussianImageFitter(gpu.device, image, {
      gaussians: 200,
      iterations: 40,
      reportEvery: 5,
      progressive: { initialFraction: 0.5, additions: 2, interval: 15 },
    });
    await fitter.run();
    const counts = fitter.history.map((p) => [p.step, p.gaussians]);
    console.log(`Gaussians by step: ${JSON.stringify(counts)}; PSNR ${fitter.history.map((p) => p.psnr.toFixed(1)).join(' ')}`);
    expect(fitter.history[0]!.gaussians).toBe(100);
    expect(fitter.history.find((p) => p.step === 20)!.gaussians).toBe(150);
    expect(fitter.lastProgress!.gaussians).toBe(200);
    // Adding Gaussians with the residual as colour lowers the error at once.
    const before = fitter.history.find((p) => p.step === 15)!.loss;
    const after = fitter.history.find((p) => p.step === 20)!.loss;
    expect(after).toBeLessThan(before);
    expect((await fitter.readCloud()).count).toBe(200);
    fitter.destroy();
  });

  gpuTest('an intersection overflow is flagged, the buffers grow (after the non-blocking readback), and later steps are complete', async ({ gpu }) => {
    const image = await kodak('01', 8, 64, 48);
    const fitter = new GaussianImageFitter(gpu.device, image, { gaussians: 150, iterations: 20, reportEvery: 1, intersectionCapacity: 64 });
    await fitter.run();
    const flags = fitter.history.map((p) => p.overflow);
    console.log(`overflow by step: ${flags}; capacity now ${fitter.intersectionCapacity}, intersections ${fitter.lastProgress!.intersections}`);
    expect(flags[0]).toBe(true);
    expect(flags.at(-1)).toBe(false);
    expect(fitter.intersectionCapacity).toBeGreaterThan(fitter.lastProgress!.intersections);
    fitter.destroy();
  });

  gpuTest('every GPU object is released by destroy()', async ({ gpu }) => {
    const memory = GpuMemory.of(gpu.device);
    const fitter = new GaussianImageFitter(gpu.device, await kodak('02', 8, 32, 32), { gaussians: 50, iterations: 3, timePasses: true });
    await fitter.run();
    fitter.destroy();
    expect(memory.liveLabels()).toEqual([]);
  });
});
