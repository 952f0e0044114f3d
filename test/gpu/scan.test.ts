import { describe, expect } from 'vitest';
import { gpuTest } from '../helpers/gpu';
import { GpuMemory } from '../../src/gpu/memory';
import { PrefixScan, SCAN_BLOCK_SIZE } from '../../src/primitives/scan';
import { SERIAL_SCAN_BLOCK, SerialScan } from '../../src/primitives/serialScan';
import { cpuPrefixSum } from '../../src/primitives/reference';
import type { ElementCount } from '../../src/primitives/count';
import { countBuffer, expectUntouched, expectWords, fillWords, randomWords, readWords, submit, wordBuffer } from './primitivesHelpers';

/** Words past the count in every output buffer, checked to stay poisoned. */
const TAIL = 8;

/** Scans `data` (count elements on the CPU or GPU) and checks the result and the untouched tail. */
async function checkScan(
  device: GPUDevice,
  scan: PrefixScan | SerialScan,
  data: Uint32Array,
  options: { count?: ElementCount; inPlace?: boolean; what: string },
): Promise<void> {
  const n = data.length;
  // With a GPU count the buffers must hold maxCount elements.
  const words = (options.count === undefined || typeof options.count === 'number' ? n : scan.maxCount) + TAIL;
  const input = wordBuffer(device, 'test.input', words, data);
  const output = options.inPlace ? input : wordBuffer(device, 'test.output', words);
  scan.setInputs(input, output, options.count ?? n);
  submit(device, (encoder) => scan.encode(encoder));
  const result = await readWords(device, output);
  expectWords(result.subarray(0, n), cpuPrefixSum(data, scan.inclusive), options.what);
  expectUntouched(result, n, options.what);
}

const IMPLEMENTATIONS = {
  PrefixScan: { create: (device: GPUDevice, options: ConstructorParameters<typeof PrefixScan>[1]) => new PrefixScan(device, options), block: SCAN_BLOCK_SIZE },
  SerialScan: { create: (device: GPUDevice, options: ConstructorParameters<typeof SerialScan>[1]) => new SerialScan(device, options), block: SERIAL_SCAN_BLOCK },
};

// Each gpuTest gets a fresh device and compiles its pipelines again (slow on SwiftShader), so each
// test below covers several cases on one device.
describe.each([
  ['PrefixScan', false],
  ['PrefixScan', true],
  ['SerialScan', false],
  ['SerialScan', true],
] as const)('%s, inclusive = %s', (implementation, inclusive) => {
  const mode = inclusive ? 'inclusive' : 'exclusive';
  const { create, block: SCAN_BLOCK_SIZE } = IMPLEMENTATIONS[implementation];

  gpuTest('CPU count: 0, 1, 255, 256, 257, block edges, thousands (u32 sums wrap); reused buffers; in place', async ({ gpu }) => {
    const { device } = gpu;
    const sizes = [0, 1, 255, 256, 257, SCAN_BLOCK_SIZE - 1, SCAN_BLOCK_SIZE, SCAN_BLOCK_SIZE + 1, 2 * SCAN_BLOCK_SIZE + 3, 6000];
    const scan = create(device, { label: 'test.scan', maxCount: 6000, inclusive });
    for (const n of sizes) await checkScan(device, scan, randomWords(n, n + 1), { what: `${mode} n=${n}` });
    for (const n of [1, 257, 5000]) await checkScan(device, scan, randomWords(n, n + 2), { inPlace: true, what: `${mode} in place n=${n}` });

    // The same buffers with new counts, on the CPU and the GPU (bind groups kept or rebuilt).
    const data = randomWords(5000, 4);
    const input = wordBuffer(device, 'test.input', 6000 + TAIL, data);
    const output = wordBuffer(device, 'test.output', 6000 + TAIL);
    for (const count of [5000, 300, { buffer: countBuffer(device, 2100, 0), offset: 0 }, 4100]) {
      const used = typeof count === 'number' ? count : 2100;
      fillWords(device, output, new Uint32Array(0));
      scan.setInputs(input, output, count);
      submit(device, (encoder) => scan.encode(encoder));
      const words = await readWords(device, output);
      expectWords(words.subarray(0, used), cpuPrefixSum(data.subarray(0, used), inclusive), `${mode} reused, count ${used}`);
      expectUntouched(words, used, `${mode} reused, count ${used}`);
    }
    scan.destroy();
  });

  gpuTest('GPU count: below maxCount at an unaligned offset, clamped above it; grids split over x and y', async ({ gpu }) => {
    const { device } = gpu;
    const maxCount = 3 * SCAN_BLOCK_SIZE + 5;
    const scan = create(device, { label: 'test.scan', maxCount, inclusive });
    for (const n of [0, 1, 257, 2 * SCAN_BLOCK_SIZE + 900]) {
      // The count sits at byte 260: its binding starts at 256 and the count is not its first word.
      const count = { buffer: countBuffer(device, n, 260), offset: 260 };
      await checkScan(device, scan, randomWords(n, n + 3), { count, what: `${mode} GPU count ${n}` });
    }
    const clamped = { buffer: countBuffer(device, maxCount + 1000, 0), offset: 0 };
    await checkScan(device, scan, randomWords(maxCount, 9), { count: clamped, what: `${mode} clamped` });
    scan.destroy();

    // At most 2 workgroups per dimension: 13 blocks make a 2 × 7 grid (PrefixScan, a block per
    // workgroup) or a 2 × 2 grid (SerialScan, 4 blocks per workgroup) whose last workgroup has less to do.
    const n = 12 * SCAN_BLOCK_SIZE + 11;
    const split = create(device, { label: 'test.scan', maxCount: n, inclusive, maxWorkgroupsPerDimension: 2 });
    const data = randomWords(n, 5);
    await checkScan(device, split, data, { what: `${mode} 2D grid, CPU count` });
    await checkScan(device, split, data, { count: { buffer: countBuffer(device, n, 4), offset: 4 }, what: `${mode} 2D grid, GPU count` });
    split.destroy();
  });
});

