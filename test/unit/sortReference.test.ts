import { describe, expect, test } from 'vitest';
import { cpuPrefixSum, cpuRadixSortPairs, cpuStableSortPairs, keyMask } from '../../src/primitives/reference';

function randomWords(n: number, seed: number): Uint32Array {
  let s = seed >>> 0 || 1;
  return Uint32Array.from({ length: n }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  });
}

describe('CPU references of the GPU primitives', () => {
  test('prefix sums wrap mod 2^32, exclusive and inclusive', () => {
    const input = Uint32Array.of(0xffffffff, 2, 3, 0x80000000, 0x80000000);
    expect([...cpuPrefixSum(input)]).toEqual([0, 0xffffffff, 1, 4, 0x80000004]);
    expect([...cpuPrefixSum(input, true)]).toEqual([0xffffffff, 1, 4, 0x80000004, 4]);
    expect(cpuPrefixSum(new Uint32Array(0)).length).toBe(0);
  });

  test('the comparator sort is stable and orders by the low bits only', () => {
    const keys = Uint32Array.of(0x105, 0x003, 0xf05, 0x203, 0x001);
    const sorted = cpuStableSortPairs(keys, Uint32Array.of(0, 1, 2, 3, 4), 8);
    expect([...sorted.keys]).toEqual([0x001, 0x003, 0x203, 0x105, 0xf05]);
    expect([...sorted.values]).toEqual([4, 1, 3, 0, 2]);
    expect(keyMask(32)).toBe(0xffffffff);
    expect(keyMask(13)).toBe(0x1fff);
  });

  test.each([1, 7, 8, 13, 16, 24, 31, 32])('the JS radix sort matches the comparator sort, %i bits', (bits) => {
    for (const [n, distinct] of [[0, 0], [1, 0], [5000, 0], [5000, 3]] as const) {
      const raw = randomWords(n, bits * 31 + n);
      const keys = distinct ? raw.map((k) => (k % distinct) * 0x40000001) : raw;
      const values = Uint32Array.from({ length: n }, (_, i) => i);
      const radix = cpuRadixSortPairs(keys, values, bits);
      const reference = cpuStableSortPairs(keys, values, bits);
      expect(radix.keys).toEqual(reference.keys);
      expect(radix.values).toEqual(reference.values);
    }
  });
});
