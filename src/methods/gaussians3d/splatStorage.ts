/**
 * How a SplatCloud is laid out in GPU memory: the per-splat records GpuScene uploads and
 * project.wgsl reads, the order they are uploaded in, the scene origin their means are relative to,
 * and how they are split into chunks of at most one storage binding. Pure CPU code (unit tested).
 *
 * Two storage formats, per splat (K = (SH degree + 1)² coefficients per channel):
 *
 * | storage   | geometry (layout.ts)                      | SH                                                    | SH 0 / SH 3 |
 * |-----------|-------------------------------------------|-------------------------------------------------------|-------------|
 * | 'full'    | 48 B SplatGeometry: f32 mean, opacity, Σ   | 12·K B: f32, exactly SplatCloud.sh                     | 60 / 240 B  |
 * | 'compact' | 32 B CompactSplatGeometry: f32 mean and    | 4·(2 + ⌈3(K−1)/4⌉) B: word 0 = f16 (dc.r, dc.g), word 1 | 40 / 88 B   |
 * |           | opacity, snorm16 quaternion, f16 scales    | = f16 (dc.b, s), then the 3(K−1) higher coefficients   |             |
 * |           |                                           | as snorm8 of c / s, s = max |c| of the splat (rounded  |             |
 * |           |                                           | up to f16), four to a word (unpack4x8snorm order)      |             |
 *
 * Upload order is by importance, opacity × s0·s1·s2 (the volume of the 1-sigma ellipsoid; the same
 * key PlayCanvas and SuperSplat sort by, ../shared/docs/splat-formats.md), descending and stable, so
 * the N most important splats are a prefix and a splat budget is a shorter dispatch.
 */
import type { Vec3 } from '../../camera/camera';
import { CompactSplatGeometryLayout, SplatGeometryLayout } from './layout';
import { computeCov3D } from './projection';
import { shCoefficientCount, type ShDegree, type SplatCloud } from './splatCloud';

export type SplatStorage = 'full' | 'compact';

export const SPLAT_STORAGES: readonly SplatStorage[] = ['full', 'compact'];

/** Bytes per splat of each per-splat buffer. */
export interface StorageFormat {
  storage: SplatStorage;
  geometryBytes: number;
  shBytes: number;
}

/** u32 words of compact SH per splat: the DC pair words, then 3(K−1) snorm8 values four to a word. */
export function compactShWords(shDegree: ShDegree): number {
  return 2 + Math.ceil((3 * (shCoefficientCount(shDegree) - 1)) / 4);
}

export function storageFormat(storage: SplatStorage, shDegree: ShDegree): StorageFormat {
  if (storage === 'full') return { storage, geometryBytes: SplatGeometryLayout.byteSize, shBytes: 12 * shCoefficientCount(shDegree) };
  if (storage === 'compact') return { storage, geometryBytes: CompactSplatGeometryLayout.byteSize, shBytes: 4 * compactShWords(shDegree) };
  throw new Error(`Unknown splat storage '${String(storage)}' (expected ${SPLAT_STORAGES.join(' or ')})`);
}

// ------------------------------------------------------------------ order, origin, chunks

/**
 * Upload index → cloud index, most important first: descending opacity · s0 · s1 · s2, ties in
 * file order. An LSD radix sort of the keys' f32 bits (non-negative floats order like their bits),
 * so 10M splats sort in well under a second.
 */
export function importanceOrder(cloud: SplatCloud): Uint32Array {
  const n = cloud.count;
  const key = new Float32Array(1);
  const bits = new Uint32Array(key.buffer);
  let keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const importance = cloud.opacities[i]! * cloud.scales[3 * i]! * cloud.scales[3 * i + 1]! * cloud.scales[3 * i + 2]!;
    // NaN (0 · Inf) counts as unimportant; inverting the bits makes the ascending sort descending.
    key[0] = importance > 0 ? importance : 0;
    keys[i] = ~bits[0]! >>> 0;
  }
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let nextKeys = new Uint32Array(n);
  let nextOrder = new Uint32Array(n);
  const counts = new Uint32Array(1 << 11);
  for (const [shift, digitBits] of [[0, 11], [11, 11], [22, 10]] as const) {
    const mask = (1 << digitBits) - 1;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i]! >>> shift) & mask]!++;
    let sum = 0;
    for (let d = 0; d <= mask; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const slot = counts[(keys[i]! >>> shift) & mask]!++;
      nextKeys[slot] = keys[i]!;
      nextOrder[slot] = order[i]!;
    }
    [keys, nextKeys] = [nextKeys, keys];
    [order, nextOrder] = [nextOrder, order];
  }
  return order;
}

/**
 * The point splat means are stored relative to: the centre of their bounding box, in float64. The
 * projection gets the camera relative to it (also in float64), so a scene 1e6 units from (0, 0, 0)
 * is drawn with the precision of one at the origin.
 */
export function sceneOrigin(cloud: SplatCloud): Vec3 {
  if (cloud.count === 0) return [0, 0, 0];
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < cloud.count; i++) {
    for (let a = 0; a < 3; a++) {
      const v = cloud.positions[3 * i + a]!;
      if (v < lo[a]!) lo[a] = v;
      if (v > hi[a]!) hi[a] = v;
    }
  }
  return [(lo[0]! + hi[0]!) / 2, (lo[1]! + hi[1]!) / 2, (lo[2]! + hi[2]!) / 2];
}

