import { describe, expect, vi } from 'vitest';
import { gpuTest } from '../helpers/gpu';
import { GpuMemory } from '../../src/gpu/memory';
import { RadixSort, autoSortBackend } from '../../src/primitives/radixSort';
import { PORTABLE_SORT_BLOCK } from '../../src/primitives/portableSort';
import { SERIAL_SORT_BLOCK } from '../../src/primitives/serialSort';
import { cpuRadixSortPairs, cpuStableSortPairs, keyMask } from '../../src/primitives/reference';
import type { ElementCount } from '../../src/primitives/count';
import type { SortBackendName } from '../../src/primitives/sortBackend';
import { countBuffer, expectUntouched, expectWords, fillWords, randomWords, readWords, submit, wordBuffer } from './primitivesHelpers';

// Lets a test decide what onesweepSupported() answers; undefined keeps the real answer.
const onesweepAnswer = vi.hoisted(() => ({ supported: undefined as boolean | undefined }));
vi.mock('../../src/primitives/onesweepSort', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/primitives/onesweepSort')>();
  return { ...actual, onesweepSupported: (device: GPUDevice) => onesweepAnswer.supported ?? actual.onesweepSupported(device) };
});

/** Words past the count in every buffer, checked to stay poisoned. */
const TAIL = 8;

const patterns: Record<string, (n: number) => Uint32Array> = {
  random: (n) => randomWords(n, 7),
  sorted: (n) => Uint32Array.from({ length: n }, (_, i) => i * 977),
  reverseSorted: (n) => Uint32Array.from({ length: n }, (_, i) => (n - i) * 977),
  allEqual: (n) => new Uint32Array(n).fill(0x89abcdef),
  fewDistinct: (n) => randomWords(n, 11).map((w) => [3, 0x7fff0000, 0xffffffff, 0x100][w % 4]!),
};

/** Values are the original indices, so an exact match with the stable reference checks stability. */
function indices(n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => i);
}

interface SortCase {
  keys: Uint32Array;
  bits: number;
  count?: ElementCount;
  what: string;
  /** Reference for large inputs: the JS radix sort (checked against the comparator sort in test/unit). */
  fastReference?: boolean;
}

/**
 * Sorts a case in fresh buffers sized for the count (for maxCount with a GPU count) plus a
 * poisoned tail, and checks keys, values and the tails exactly.
 */
async function checkSort(device: GPUDevice, sort: RadixSort, { keys, bits, count, what, fastReference }: SortCase): Promise<void> {
  const n = keys.length;
  const values = indices(n);
  const words = (count === undefined || typeof count === 'number' ? n : sort.maxCount) + TAIL;
  const keyBuffer = wordBuffer(device, 'test.keys', words, keys);
  const valueBuffer = wordBuffer(device, 'test.values', words, values);
  sort.setInputs(keyBuffer, valueBuffer, count ?? n);
  submit(device, (encoder) => sort.encode(encoder, bits));
  const expected = (fastReference ? cpuRadixSortPairs : cpuStableSortPairs)(keys, values, bits);
  const [gotKeys, gotValues] = await Promise.all([readWords(device, keyBuffer), readWords(device, valueBuffer)]);
  expectWords(gotKeys.subarray(0, n), expected.keys, `${what}: keys`);
  expectWords(gotValues.subarray(0, n), expected.values, `${what}: values`);
  expectUntouched(gotKeys, n, `${what}: keys`);
  expectUntouched(gotValues, n, `${what}: values`);
}

