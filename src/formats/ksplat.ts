/**
 * mkkellogg GaussianSplats3D .ksplat → SplatCloud (../shared/docs/splat-formats.md §3; SplatBuffer.js).
 *
 * Layout, little-endian:
 * - Main header, 4096 bytes: u8[0] versionMajor (0), u8[1] versionMinor (≥ 1), u32[1] maxSectionCount,
 *   u32[4] splatCount, u16[10] compressionLevel (0–2), f32[9] / f32[10] SH range for level 2.
 * - maxSectionCount section headers, 1024 bytes each: u32[0] splatCount, u32[1] maxSplatCount,
 *   u32[2] bucketSize, u32[3] bucketCount, f32[4] bucketBlockSize, u16[10] bucketStorageSizeBytes,
 *   u32[6] compressionScaleRange, u32[8] fullBucketCount, u32[9] partiallyFilledBucketCount,
 *   u16[20] SH degree (0–2).
 * - Per section: u32 length of each partially filled bucket, bucket centres (3 × f32 each, at a stride
 *   of bucketStorageSizeBytes), then maxSplatCount records; the next section follows.
 *
 * Record by compression level (SH components after the colour):
 * | level | centre                              | scale       | rotation (w,x,y,z) | colour   | SH       |
 * |-------|-------------------------------------|-------------|--------------------|----------|----------|
 * | 0     | 3 × f32                             | 3 × f32     | 4 × f32            | RGBA u8  | f32      |
 * | 1     | 3 × u16: (q − range)·block/2/range + bucket centre | 3 × f16 | 4 × f16  | RGBA u8  | f16      |
 * | 2     | as level 1                          | 3 × f16     | 4 × f16            | RGBA u8  | u8 lerped in the header's SH range |
 * Scales are linear; RGB = (0.5 + SH_C0·f_dc)·255, A = opacity·255. SH components: 9 for degree 1
 * (R c1..c3, G c1..c3, B c1..c3), then 15 for degree 2 (R ×5, G ×5, B ×5). Same frame as the PLY
 * the file was made from.
 */
import { SplatCloudBuilder } from '../methods/gaussians3d/cloudBuilder';
import { SH_C0, type ShDegree, type SplatCloud } from '../methods/gaussians3d/splatCloud';
import { representableOpacity, representableScale, canonicalQuaternion } from './inriaValues';

const MAIN_HEADER_BYTES = 4096;
const SECTION_HEADER_BYTES = 1024;
const SH_COMPONENTS = [0, 9, 24];
/** Default SH range and position quantisation range of files that leave them zero. */
const DEFAULT_SH_RANGE = 1.5;
const DEFAULT_POSITION_RANGE = 32767;

interface LevelLayout {
  /** Bytes of centre + scale + rotation + colour. */
  baseBytes: number;
  shComponentBytes: number;
}

const LEVELS: LevelLayout[] = [
  { baseBytes: 44, shComponentBytes: 4 },
  { baseBytes: 24, shComponentBytes: 2 },
  { baseBytes: 24, shComponentBytes: 1 },
];

/** Heuristic content check: version 0.x, a compression level 0–2 and a plausible section count. */
export function looksLikeKsplat(head: Uint8Array): boolean {
  if (head.length < 24) return false;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const sections = view.getUint32(4, true);
  return head[0] === 0 && head[1]! >= 1 && sections >= 1 && sections <= 1 << 16 && view.getUint16(20, true) <= 2 && view.getUint32(16, true) > 0;
}

interface Section {
  splatCount: number;
  maxSplatCount: number;
  bucketSize: number;
  bucketCount: number;
  blockSize: number;
  bucketStride: number;
  positionRange: number;
  fullBuckets: number;
  partialBuckets: number;
  shDegree: number;
}

function readSection(view: DataView, index: number, name: string): Section {
  const at = MAIN_HEADER_BYTES + index * SECTION_HEADER_BYTES;
  const section: Section = {
    splatCount: view.getUint32(at, true),
    maxSplatCount: view.getUint32(at + 4, true),
    bucketSize: view.getUint32(at + 8, true),
    bucketCount: view.getUint32(at + 12, true),
    blockSize: view.getFloat32(at + 16, true),
    bucketStride: view.getUint16(at + 20, true),
    positionRange: view.getUint32(at + 24, true) || DEFAULT_POSITION_RANGE,
    fullBuckets: view.getUint32(at + 32, true),
    partialBuckets: view.getUint32(at + 36, true),
    shDegree: view.getUint16(at + 40, true),
  };
  const where = `${name}: .ksplat section ${index}`;
  if (section.splatCount > section.maxSplatCount) throw new Error(`${where} holds ${section.splatCount} splats but has room for ${section.maxSplatCount}`);
  if (section.shDegree > 2) throw new Error(`${where} has SH degree ${section.shDegree} (.ksplat stores at most 2)`);
  if (section.bucketCount > 0 && section.bucketStride < 12) throw new Error(`${where}: bucket storage of ${section.bucketStride} bytes cannot hold a centre`);
  if (section.fullBuckets + section.partialBuckets > section.bucketCount) {
    throw new Error(`${where}: ${section.fullBuckets} full + ${section.partialBuckets} partial buckets exceed its ${section.bucketCount} buckets`);
  }
  return section;
}