gpuTest('SerialScan: 65,535·256+1 elements, GPU count, in place', async ({ gpu }) => {
  const { device } = gpu;
  const n = 65535 * 256 + 1;
  const scan = new SerialScan(device, { label: 'test.scan', maxCount: n, inclusive: true });
  await checkScan(device, scan, randomWords(n, 78), { count: { buffer: countBuffer(device, n, 0), offset: 0 }, inPlace: true, what: 'inclusive in place, 65,535·256+1' });
  scan.destroy();
});

gpuTest('65,535·256+1 elements (three levels), GPU count', async ({ gpu }) => {
  const { device } = gpu;
  const n = 65535 * 256 + 1;
  const data = randomWords(n, 77);
  const scan = new PrefixScan(device, { label: 'test.scan', maxCount: n });
  expect(scan.levels).toBe(3);
  await checkScan(device, scan, data, { count: { buffer: countBuffer(device, n, 0), offset: 0 }, what: 'exclusive, 65,535·256+1' });
  scan.destroy();
});

gpuTest.for(['PrefixScan', 'SerialScan'] as const)('%s rejects bad input with messages that say what is wrong; destroy() frees everything', async (implementation, { gpu }) => {
  const { device } = gpu;
  const { create } = IMPLEMENTATIONS[implementation];
  const memory = GpuMemory.of(device);
  const before = { bytes: memory.totalBytes, count: memory.liveCount };
  const scan = create(device, { label: 'test.scan', maxCount: 100 });
  expect(memory.liveCount).toBeGreaterThan(before.count);
  const buffer = wordBuffer(device, 'test.data', 100);
  const small = wordBuffer(device, 'test.small', 10);
  const noStorage = device.createBuffer({ label: 'test.noStorage', size: 400, usage: GPUBufferUsage.COPY_DST });
  expect(() => scan.encode(device.createCommandEncoder())).toThrow(/before setInputs/);
  expect(() => scan.setInputs(buffer, buffer, 101)).toThrow(/count must be an integer in \[0, maxCount = 100\]/);
  expect(() => scan.setInputs(buffer, buffer, -1)).toThrow(/count must be/);
  expect(() => scan.setInputs(buffer, buffer, 1.5)).toThrow(/count must be/);
  expect(() => scan.setInputs(buffer, small, 50)).toThrow(/output buffer 'test.small' has 40 B/);
  expect(() => scan.setInputs(buffer, small, { buffer, offset: 0 })).toThrow(/maxCount \(100, the count is on the GPU\)/);
  expect(() => scan.setInputs(noStorage, buffer, 10)).toThrow(/input buffer 'test.noStorage' needs STORAGE/);
  expect(() => scan.setInputs(buffer, buffer, { buffer: noStorage, offset: 0 })).toThrow(/count buffer 'test.noStorage' needs STORAGE/);
  expect(() => scan.setInputs(buffer, buffer, { buffer, offset: 2 })).toThrow(/multiple of 4/);
  expect(() => scan.setInputs(buffer, buffer, { buffer, offset: 400 })).toThrow(/inside buffer/);
  expect(() => create(device, { label: 'test.huge', maxCount: 2 ** 40 })).toThrow(/exceeds what this device can bind/);
  expect(() => create(device, { label: 'test.neg', maxCount: -5 })).toThrow(/non-negative integer/);
  scan.setInputs(buffer, buffer, 100);
  scan.destroy();
  scan.destroy();
  expect({ bytes: memory.totalBytes, count: memory.liveCount }).toEqual(before);
  expect(() => scan.encode(device.createCommandEncoder())).toThrow(/after destroy/);
});
