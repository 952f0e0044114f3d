/** Shared by the scan and sort GPU tests: deterministic data, uploads, exact word comparison. */
import { POISON_WORD } from '../helpers/gpu';
import { readBuffer } from '../../src/gpu/readback';

export const ELEMENT_USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Deterministic full-range u32 words (xorshift32), so a failure reproduces. */
export function randomWords(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s;
  }
  return out;
}

/** A buffer of `words` u32 (at least one) holding `data` followed by POISON_WORD. */
export function wordBuffer(device: GPUDevice, label: string, words: number, data: Uint32Array = new Uint32Array(0)): GPUBuffer {
  const buffer = device.createBuffer({ label, size: Math.max(1, words) * 4, usage: ELEMENT_USAGE });
  fillWords(device, buffer, data);
  return buffer;
}

/** Rewrites the whole buffer: `data`, then POISON_WORD to the end. */
export function fillWords(device: GPUDevice, buffer: GPUBuffer, data: Uint32Array): void {
  const words = new Uint32Array(buffer.size / 4).fill(POISON_WORD);
  words.set(data);
  device.queue.writeBuffer(buffer, 0, words);
}

/** A STORAGE buffer holding `count` as the u32 at byte `offset` (poison elsewhere). */
export function countBuffer(device: GPUDevice, count: number, offset: number): GPUBuffer {
  const words = new Uint32Array(offset / 4 + 4).fill(POISON_WORD);
  words[offset / 4] = count;
  return wordBuffer(device, 'test.count', words.length, words);
}

export async function readWords(device: GPUDevice, buffer: GPUBuffer): Promise<Uint32Array> {
  return new Uint32Array(await readBuffer(device, buffer));
}

export function submit(device: GPUDevice, record: (encoder: GPUCommandEncoder) => void): void {
  const encoder = device.createCommandEncoder({ label: 'test.encoder' });
  record(encoder);
  device.queue.submit([encoder.finish()]);
}

/** Exact comparison; on failure names the number of mismatches and the first and last one. */
export function expectWords(actual: Uint32Array, expected: Uint32Array, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} words, expected ${expected.length}`);
  let first = -1;
  let last = -1;
  let mismatches = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      if (first < 0) first = i;
      last = i;
      mismatches++;
    }
  }
  if (mismatches === 0) return;
  const at = (i: number) => `${i} (got ${actual[i]}, expected ${expected[i]})`;
  throw new Error(`${what}: ${mismatches} of ${actual.length} words differ; first at ${at(first)}, last at ${at(last)}`);
}

/** Checks that the words from `start` on are still POISON_WORD (nothing wrote past the count). */
export function expectUntouched(words: Uint32Array, start: number, what: string): void {
  expectWords(words.subarray(start), new Uint32Array(words.length - start).fill(POISON_WORD), `${what}, past the count`);
}