function decodeFloat16(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Decodes a .ksplat file (compression levels 0, 1 and 2; SH up to degree 2). */
export function decodeKsplat(bytes: Uint8Array, name: string): SplatCloud {
  if (bytes.length < MAIN_HEADER_BYTES) throw new Error(`${name} is truncated: a .ksplat header alone is ${MAIN_HEADER_BYTES} bytes, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [major, minor] = [bytes[0]!, bytes[1]!];
  if (major !== 0 || minor < 1) throw new Error(`${name}: .ksplat version ${major}.${minor} is not supported (0.1 and later 0.x are)`);
  const sectionCount = view.getUint32(4, true);
  const splatCount = view.getUint32(16, true);
  const level = view.getUint16(20, true);
  if (level > 2) throw new Error(`${name}: .ksplat compression level ${level} is unknown (0, 1 and 2 exist)`);
  if (splatCount === 0) throw new Error(`${name} contains no splats`);
  const headersEnd = MAIN_HEADER_BYTES + sectionCount * SECTION_HEADER_BYTES;
  if (headersEnd > bytes.length) {
    throw new Error(`${name} is truncated: ${sectionCount} section headers need ${headersEnd} bytes, the file has ${bytes.length}`);
  }
  const shMin = view.getFloat32(36, true) || -DEFAULT_SH_RANGE;
  const shMax = view.getFloat32(40, true) || DEFAULT_SH_RANGE;
  const layout = LEVELS[level]!;

  const sections = Array.from({ length: sectionCount }, (_, i) => readSection(view, i, name));
  const total = sections.reduce((n, s) => n + s.splatCount, 0);
  if (total !== splatCount) throw new Error(`${name}: the .ksplat header announces ${splatCount} splats but its sections hold ${total}`);
  const shDegree = sections.reduce((d, s) => Math.max(d, s.shDegree), 0 as number) as ShDegree;

  // Every section's data must lie inside the file before any splat is decoded (or allocated).
  let dataStart = headersEnd;
  const starts: number[] = [];
  for (const [i, s] of sections.entries()) {
    starts.push(dataStart);
    const recordBytes = layout.baseBytes + SH_COMPONENTS[s.shDegree]! * layout.shComponentBytes;
    dataStart += 4 * s.partialBuckets + s.bucketStride * s.bucketCount + recordBytes * s.maxSplatCount;
    if (dataStart > bytes.length) {
      throw new Error(`${name} is truncated: .ksplat section ${i} (${s.maxSplatCount} records of ${recordBytes} bytes) ends at byte ${dataStart}, the file has ${bytes.length}`);
    }
  }

  const builder = new SplatCloudBuilder(shDegree, splatCount, true);
  for (const [i, s] of sections.entries()) decodeSection(bytes, view, starts[i]!, s, level, layout, shMin, shMax, builder, `${name}: .ksplat section ${i}`);
  return builder.finish(name);
}

function decodeSection(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  s: Section,
  level: number,
  layout: LevelLayout,
  shMin: number,
  shMax: number,
  builder: SplatCloudBuilder,
  where: string,
): void {
  const partialLengths = Array.from({ length: s.partialBuckets }, (_, b) => view.getUint32(start + 4 * b, true));
  const centres = start + 4 * s.partialBuckets;
  const records = centres + s.bucketStride * s.bucketCount;
  const shComponents = SH_COMPONENTS[s.shDegree]!;
  const recordBytes = layout.baseBytes + shComponents * layout.shComponentBytes;
  const positionScale = s.blockSize / 2 / s.positionRange;
  const f16 = (at: number) => decodeFloat16(view.getUint16(at, true));
  const shValue =
    level === 0
      ? (at: number) => view.getFloat32(at, true)
      : level === 1
        ? f16
        : (at: number) => shMin + (bytes[at]! / 255) * (shMax - shMin);
  if (level > 0 && s.splatCount > s.fullBuckets * s.bucketSize + partialLengths.reduce((a, b) => a + b, 0)) {
    throw new Error(`${where}: its buckets hold fewer splats than its ${s.splatCount}`);
  }

  let bucket = 0;
  let bucketEnd = s.fullBuckets > 0 ? s.bucketSize : (partialLengths[0] ?? 0);
  for (let i = 0; i < s.splatCount; i++) {
    const at = records + i * recordBytes;
    if (level === 0) {
      for (let a = 0; a < 3; a++) {
        builder.position[a] = view.getFloat32(at + 4 * a, true);
        builder.scale[a] = representableScale(view.getFloat32(at + 12 + 4 * a, true));
      }
      for (let c = 0; c < 4; c++) builder.rotation[c] = view.getFloat32(at + 24 + 4 * c, true);
    } else {
      // Splats fill the full buckets first, then the partial ones in order.
      while (i >= bucketEnd) {
        bucket++;
        bucketEnd += bucket < s.fullBuckets ? s.bucketSize : partialLengths[bucket - s.fullBuckets]!;
      }
      const centre = centres + bucket * s.bucketStride;
      for (let a = 0; a < 3; a++) {
        builder.position[a] = (view.getUint16(at + 2 * a, true) - s.positionRange) * positionScale + view.getFloat32(centre + 4 * a, true);
        builder.scale[a] = representableScale(f16(at + 6 + 2 * a));
      }
      for (let c = 0; c < 4; c++) builder.rotation[c] = f16(at + 12 + 2 * c);
    }
    const colour = at + layout.baseBytes - 4;
    for (let c = 0; c < 3; c++) builder.sh[c] = (bytes[colour + c]! / 255 - 0.5) / SH_C0;
    builder.opacity = representableOpacity(bytes[colour + 3]! / 255);
    builder.sh.fill(0, 3);
    for (let j = 0; j < shComponents; j++) {
      // Degree 1: 3 per channel (k = 1..3); degree 2: 5 per channel (k = 4..8).
      const [channel, k] = j < 9 ? [Math.floor(j / 3), 1 + (j % 3)] : [Math.floor((j - 9) / 5), 4 + ((j - 9) % 5)];
      builder.sh[k * 3 + channel] = shValue(at + layout.baseBytes + j * layout.shComponentBytes);
    }
    canonicalQuaternion(builder.rotation);
    builder.commit();
  }
}
