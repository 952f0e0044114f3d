/**
 * Niantic .spz → SplatCloud (../shared/docs/splat-formats.md §4; nianticlabs/spz load-spz.cc).
 *
 * Containers:
 * - v1–v3 ("legacy"): the whole file is gzip; inside, a 16-byte header then the attribute arrays.
 *   Files that hold that payload without the gzip wrapper (an "NGSP" header with version ≤ 3) are
 *   read too ("raw" SPZ, as some tools write).
 * - v4: a plain 32-byte header, optional extension records, a table of contents of N × (u64
 *   compressed size, u64 uncompressed size), then N independent ZSTD streams.
 *
 * Header, bytes (little-endian): 0 u32 magic "NGSP" | 4 u32 version | 8 u32 numPoints | 12 u8 shDegree
 * | 13 u8 fractionalBits | 14 u8 flags (0x1 antialiased, 0x2 extensions) | 15 u8 v4: numStreams
 * | v4 only: 16 u32 tocByteOffset, 20..31 reserved.
 *
 * Attribute arrays / streams, in this order, per point:
 * | stream    | bytes           | decoding                                                          |
 * |-----------|-----------------|-------------------------------------------------------------------|
 * | positions | 3 × 3           | signed 24-bit fixed point, value / 2^fractionalBits                |
 * | alphas    | 1               | opacity = a / 255                                                  |
 * | colors    | 3               | f_dc = (c / 255 − 0.5) / 0.15  (a wider range than plain RGB)      |
 * | scales    | 3               | log-scale = s / 16 − 10                                            |
 * | rotations | v2: 3, v3+: 4   | v2: x,y,z = b / 127.5 − 1, w = √(1 − |xyz|²); v3+: smallest three  |
 * | sh        | 3 · dim(degree) | (b − 128) / 128, coefficient-major with RGB inner; dim = 3, 8, 15, 24|
 * Quaternions are (x, y, z, w) in SPZ and (w, x, y, z) in SplatCloud.
 *
 * Coordinate frame: SPZ stores RUB (x right, y up, z back; OpenGL) unless an SPZ_ADOBE_coordinate_system
 * extension names another frame; SplatCloud holds the PLY/COLMAP frame RDF (x right, y down, z
 * forward). Converting flips axes: positions p_a ·= f_a, quaternion (x, y, z) ·= (f_y f_z, f_x f_z,
 * f_x f_y), and each SH coefficient by the parity of its basis function under the flips.
 *
 * Hostile input: counts are checked against the bytes that must hold them before anything is
 * allocated; gzip is inflated to at most the exact payload size the header implies (and only after
 * the header passed those checks); each ZSTD stream must declare exactly its expected size.
 */
import { decompress as zstdDecompress } from 'fzstd';
import { SplatCloudBuilder } from '../methods/gaussians3d/cloudBuilder';
import type { ShDegree, SplatCloud } from '../methods/gaussians3d/splatCloud';
import { representableOpacity, scaleFromLog, canonicalQuaternion } from './inriaValues';
import { inflateBounded, inflatedByteLimit, isGzip } from './zip';

export const SPZ_MAGIC = 0x5053474e;
const LEGACY_HEADER_BYTES = 16;
const V4_HEADER_BYTES = 32;
const FLAG_EXTENSIONS = 0x2;
/** Colour is stored as f_dc · COLOR_SCALE · 255 + 127.5. */
const COLOR_SCALE = 0.15;
/** SH coefficients per channel above DC, by degree 0..4. */
const SH_DIM = [0, 3, 8, 15, 24];
/** The highest fractional-bit count that leaves a 24-bit integer part meaningful. */
const MAX_FRACTIONAL_BITS = 23;
/** Extension records a legacy payload may carry after its arrays. */
const MAX_LEGACY_EXTENSION_BYTES = 64 * 1024;
const EXT_SH_QUANTIZATION = 0xadbe0001;
const EXT_COORDINATE_SYSTEM = 0xadbe0003;
/** Niantic's CoordinateSystem value for RUB, the default frame of SPZ data. */
const RUB = 4;

/** True for NGSP (v4 or raw legacy) or gzip (legacy) magic. */
export function isSpz(head: Uint8Array): boolean {
  return isNgsp(head) || isGzip(head);
}