// Each gpuTest gets a fresh device and compiles its pipelines again (slow on SwiftShader), so each
// test below covers several cases on one device.
describe.each(['portable', 'onesweep', 'serial'] satisfies SortBackendName[])('RadixSort, %s back-end', (backend) => {
  const create = (device: GPUDevice, maxCount: number, maxWorkgroupsPerDimension?: number) =>
    new RadixSort(device, { label: 'test.sort', maxCount, backend, maxWorkgroupsPerDimension });

  gpuTest('sizes 0..6000, sorted/reverse/all-equal/few-distinct keys, stability, bits < 32 (CPU count)', async ({ gpu }) => {
    const { device } = gpu;
    const sort = create(device, 6000);
    expect(sort.backend).toBe(backend);

    // Random 32-bit keys; values are the original indices, so exact matches check stability.
    const block = backend === 'serial' ? SERIAL_SORT_BLOCK : PORTABLE_SORT_BLOCK;
    for (const n of [0, 1, 2, 255, 256, 257, block - 1, block, block + 1, 2 * block + 3, 6000]) {
      await checkSort(device, sort, { keys: randomWords(n, n + 1), bits: 32, what: `n=${n}` });
    }
    for (const [name, make] of Object.entries(patterns)) await checkSort(device, sort, { keys: make(5000), bits: 32, what: name });

    // Only the low bits order the pairs; the high bits are garbage that must be ignored and kept.
    for (const bits of [1, 3, 4, 5, 8, 9, 13, 16, 21, 24, 31]) {
      const keys = randomWords(3000, bits);
      expect(keys.some((k) => (k & keyMask(bits)) >>> 0 !== k)).toBe(true);
      await checkSort(device, sort, { keys, bits, what: `bits=${bits}` });
    }

    // Stability stated directly: values rise within every run of equal keys.
    const n = 6000;
    const keys = randomWords(n, 3).map((w) => (w % 3) * 0x01010101);
    const keyBuffer = wordBuffer(device, 'test.keys', n, keys);
    const valueBuffer = wordBuffer(device, 'test.values', n, indices(n));
    sort.setInputs(keyBuffer, valueBuffer, n);
    submit(device, (encoder) => sort.encode(encoder, 32));
    const [sortedKeys, values] = await Promise.all([readWords(device, keyBuffer), readWords(device, valueBuffer)]);
    const broken: number[] = [];
    for (let i = 1; i < n; i++) {
      if (sortedKeys[i]! < sortedKeys[i - 1]! || (sortedKeys[i] === sortedKeys[i - 1] && values[i]! <= values[i - 1]!)) broken.push(i);
    }
    expect(broken, `order broken at ${broken.length} places, first ${broken[0]}, last ${broken.at(-1)}`).toEqual([]);
    sort.destroy();
  });

  gpuTest('GPU count (unaligned offset, 0, 1, clamped above maxCount); reused buffers; grids split over x and y', async ({ gpu }) => {
    const { device } = gpu;
    const maxCount = 2 * PORTABLE_SORT_BLOCK + 100;
    const sort = create(device, maxCount);
    for (const [n, bits] of [[0, 32], [1, 32], [257, 32], [3000, 13], [maxCount, 8]] as const) {
      // The count sits at byte 260: its binding starts at 256 and the count is not its first word.
      const count = { buffer: countBuffer(device, n, 260), offset: 260 };
      await checkSort(device, sort, { keys: randomWords(n, n + 5), bits, count, what: `GPU count ${n}, ${bits} bits` });
    }
    const clamped = { buffer: countBuffer(device, maxCount + 5000, 0), offset: 0 };
    await checkSort(device, sort, { keys: randomWords(maxCount, 2), bits: 32, count: clamped, what: 'count above maxCount' });

    // The same buffers with new counts on the CPU and the GPU, and other bits.
    const n = 4000;
    const keys = randomWords(n, 21);
    const keyBuffer = wordBuffer(device, 'test.keys', maxCount + TAIL);
    const valueBuffer = wordBuffer(device, 'test.values', maxCount + TAIL);
    const cases: Array<[ElementCount, number, number]> = [
      [n, 32, n],
      [1000, 8, 1000],
      [{ buffer: countBuffer(device, 2500, 8), offset: 8 }, 16, 2500],
      [3999, 32, 3999],
    ];
    for (const [count, bits, used] of cases) {
      fillWords(device, keyBuffer, keys.subarray(0, used));
      fillWords(device, valueBuffer, indices(used));
      sort.setInputs(keyBuffer, valueBuffer, count);
      submit(device, (encoder) => sort.encode(encoder, bits));
      const expected = cpuStableSortPairs(keys.subarray(0, used), indices(used), bits);
      const [gotKeys, gotValues] = await Promise.all([readWords(device, keyBuffer), readWords(device, valueBuffer)]);
      expectWords(gotKeys.subarray(0, used), expected.keys, `reused, count ${used}, ${bits} bits: keys`);
      expectWords(gotValues.subarray(0, used), expected.values, `reused, count ${used}, ${bits} bits: values`);
      expectUntouched(gotKeys, used, `reused, count ${used}: keys`);
      expectUntouched(gotValues, used, `reused, count ${used}: values`);
    }
    sort.destroy();

    // At most 2 workgroups per dimension: 6 blocks make a 2 × 3 grid; the copy-back's 41
    // workgroups of 256 a 2 × 21 grid with one to spare. Odd and even numbers of passes.
    const splitCount = 5 * PORTABLE_SORT_BLOCK + 3;
    const split = create(device, splitCount, 2);
    const splitKeys = randomWords(splitCount, 13);
    await checkSort(device, split, { keys: splitKeys, bits: 8, what: '2D grid, 8 bits, CPU count' });
    await checkSort(device, split, { keys: splitKeys, bits: 32, what: '2D grid, 32 bits, CPU count' });
    const splitGpuCount = { buffer: countBuffer(device, splitCount, 0), offset: 0 };
    await checkSort(device, split, { keys: splitKeys, bits: 24, count: splitGpuCount, what: '2D grid, 24 bits, GPU count' });
    split.destroy();
  });

  gpuTest('65,535·256+1 keys with a GPU count (copy-back needs 65,537 workgroups of 256)', async ({ gpu }) => {
    const n = 65535 * 256 + 1;
    const sort = create(gpu.device, n);
    const count = { buffer: countBuffer(gpu.device, n, 0), offset: 0 };
    await checkSort(gpu.device, sort, { keys: randomWords(n, 99), bits: 8, count, what: '65,535·256+1 keys, 8 bits', fastReference: true });
    sort.destroy();
  });
});

