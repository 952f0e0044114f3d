/**
 * The GPU decoder (project → binning → rasterize) against the float64 CPU reference on Kodak
 * image representations, in both rendering modes and with the reference's 256-entry cap, plus
 * edge cases and teardown. Summation is checked in both loop structures of rasterize_sum.wgsl
 * ('perPixel' and 'direct'), which must draw the same bytes.
 *
 * Tolerance. The GPU writes rgba8unorm, so a perfect decoder is within half a level of the float
 * reference; f32 arithmetic adds far less than that, except where a weight sits right at the
 * 1/255 cut or a radius right at an integer (then one Gaussian's c/255 is in one image and not the
 * other). So every value must be within 1 level, except at most 0.05% of the values, which must be
 * within 3 levels.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect } from 'vitest';
import { gpuTest } from '../helpers/gpu';
import { GpuMemory } from '../../src/gpu/memory';
import { readBuffer } from '../../src/gpu/readback';
import { allocateCloud2d, PARAMS_PER_GAUSSIAN, ParamSlot, type GaussianCloud2d } from '../../src/methods/gaussianImage/cloud2d';
import { decodeToCloud, readGimg } from '../../src/methods/gaussianImage/codec';
import { countIntersections, GaussianImageDecoder } from '../../src/methods/gaussianImage/decoder';
import { Counter } from '../../src/methods/gaussianImage/layout';
import { binTiles, decodeSum, decodeTopK, projectCloud, REFERENCE_TILE_ENTRY_CAP } from '../../src/methods/gaussianImage/reference';
import type { RenderMode, SumVariant } from '../../src/methods/gaussianImage/passes/rasterizePass';
import { readTextureRgba8 } from '../../src/gpu/readback';
import { cloudOverImage, compareValues, kodak, rgbOfRgba8 } from './gaussianImageHelpers';

async function decodeOnGpu(device: GPUDevice, cloud: GaussianCloud2d, mode: RenderMode = 'sum', cap?: number, sumVariant: SumVariant | 'auto' = 'auto') {
  const decoder = GaussianImageDecoder.fromCloud(device, cloud, cap, sumVariant);
  const encoder = device.createCommandEncoder();
  decoder.encode(encoder, mode);
  device.queue.submit([encoder.finish()]);
  decoder.afterSubmit();
  const rgba = await readTextureRgba8(device, decoder.output!);
  const counters = new Uint32Array(await readBuffer(device, (decoder as unknown as { frame: { counters: GPUBuffer } }).frame.counters));
  expect(await decoder.lastFrameComplete()).toBe(true);
  decoder.destroy();
  return { rgba, counters };
}

function expectClose(name: string, rgba: Uint8Array, reference: Float64Array) {
  const actual = rgbOfRgba8(rgba);
  const expected = reference.map((v) => v * 255);
  const strict = compareValues(actual, expected, 1);
  const loose = compareValues(actual, expected, 3);
  console.log(`${name}: within 1 level: ${strict.report}; within 3 levels: ${loose.mismatches} off`);
  expect(strict.mismatches).toBeLessThanOrEqual(Math.floor(expected.length * 0.0005));
  expect(loose.mismatches).toBe(0);
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) throw new Error(`alpha of pixel ${(i - 3) / 4} is ${rgba[i]}`);
}

describe('GaussianImage decoder on the GPU', () => {
  gpuTest('accumulated summation = CPU reference on a Kodak representation (kodim03 at 1/4 scale, 150×100 crop, 1500 Gaussians)', async ({ gpu }) => {
    const image = await kodak('03', 4, 150, 100);
    const cloud = cloudOverImage(image, 1500, 1);
    const { rgba, counters } = await decodeOnGpu(gpu.device, cloud);
    const expectedIntersections = countIntersections(cloud);
    console.log(`intersections: GPU ${counters[Counter.intersections]}, CPU ${expectedIntersections}`);
    expect(Math.abs(counters[Counter.intersections]! - expectedIntersections)).toBeLessThanOrEqual(Math.ceil(expectedIntersections * 0.001));
    expect(counters[Counter.overflow]).toBe(0);
    expectClose('sum', rgba, decodeSum(cloud));
  });

  gpuTest('the bundled fitted Kodak image (assets/kodim03.gimg, 768×512, 4000 Gaussians) = CPU reference, both loop structures, same bytes', async ({ gpu }) => {
    const path = resolve(__dirname, '../../assets/kodim03.gimg');
    const cloud = decodeToCloud(readGimg(new Uint8Array(readFileSync(path)), path));
    expect([cloud.width, cloud.height, cloud.count]).toEqual([768, 512, 4000]);
    const reference = decodeSum(cloud);
    const perPixel = await decodeOnGpu(gpu.device, cloud, 'sum', undefined, 'perPixel');
    expect(perPixel.counters[Counter.overflow]).toBe(0);
    expectClose('kodim03.gimg perPixel', perPixel.rgba, reference);
    const direct = await decodeOnGpu(gpu.device, cloud, 'sum', undefined, 'direct');
    expectClose('kodim03.gimg direct', direct.rgba, reference);
    expect(Buffer.from(direct.rgba).equals(Buffer.from(perPixel.rgba))).toBe(true);
  });

  gpuTest('both loop structures draw the same bytes on an image whose size is not a multiple of the tile or the 4×4 block', async ({ gpu }) => {
    const image = await kodak('03', 4, 150, 101);
    const cloud = cloudOverImage(image, 1500, 1);
    const perPixel = await decodeOnGpu(gpu.device, cloud, 'sum', undefined, 'perPixel');
    const direct = await decodeOnGpu(gpu.device, cloud, 'sum', undefined, 'direct');
    expectClose('150×101 direct', direct.rgba, decodeSum(cloud));
    expect(Buffer.from(direct.rgba).equals(Buffer.from(perPixel.rgba))).toBe(true);
  });

  gpuTest('the reference 256-entry cap: dense tiles lose their entries past 256, on GPU and CPU alike', async ({ gpu }) => {
    const image = await kodak('05', 8, 40, 36);
    const cloud = cloudOverImage(image, 1200, 2, 0.05, 6);
    const longest = Math.max(...binTiles(cloud, projectCloud(cloud)).map((l) => l.length));
    console.log(`longest tile list: ${longest}`);
    expect(longest).toBeGreaterThan(2 * REFERENCE_TILE_ENTRY_CAP);
    const capped = await decodeOnGpu(gpu.device, cloud, 'sum', REFERENCE_TILE_ENTRY_CAP, 'perPixel');
    expectClose('capped', capped.rgba, decodeSum(cloud, { tileEntryCap: REFERENCE_TILE_ENTRY_CAP }));
    const cappedDirect = await decodeOnGpu(gpu.device, cloud, 'sum', REFERENCE_TILE_ENTRY_CAP, 'direct');
    expect(Buffer.from(cappedDirect.rgba).equals(Buffer.from(capped.rgba))).toBe(true);
    const full = await decodeOnGpu(gpu.device, cloud, 'sum');
    expectClose('uncapped', full.rgba, decodeSum(cloud));
    expect(compareValues(rgbOfRgba8(capped.rgba), rgbOfRgba8(full.rgba), 1).mismatches).toBeGreaterThan(100);
  });

  gpuTest('top-K normalised mode = CPU reference', async ({ gpu }) => {
    const image = await kodak('07', 4, 100, 70);
    const cloud = cloudOverImage(image, 800, 3, 1);
    const { rgba } = await decodeOnGpu(gpu.device, cloud, 'topK');
    expectClose('topK', rgba, decodeTopK(cloud));
  });

  gpuTest('edge cases: one Gaussian; Gaussians all outside the image; singular and NaN parameters', async ({ gpu }) => {
    const one = allocateCloud2d(37, 21, 1);
    one.params.set([0.1, -0.2, 4, 1, 3, 0.9, 0.5, 0.1]);
    expectClose('one', (await decodeOnGpu(gpu.device, one)).rgba, decodeSum(one));

    // Centres far outside (tanh → ±1 puts them on the border; a tiny Gaussian there touches no pixel
    // with weight ≥ 1/255 in the image interior) plus singular (L11 = 0) ones: all black.
    const outside = allocateCloud2d(40, 40, 3);
    outside.params.set([30, 30, -0.49, 0, -0.49, 1, 1, 1], 0);
    outside.params.set([0, 0, -0.5, 0, 2, 1, 1, 1], PARAMS_PER_GAUSSIAN);
    outside.params.set([0, 0, 2, 0, -0.5, 1, 1, 1], 2 * PARAMS_PER_GAUSSIAN);
    const { rgba, counters } = await decodeOnGpu(gpu.device, outside);
    expectClose('outside', rgba, decodeSum(outside));
    expect(counters[Counter.intersections]).toBeLessThanOrEqual(1);

    const nan = allocateCloud2d(16, 16, 2);
    nan.params[ParamSlot.l11] = NaN;
    expect(() => GaussianImageDecoder.fromCloud(gpu.device, nan)).toThrow(/Gaussian 0 has a non-finite l11/);
  });

  gpuTest('every GPU object is released by destroy()', async ({ gpu }) => {
    const memory = GpuMemory.of(gpu.device);
    const before = memory.totalBytes;
    const image = await kodak('01', 8, 48, 32);
    await decodeOnGpu(gpu.device, cloudOverImage(image, 100, 4));
    expect(memory.liveLabels()).toEqual([]);
    expect(memory.totalBytes).toBe(before);
  });
});
