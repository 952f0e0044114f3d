/**
 * Shared pieces of the format tests: paths to ../shared/data, comparisons that print the first and
 * last mismatch, covariance matrices, and small writers for synthetic inputs (lossless WebP, ZSTD
 * raw frames, SPZ headers) that the real files do not cover.
 */
import encodeWebp, { init as initWebpEncoder } from '@jsquash/webp/encode.js';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { concatBytes } from '../../src/formats/stream';
import { inriaPlyChunks, splatChunks } from '../../src/formats/writers';
import { quaternionToMatrix } from '../../src/methods/gaussians3d/projection';
import type { SplatCloud } from '../../src/methods/gaussians3d/splatCloud';

export const DATA_DIR = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

export function readData(path: string): Uint8Array {
  return new Uint8Array(readFileSync(DATA_DIR + path));
}

export const plyBytes = (cloud: SplatCloud) => concatBytes([...inriaPlyChunks(cloud)]);
export const splatBytes = (cloud: SplatCloud) => concatBytes([...splatChunks(cloud)]);

const CLOUD_ARRAYS = ['positions', 'scales', 'rotations', 'opacities', 'sh'] as const;

/** Every array bit-identical (as f32 values; −0 and +0 count as different). */
export function expectCloudsBitwise(actual: SplatCloud, expected: SplatCloud): void {
  expect(actual.count).toBe(expected.count);
  expect(actual.shDegree).toBe(expected.shDegree);
  for (const key of CLOUD_ARRAYS) {
    const a = new Uint32Array(actual[key].buffer, actual[key].byteOffset, actual[key].length);
    const b = new Uint32Array(expected[key].buffer, expected[key].byteOffset, expected[key].length);
    const bad: number[] = [];
    for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) bad.push(i);
    const show = (i: number) => `[${i}] ${actual[key][i]} vs ${expected[key][i]}`;
    expect(bad.length, `${key}: ${bad.length} differ, first ${show(bad[0]!)}, last ${show(bad.at(-1)!)}`).toBe(0);
    expect(a.length).toBe(b.length);
  }
}

/** |a − b| ≤ atol + rtol·|b| everywhere, no NaN/Inf in either; messages name the first and last mismatch. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const bad: number[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b) || Math.abs(a - b) > atol + rtol * Math.abs(b)) bad.push(i);
  }
  const show = (i: number) => `[${i}] ${actual[i]} vs ${expected[i]}`;
  expect(bad.length, `${label}: ${bad.length} of ${expected.length} outside atol ${atol} rtol ${rtol}; first ${show(bad[0]!)}, last ${show(bad.at(-1)!)}`).toBe(0);
}

export function expectAllFinite(cloud: SplatCloud): void {
  for (const key of CLOUD_ARRAYS) {
    const bad = cloud[key].findIndex((v) => !Number.isFinite(v));
    expect(bad, `${key}[${bad}] is not finite`).toBe(-1);
  }
}

/** Row-major covariance R S Sᵀ Rᵀ of splat i (the quantity a renderer uses; q and −q agree). */
export function covariance(cloud: SplatCloud, i: number): number[] {
  const r = quaternionToMatrix(cloud.rotations.subarray(4 * i, 4 * i + 4));
  const s = cloud.scales.subarray(3 * i, 3 * i + 3);
  const m = (a: number, b: number) => r[3 * a]! * r[3 * b]! * s[0]! ** 2 + r[3 * a + 1]! * r[3 * b + 1]! * s[1]! ** 2 + r[3 * a + 2]! * r[3 * b + 2]! * s[2]! ** 2;
  return [0, 1, 2].flatMap((a) => [0, 1, 2].map((b) => m(a, b)));
}

let webpEncoderReady: Promise<unknown> | undefined;

/** A lossless WebP of straight RGBA (`exact` keeps RGB under zero alpha). */
export async function encodeLosslessWebp(rgba: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  webpEncoderReady ??= readFile(fileURLToPath(new URL('../../node_modules/@jsquash/webp/codec/enc/webp_enc.wasm', import.meta.url))).then(
    // @jsquash/webp 1.5's typings omit it, but init() takes a compiled module as its first argument.
    async (wasm) => (initWebpEncoder as unknown as (m: WebAssembly.Module) => Promise<unknown>)(await WebAssembly.compile(wasm)),
  );
  await webpEncoderReady;
  const image = { data: new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height, colorSpace: 'srgb' } as ImageData;
  return new Uint8Array(await encodeWebp(image, { lossless: 1, exact: 1, quality: 100 }));
}

/** One ZSTD frame holding `data` as a single raw block, with its content size declared. */
export function zstdRawFrame(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 1 + 4 + 3 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xfd2fb528, true);
  out[4] = 0xa0; // 4-byte Frame_Content_Size, single segment
  view.setUint32(5, data.length, true);
  const block = (data.length << 3) | 1; // last block, raw
  out.set([block & 0xff, (block >> 8) & 0xff, (block >> 16) & 0xff], 9);
  out.set(data, 12);
  return out;
}

export interface SpzStreams {
  positions: Uint8Array;
  alphas: Uint8Array;
  colors: Uint8Array;
  scales: Uint8Array;
  rotations: Uint8Array;
  sh: Uint8Array;
}

/** A legacy (v2/v3) SPZ payload without the gzip wrapper, optionally with trailing extension records. */
export function spzLegacyPayload(version: 2 | 3, count: number, shDegree: number, fractionalBits: number, s: SpzStreams, extensions: Uint8Array = new Uint8Array(0)): Uint8Array {
  const header = new Uint8Array(16);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0x5053474e, true);
  view.setUint32(4, version, true);
  view.setUint32(8, count, true);
  header.set([shDegree, fractionalBits, extensions.length ? 2 : 0, 0], 12);
  return concatBytes([header, s.positions, s.alphas, s.colors, s.scales, s.rotations, s.sh, extensions]);
}

/** An SPZ v4 file: header, extension records, TOC and one raw ZSTD frame per stream. */
export function spzV4(count: number, shDegree: number, fractionalBits: number, s: SpzStreams, extensions: Uint8Array = new Uint8Array(0)): Uint8Array {
  const streams = [s.positions, s.alphas, s.colors, s.scales, s.rotations, s.sh].filter((x) => x.length > 0);
  const frames = streams.map(zstdRawFrame);
  const header = new Uint8Array(32);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0x5053474e, true);
  view.setUint32(4, 4, true);
  view.setUint32(8, count, true);
  header.set([shDegree, fractionalBits, extensions.length ? 2 : 0, streams.length], 12);
  view.setUint32(16, 32 + extensions.length, true);
  const toc = new Uint8Array(16 * streams.length);
  const tocView = new DataView(toc.buffer);
  frames.forEach((f, i) => {
    tocView.setBigUint64(16 * i, BigInt(f.length), true);
    tocView.setBigUint64(16 * i + 8, BigInt(streams[i]!.length), true);
  });
  return concatBytes([header, extensions, toc, ...frames]);
}

/** One SPZ extension record: u32 type, u32 length, payload. */
export function spzExtension(type: number, payload: Uint8Array): Uint8Array {
  const record = new Uint8Array(8 + payload.length);
  const view = new DataView(record.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, payload.length, true);
  record.set(payload, 8);
  return record;
}