export interface ChunkRange {
  /** Upload index of the first splat. */
  first: number;
  count: number;
}

/**
 * Consecutive ranges of upload indices such that neither per-splat buffer of a range exceeds
 * `maxBindingBytes`. An empty scene is one empty chunk.
 */
export function planChunks(count: number, format: StorageFormat, maxBindingBytes: number): ChunkRange[] {
  const perSplat = Math.max(format.geometryBytes, format.shBytes);
  const splatsPerChunk = Math.floor(maxBindingBytes / perSplat);
  if (splatsPerChunk < 1) throw new Error(`One splat needs ${perSplat} B, more than a storage binding of ${maxBindingBytes} B holds`);
  const chunks: ChunkRange[] = [];
  for (let first = 0; first < count; first += splatsPerChunk) chunks.push({ first, count: Math.min(splatsPerChunk, count - first) });
  return chunks.length ? chunks : [{ first: 0, count: 0 }];
}

// ------------------------------------------------------------------ packing

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE binary16 bits of `value` (rounded to f32 first, then to nearest even), as WGSL pack2x16float. */
export function halfBits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: the 24-bit significand shifted down; below half the smallest one rounds to 0.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Inf).
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** The value of binary16 bits (WGSL unpack2x16float of one half). */
export function halfValue(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** snorm16 as pack2x16snorm stores it (the low half of the word for the first value). */
export function snorm16(value: number): number {
  return Math.round(32767 * Math.min(1, Math.max(-1, value))) & 0xffff;
}

/** The smallest f16 ≥ |value| (so |c| / scale ≤ 1 for every coefficient it scales). */
function halfAtLeast(value: number): number {
  let bits = halfBits(value);
  if (halfValue(bits) < value) bits++;
  return bits;
}

/**
 * Writes the records of upload indices [first, first + count) at the start of `geometry` and `sh`
 * (which need count · format.geometryBytes and count · format.shBytes bytes).
 */
export function packSplats(
  cloud: SplatCloud,
  format: StorageFormat,
  order: Uint32Array,
  origin: Vec3,
  first: number,
  count: number,
  geometry: ArrayBuffer,
  sh: ArrayBuffer,
): void {
  const k = shCoefficientCount(cloud.shDegree);
  const geometryFloats = new Float32Array(geometry);
  const geometryWords = new Uint32Array(geometry);
  const geometryStride = format.geometryBytes / 4;
  const compact = format.storage === 'compact';
  for (let r = 0; r < count; r++) {
    const i = order[first + r]!;
    const o = r * geometryStride;
    // The difference is taken in float64, then rounded once to f32.
    for (let a = 0; a < 3; a++) geometryFloats[o + a] = cloud.positions[3 * i + a]! - origin[a]!;
    geometryFloats[o + 3] = cloud.opacities[i]!;
    const scale = cloud.scales.subarray(3 * i, 3 * i + 3);
    const rotation = cloud.rotations.subarray(4 * i, 4 * i + 4);
    if (compact) {
      const w = CompactSplatGeometryLayout.wordOffset;
      geometryWords[o + w.rotation!] = (snorm16(rotation[0]!) | (snorm16(rotation[1]!) << 16)) >>> 0;
      geometryWords[o + w.rotation! + 1] = (snorm16(rotation[2]!) | (snorm16(rotation[3]!) << 16)) >>> 0;
      geometryWords[o + w.scale!] = (halfBits(scale[0]!) | (halfBits(scale[1]!) << 16)) >>> 0;
      geometryWords[o + w.scale! + 1] = halfBits(scale[2]!);
    } else {
      geometryFloats.set(computeCov3D(scale, rotation), o + SplatGeometryLayout.wordOffset.cov_a!);
      geometryFloats[o + 10] = 0;
      geometryFloats[o + 11] = 0;
    }
  }
  if (!compact) {
    const shFloats = new Float32Array(sh);
    const stride = 3 * k;
    for (let r = 0; r < count; r++) {
      const i = order[first + r]!;
      shFloats.set(cloud.sh.subarray(stride * i, stride * i + stride), stride * r);
    }
    return;
  }
  const words = new Uint32Array(sh);
  const shWords = format.shBytes / 4;
  const rest = 3 * (k - 1);
  for (let r = 0; r < count; r++) {
    const base = 3 * k * order[first + r]!;
    const o = r * shWords;
    let maxAbs = 0;
    for (let j = 0; j < rest; j++) maxAbs = Math.max(maxAbs, Math.abs(cloud.sh[base + 3 + j]!));
    const scaleBits = halfAtLeast(maxAbs);
    const scale = halfValue(scaleBits);
    words[o] = (halfBits(cloud.sh[base]!) | (halfBits(cloud.sh[base + 1]!) << 16)) >>> 0;
    words[o + 1] = (halfBits(cloud.sh[base + 2]!) | (scaleBits << 16)) >>> 0;
    for (let w = 2; w < shWords; w++) words[o + w] = 0;
    for (let j = 0; j < rest; j++) {
      const q = scale > 0 ? Math.max(-127, Math.min(127, Math.round((127 * cloud.sh[base + 3 + j]!) / scale))) : 0;
      words[o + 2 + (j >> 2)]! |= (q & 0xff) << (8 * (j & 3));
    }
  }
}