gpuTest("'auto' picks portable when onesweepSupported is false, onesweep when true; an explicit back-end wins", async ({ gpu }) => {
  const { device } = gpu;
  try {
    onesweepAnswer.supported = false;
    expect(autoSortBackend(device)).toBe('portable');
    const sort = new RadixSort(device, { label: 'test.auto', maxCount: 300 });
    expect(sort.backend).toBe('portable');
    await checkSort(device, sort, { keys: randomWords(300, 1), bits: 32, what: 'auto → portable' });
    sort.destroy();

    onesweepAnswer.supported = true;
    expect(autoSortBackend(device)).toBe('onesweep');
    const forced = new RadixSort(device, { label: 'test.forced', maxCount: 300, backend: 'portable' });
    expect(forced.backend).toBe('portable');
    forced.destroy();
  } finally {
    onesweepAnswer.supported = undefined;
  }
});

gpuTest("'auto' times its back-ends on the first sorts, keeps the fastest, frees the others; every sort is right meanwhile", async ({ gpu }) => {
  const { device } = gpu;
  const memory = GpuMemory.of(device);
  const n = 5000;
  const sort = new RadixSort(device, { label: 'test.tuned', maxCount: n });
  expect(sort.decided).toBe(false);
  for (let frame = 0; frame < 12 && !sort.decided; frame++) {
    const keys = randomWords(n, 40 + frame);
    const keyBuffer = wordBuffer(device, 'test.keys', n, keys);
    const valueBuffer = wordBuffer(device, 'test.values', n, indices(n));
    sort.setInputs(keyBuffer, valueBuffer, n);
    submit(device, (encoder) => sort.encode(encoder, 32));
    sort.afterSubmit();
    const expected = cpuRadixSortPairs(keys, indices(n), 32);
    const [gotKeys, gotValues] = await Promise.all([readWords(device, keyBuffer), readWords(device, valueBuffer)]);
    expectWords(gotKeys, expected.keys, `tuning frame ${frame}: keys`);
    expectWords(gotValues, expected.values, `tuning frame ${frame}: values`);
    keyBuffer.destroy();
    valueBuffer.destroy();
  }
  expect(sort.decided).toBe(true);
  console.log(`auto chose ${sort.backend}`);
  // Only the chosen back-end's buffers are left: the same as a sort made with that back-end.
  const suffixes = (label: string) => memory.liveLabels().filter((l) => l.startsWith(`${label}.`)).map((l) => l.slice(label.length)).sort();
  const fresh = new RadixSort(device, { label: 'test.fresh', maxCount: n, backend: sort.backend });
  expect(suffixes('test.tuned')).toEqual(suffixes('test.fresh'));
  fresh.destroy();
  sort.destroy();
  // A sort of the same label and size class starts with the decision.
  const again = new RadixSort(device, { label: 'test.tuned', maxCount: n - 1 });
  expect(again.decided).toBe(true);
  again.destroy();
});

gpuTest('rejects bad input with messages that say what is wrong; destroy() frees everything', async ({ gpu }) => {
  const { device } = gpu;
  const memory = GpuMemory.of(device);
  const before = { bytes: memory.totalBytes, count: memory.liveCount };
  const sort = new RadixSort(device, { label: 'test.sort', maxCount: 100, backend: 'portable' });
  expect(memory.liveCount).toBeGreaterThan(before.count);
  const keys = wordBuffer(device, 'test.keys', 100);
  const values = wordBuffer(device, 'test.values', 100);
  const small = wordBuffer(device, 'test.small', 10);
  const encoder = device.createCommandEncoder();
  expect(() => sort.encode(encoder, 32)).toThrow(/before setInputs/);
  expect(() => sort.setInputs(keys, values, 101)).toThrow(/count must be an integer in \[0, maxCount = 100\]/);
  expect(() => sort.setInputs(keys, small, 50)).toThrow(/values buffer 'test.small' has 40 B/);
  expect(() => sort.setInputs(keys, keys, 50)).toThrow(/different buffers/);
  sort.setInputs(keys, values, 50);
  for (const bits of [0, 33, 2.5, Number.NaN]) expect(() => sort.encode(encoder, bits)).toThrow(/bits must be an integer in 1\.\.32/);
  expect(() => new RadixSort(device, { label: 'test.bad', maxCount: 10, backend: 'fast' as SortBackendName })).toThrow(/unknown backend 'fast'/);
  expect(() => new RadixSort(device, { label: 'test.huge', maxCount: 2 ** 40 })).toThrow(/exceeds what this device can bind/);
  sort.destroy();
  sort.destroy();
  expect({ bytes: memory.totalBytes, count: memory.liveCount }).toEqual(before);
  expect(() => sort.encode(encoder, 32)).toThrow(/after destroy/);
});