function isNgsp(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x4e && head[1] === 0x47 && head[2] === 0x53 && head[3] === 0x50;
}

interface SpzHeader {
  version: number;
  count: number;
  shDegree: number;
  fractionalBits: number;
  flags: number;
}

/** The attribute arrays of one SPZ, wherever they came from. */
interface SpzArrays {
  positions: Uint8Array;
  alphas: Uint8Array;
  colors: Uint8Array;
  scales: Uint8Array;
  rotations: Uint8Array;
  sh: Uint8Array;
}

/** What the extension records say, as far as decoding is concerned. */
interface SpzExtensions {
  /** Niantic CoordinateSystem value of the stored data. */
  coordinateSystem: number;
  /** Adobe SH quantisation range; (−1, 1) is the legacy (b − 128) / 128 mapping. */
  shMin: number;
  shMax: number;
}

function bytesPerPoint(version: number, shDegree: number): number {
  return 9 + 1 + 3 + 3 + (version >= 3 ? 4 : 3) + 3 * SH_DIM[shDegree]!;
}

function readHeader(bytes: Uint8Array, name: string): SpzHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < LEGACY_HEADER_BYTES || view.getUint32(0, true) !== SPZ_MAGIC) {
    throw new Error(`${name}: not an SPZ file (no "NGSP" header)`);
  }
  const header: SpzHeader = {
    version: view.getUint32(4, true),
    count: view.getUint32(8, true),
    shDegree: bytes[12]!,
    fractionalBits: bytes[13]!,
    flags: bytes[14]!,
  };
  if (header.version < 2 || header.version > 4) {
    throw new Error(`${name}: SPZ version ${header.version} is not supported (versions 2, 3 and 4 are)`);
  }
  if (header.count === 0) throw new Error(`${name} contains no splats (numPoints = 0)`);
  if (header.shDegree > 4) throw new Error(`${name}: SPZ SH degree ${header.shDegree} is invalid (0 to 4)`);
  if (header.fractionalBits > MAX_FRACTIONAL_BITS) {
    throw new Error(`${name}: SPZ fractionalBits ${header.fractionalBits} is invalid (at most ${MAX_FRACTIONAL_BITS})`);
  }
  return header;
}

/** Splits a legacy payload (header + arrays [+ extension records]) into its arrays. */
function legacyArrays(payload: Uint8Array, header: SpzHeader, name: string): { arrays: SpzArrays; trailer: Uint8Array } {
  const n = header.count;
  const sizes = [9 * n, n, 3 * n, 3 * n, (header.version >= 3 ? 4 : 3) * n, 3 * SH_DIM[header.shDegree]! * n];
  const needed = LEGACY_HEADER_BYTES + sizes.reduce((a, b) => a + b, 0);
  if (payload.length < needed) {
    throw new Error(`${name} is truncated: ${n} splats need ${needed} bytes of SPZ data, the file holds ${payload.length}`);
  }
  const parts: Uint8Array[] = [];
  let at = LEGACY_HEADER_BYTES;
  for (const size of sizes) {
    parts.push(payload.subarray(at, at + size));
    at += size;
  }
  const [positions, alphas, colors, scales, rotations, sh] = parts as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return { arrays: { positions, alphas, colors, scales, rotations, sh }, trailer: payload.subarray(at) };
}

/** Inflates a legacy gzip SPZ: first its header, then exactly the payload that header implies. */
function gunzipLegacy(bytes: Uint8Array, name: string): Uint8Array {
  const limit = inflatedByteLimit(bytes.length);
  const head = inflateBounded(bytes, { format: 'gzip', maxBytes: limit, stopAfter: LEGACY_HEADER_BYTES, name });
  if (head.length < LEGACY_HEADER_BYTES || !isNgsp(head)) throw new Error(`${name}: gzip file does not contain SPZ data (no "NGSP" header inside)`);
  const header = readHeader(head, name);
  if (header.version > 3) throw new Error(`${name}: gzip-wrapped SPZ claims version ${header.version}; only versions 2 and 3 are gzip files`);
  const payload = LEGACY_HEADER_BYTES + header.count * bytesPerPoint(header.version, header.shDegree);
  const allowed = payload + (header.flags & FLAG_EXTENSIONS ? MAX_LEGACY_EXTENSION_BYTES : 0);
  if (payload > limit) {
    throw new Error(
      `${name}: SPZ header announces ${header.count} splats (${payload} bytes), more than a ${bytes.length}-byte gzip file may inflate to (${limit})`,
    );
  }
  return inflateBounded(bytes, { format: 'gzip', maxBytes: allowed, name });
}

