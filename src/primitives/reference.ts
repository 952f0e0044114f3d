/**
 * CPU references of the GPU primitives, in plain TS: what the GPU tests compare against exactly,
 * and the CPU baselines of the primitives benchmark.
 */

/** Prefix sums with u32 wrap-around, exclusive (or inclusive) like PrefixScan. */
export function cpuPrefixSum(input: Uint32Array, inclusive = false): Uint32Array {
  const output = new Uint32Array(input.length);
  let sum = 0;
  for (let i = 0; i < input.length; i++) {
    if (inclusive) sum = (sum + input[i]!) >>> 0;
    output[i] = sum;
    if (!inclusive) sum = (sum + input[i]!) >>> 0;
  }
  return output;
}

/** The mask of the key bits a sort by `bits` bits compares. */
export function keyMask(bits: number): number {
  return bits >= 32 ? 0xffffffff : 2 ** bits - 1;
}

/**
 * The obviously correct stable sort: pairs ordered by `key & keyMask(bits)`, ties in input order
 * (Array.prototype.sort is stable). For tests; slow.
 */
export function cpuStableSortPairs(keys: Uint32Array, values: Uint32Array, bits: number): { keys: Uint32Array; values: Uint32Array } {
  const mask = keyMask(bits);
  const order = Array.from(keys.keys()).sort((a, b) => ((keys[a]! & mask) >>> 0) - ((keys[b]! & mask) >>> 0));
  return { keys: Uint32Array.from(order, (i) => keys[i]!), values: Uint32Array.from(order, (i) => values[i]!) };
}

/**
 * LSD radix sort of key-value pairs by the low `bits` bits, 8-bit digits, stable; returns new
 * arrays. The JS baseline of the benchmark (a counting sort per digit, as the GPU sort does).
 */
export function cpuRadixSortPairs(keys: Uint32Array, values: Uint32Array, bits: number): { keys: Uint32Array; values: Uint32Array } {
  const n = keys.length;
  let srcKeys = Uint32Array.from(keys);
  let srcValues = Uint32Array.from(values);
  let dstKeys = new Uint32Array(n);
  let dstValues = new Uint32Array(n);
  const counts = new Uint32Array(256);
  for (let shift = 0; shift < bits; shift += 8) {
    const mask = keyMask(Math.min(8, bits - shift));
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(srcKeys[i]! >>> shift) & mask]!++;
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const slot = counts[(srcKeys[i]! >>> shift) & mask]!++;
      dstKeys[slot] = srcKeys[i]!;
      dstValues[slot] = srcValues[i]!;
    }
    [srcKeys, dstKeys] = [dstKeys, srcKeys];
    [srcValues, dstValues] = [dstValues, srcValues];
  }
  return { keys: srcKeys, values: srcValues };
}