/**
 * Parses extension records (u32 type, u32 byte length, payload), skipping unknown types. Records that
 * do not parse (older writers used other layouts) are ignored with a warning: the splat data itself
 * does not depend on them, only the frame and SH range do.
 */
function readExtensions(records: Uint8Array, name: string, warnings: string[]): SpzExtensions {
  const result: SpzExtensions = { coordinateSystem: RUB, shMin: -1, shMax: 1 };
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  for (let at = 0; at < records.length; ) {
    const type = at + 8 <= records.length ? view.getUint32(at, true) : 0;
    const length = at + 8 <= records.length ? view.getUint32(at + 4, true) : 0;
    const body = at + 8;
    if (body > records.length || body + length > records.length) {
      warnings.push(`${name}: ignored ${records.length - at} bytes of SPZ extension records that do not parse`);
      break;
    }
    if (type === EXT_COORDINATE_SYSTEM && length >= 4) {
      result.coordinateSystem = view.getUint32(body, true) || RUB;
    } else if (type === EXT_SH_QUANTIZATION && length >= 10) {
      const [min, max] = [view.getFloat32(body + 2, true), view.getFloat32(body + 6, true)];
      if (max > min) [result.shMin, result.shMax] = [min, max];
      else warnings.push(`${name}: ignored an invalid SPZ SH quantisation range [${min}, ${max}]`);
    }
    at = body + length;
  }
  return result;
}

/** Reads a u64 that must describe a byte count; refuses values a file of `limit` bytes cannot have. */
function readByteCount(view: DataView, at: number, limit: number, what: string, name: string): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(limit)) throw new Error(`${name}: SPZ ${what} is ${value} bytes, more than possible here (${limit})`);
  return Number(value);
}

/** Splits a v4 file into its decompressed streams, checking the table of contents against the header. */
function v4Arrays(bytes: Uint8Array, header: SpzHeader, name: string, warnings: string[]): { arrays: SpzArrays; extensions: SpzExtensions } {
  if (bytes.length < V4_HEADER_BYTES) throw new Error(`${name} is truncated: an SPZ v4 header needs ${V4_HEADER_BYTES} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = header.count;
  const sizes = [9 * n, n, 3 * n, 3 * n, 4 * n, 3 * SH_DIM[header.shDegree]! * n].filter((s) => s > 0);
  const total = sizes.reduce((a, b) => a + b, 0);
  const limit = inflatedByteLimit(bytes.length);
  if (total > limit) {
    throw new Error(`${name}: SPZ header announces ${n} splats (${total} bytes), more than a ${bytes.length}-byte file may decompress to (${limit})`);
  }
  const streamCount = bytes[15]!;
  if (streamCount !== sizes.length) {
    throw new Error(`${name}: SPZ v4 has ${streamCount} streams; SH degree ${header.shDegree} needs ${sizes.length}`);
  }
  const tocOffset = view.getUint32(16, true);
  const tocEnd = tocOffset + 16 * streamCount;
  if (tocOffset < V4_HEADER_BYTES || tocEnd > bytes.length) {
    throw new Error(`${name}: SPZ v4 table of contents (${streamCount} entries at byte ${tocOffset}) lies outside the ${bytes.length}-byte file`);
  }
  const extensions =
    header.flags & FLAG_EXTENSIONS
      ? readExtensions(bytes.subarray(V4_HEADER_BYTES, tocOffset), name, warnings)
      : { coordinateSystem: RUB, shMin: -1, shMax: 1 };
  const streams: Uint8Array[] = [];
  let at = tocEnd;
  for (let i = 0; i < streamCount; i++) {
    const compressed = readByteCount(view, tocOffset + 16 * i, bytes.length - at, `stream ${i} compressed size`, name);
    const size = readByteCount(view, tocOffset + 16 * i + 8, Number.MAX_SAFE_INTEGER, `stream ${i} size`, name);
    if (size !== sizes[i]) throw new Error(`${name}: SPZ v4 stream ${i} declares ${size} bytes; ${n} splats need ${sizes[i]}`);
    streams.push(decompressZstdStream(bytes.subarray(at, at + compressed), size, `${name} (stream ${i})`));
    at += compressed;
  }
  if (at !== bytes.length) warnings.push(`${name}: ignored ${bytes.length - at} bytes after the SPZ streams`);
  const [positions, alphas, colors, scales, rotations, sh = new Uint8Array(0)] = streams as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array?];
  return { arrays: { positions, alphas, colors, scales, rotations, sh }, extensions };
}

/**
 * One ZSTD stream into a buffer of exactly `size` bytes. The frame header's content size, when
 * present, must agree, so the decoder never sizes anything from the file.
 */
function decompressZstdStream(compressed: Uint8Array, size: number, name: string): Uint8Array {
  const declared = zstdFrameContentSize(compressed);
  if (declared === undefined) throw new Error(`${name}: not a ZSTD frame`);
  if (declared !== null && declared !== size) throw new Error(`${name}: ZSTD frame holds ${declared} bytes, the SPZ table says ${size}`);
  const out = new Uint8Array(size);
  let result: Uint8Array;
  try {
    result = zstdDecompress(compressed, out);
  } catch (error) {
    throw new Error(`${name}: corrupt or truncated ZSTD data (${error instanceof Error ? error.message : String(error)})`);
  }
  if (result.length !== size) throw new Error(`${name}: ZSTD data decompressed to ${result.length} bytes, expected ${size}`);
  return result;
}

/**
 * Frame_Content_Size from a ZSTD frame header (RFC 8878 §3.1.1.1): a number, null when the frame
 * does not declare it, undefined when this is no ZSTD frame.
 */
function zstdFrameContentSize(frame: Uint8Array): number | null | undefined {
  if (frame.length < 6 || frame[0] !== 0x28 || frame[1] !== 0xb5 || frame[2] !== 0x2f || frame[3] !== 0xfd) return undefined;
  const descriptor = frame[4]!;
  const sizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
  const sizeBytes = sizeFlag === 0 ? singleSegment : 1 << sizeFlag;
  if (sizeBytes === 0) return null;
  const at = 5 + (singleSegment ? 0 : 1) + dictionaryBytes;
  if (at + sizeBytes > frame.length) return undefined;
  let value = 0;
  for (let i = sizeBytes - 1; i >= 0; i--) value = value * 256 + frame[at + i]!;
  return sizeBytes === 2 ? value + 256 : value;
}

/** Axis flips (±1 for x, y, z) from a Niantic CoordinateSystem value to RDF. */
function flipsToRdf(system: number, name: string): [number, number, number] {
  if (system < 1 || system > 8) {
    throw new Error(`${name}: SPZ data is stored in coordinate system ${system}, which needs an axis rotation; only the RDF/RUB family (1–8) is supported`);
  }
  // system − 1 has bit 0 = right (else left), bit 1 = up (else down), bit 2 = front (else back).
  const bits = system - 1;
  return [bits & 1 ? 1 : -1, bits & 2 ? -1 : 1, bits & 4 ? 1 : -1];
}

/** Sign of each SH basis function k = 1..15 (degree 1..3) under axis flips x, y, z (Niantic's flipSh). */
function shFlips([x, y, z]: [number, number, number]): number[] {
  return [y, z, x, x * y, y * z, 1, x * z, 1, y, x * y * z, y, z, x, z, x];
}

/** Decodes an SPZ file (v2, v3, v4, or a raw legacy payload) into a SplatCloud in the RDF frame. */
export function decodeSpz(bytes: Uint8Array, name: string): SplatCloud {
  const warnings: string[] = [];
  let header: SpzHeader;
  let arrays: SpzArrays;
  let extensions: SpzExtensions = { coordinateSystem: RUB, shMin: -1, shMax: 1 };
  if (isGzip(bytes)) {
    const payload = gunzipLegacy(bytes, name);
    header = readHeader(payload, name);
    const split = legacyArrays(payload, header, name);
    arrays = split.arrays;
    if (header.flags & FLAG_EXTENSIONS) extensions = readExtensions(split.trailer, name, warnings);
    else if (split.trailer.length > 0) warnings.push(`${name}: ignored ${split.trailer.length} bytes after the SPZ data`);
  } else {
    header = readHeader(bytes, name);
    if (header.version === 4) {
      ({ arrays, extensions } = v4Arrays(bytes, header, name, warnings));
    } else {
      const split = legacyArrays(bytes, header, name);
      arrays = split.arrays;
      if (header.flags & FLAG_EXTENSIONS) extensions = readExtensions(split.trailer, name, warnings);
      else if (split.trailer.length > 0) warnings.push(`${name}: ignored ${split.trailer.length} bytes after the SPZ data`);
    }
  }

  const flips = flipsToRdf(extensions.coordinateSystem, name);
  const [fx, fy, fz] = flips;
  const quaternionFlips = [fy * fz, fx * fz, fx * fy];
  const coefficientFlips = shFlips(flips);
  const shDegree = Math.min(3, header.shDegree) as ShDegree;
  if (header.shDegree > 3) warnings.push(`${name}: SH degree 4 coefficients dropped (degree 3 is the most supported)`);
  const dim = SH_DIM[header.shDegree]!;
  const keptDim = SH_DIM[shDegree]!;
  const shScale = (extensions.shMax - extensions.shMin) / 255;
  const legacySh = extensions.shMin === -1 && extensions.shMax === 1;

  const { positions, alphas, colors, scales, rotations, sh } = arrays;
  const positionScale = 1 / 2 ** header.fractionalBits;
  const builder = new SplatCloudBuilder(shDegree, header.count, true);
  const xyzw = new Float64Array(4);
  for (let i = 0; i < header.count; i++) {
    for (let a = 0; a < 3; a++) {
      const p = 9 * i + 3 * a;
      const fixed = ((positions[p]! | (positions[p + 1]! << 8) | (positions[p + 2]! << 16)) << 8) >> 8;
      builder.position[a] = flips[a]! * fixed * positionScale;
      builder.scale[a] = scaleFromLog(scales[3 * i + a]! / 16 - 10);
      builder.sh[a] = (colors[3 * i + a]! / 255 - 0.5) / COLOR_SCALE;
    }
    builder.opacity = representableOpacity(alphas[i]! / 255);
    if (header.version >= 3) unpackSmallestThree(rotations, 4 * i, xyzw);
    else unpackFirstThree(rotations, 3 * i, xyzw);
    builder.rotation[0] = xyzw[3]!;
    for (let a = 0; a < 3; a++) builder.rotation[1 + a] = quaternionFlips[a]! * xyzw[a]!;
    for (let k = 0; k < keptDim; k++) {
      for (let c = 0; c < 3; c++) {
        const q = sh[(i * dim + k) * 3 + c]!;
        const value = legacySh ? (q - 128) / 128 : extensions.shMin + q * shScale;
        builder.sh[(k + 1) * 3 + c] = coefficientFlips[k]! * value;
      }
    }
    canonicalQuaternion(builder.rotation);
    builder.commit();
  }
  const cloud = builder.finish(name);
  cloud.warnings.unshift(...warnings);
  return cloud;
}

/** v2: x, y, z as b / 127.5 − 1 of a w-positive unit quaternion; out = (x, y, z, w). */
function unpackFirstThree(bytes: Uint8Array, at: number, out: Float64Array): void {
  let sum = 0;
  for (let c = 0; c < 3; c++) {
    out[c] = bytes[at + c]! / 127.5 - 1;
    sum += out[c]! * out[c]!;
  }
  out[3] = Math.sqrt(Math.max(0, 1 - sum));
}

/**
 * v3+: a u32 whose top 2 bits give the index (in x, y, z, w order) of the largest component; the
 * other three follow from the highest index down, 10 bits each: 9-bit magnitude of |c|·√2 and a
 * sign bit. The largest is √(1 − Σ others²), positive.
 */
function unpackSmallestThree(bytes: Uint8Array, at: number, out: Float64Array): void {
  let packed = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
  const largest = packed >>> 30;
  const mask = (1 << 9) - 1;
  let sum = 0;
  for (let c = 3; c >= 0; c--) {
    if (c === largest) continue;
    const magnitude = packed & mask;
    const negative = (packed >>> 9) & 1;
    packed >>>= 10;
    out[c] = (Math.SQRT1_2 * magnitude) / mask * (negative ? -1 : 1);
    sum += out[c]! * out[c]!;
  }
  out[largest] = Math.sqrt(Math.max(0, 1 - sum));
}
