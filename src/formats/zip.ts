/**
 * ZIP archives and gzip streams, inflated with fflate under byte limits, so a small hostile file can
 * neither make us allocate nor inflate without bound ("zip bombs").
 *
 * ZIP layout (PKWARE APPNOTE 6.3.x): the end-of-central-directory record (EOCD) at the end of the
 * file points at the central directory, whose file headers give each entry's method, CRC-32,
 * compressed and uncompressed sizes and local header offset; the local header precedes the data.
 * Only what splat formats need is read: methods 0 (stored) and 8 (deflate), one disk, no ZIP64, no
 * encryption. Every declared size is checked against the file before anything is inflated, the
 * declared uncompressed sizes together must fit `inflatedByteLimit(file size)`, and each entry is
 * inflated into a buffer of exactly its declared size: more output, less output or a CRC mismatch
 * is an error.
 */
import { Gunzip, Inflate } from 'fflate';
import type { AssetBundle } from './bundle';

/** Never inflate more than this from one file, whatever it declares. */
export const MAX_INFLATED_BYTES = 1024 * 1024 * 1024;
/** Inflated bytes allowed per input byte. Deflate can reach ~1032:1; real splat archives are near 1:1. */
export const MAX_INFLATE_RATIO = 64;
/** Small inputs may always inflate this much (a 1 KB meta.json compresses well). */
const MIN_INFLATE_ALLOWANCE = 16 * 1024 * 1024;
/** Input is pushed to the inflater in slices of this size, so no single step can produce much. */
const INFLATE_SLICE_BYTES = 16 * 1024;
/** More entries than this is not a splat bundle. */
const MAX_ZIP_ENTRIES = 4096;

/** The most bytes an archive or gzip stream of `inputBytes` may inflate to. */
export function inflatedByteLimit(inputBytes: number): number {
  return Math.min(MAX_INFLATED_BYTES, Math.max(MIN_INFLATE_ALLOWANCE, inputBytes * MAX_INFLATE_RATIO));
}

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08;
}

/** A local file header ("PK\3\4") or an empty archive's EOCD ("PK\5\6") at the start. */
export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

export interface InflateOptions {
  format: 'gzip' | 'deflate';
  /** Output beyond this many bytes is an error. */
  maxBytes: number;
  /** Stop (without error) once this many bytes are out; used to read a header before trusting it. */
  stopAfter?: number;
  /** For messages. */
  name: string;
}

/**
 * Inflates `input` into one array, growing it as output arrives but never past `maxBytes`. Truncated
 * or corrupt input is an error (unless `stopAfter` was reached first).
 */
export function inflateBounded(input: Uint8Array, options: InflateOptions): Uint8Array {
  const { format, maxBytes, stopAfter = Infinity, name } = options;
  let out = new Uint8Array(Math.min(maxBytes, Math.max(1024, input.length * 2), stopAfter));
  let length = 0;
  let done = false;
  const onData = (chunk: Uint8Array, final: boolean) => {
    if (length + chunk.length > maxBytes) {
      throw new Error(`${name}: ${format} data inflates to more than ${maxBytes} bytes (corrupt, or a decompression bomb)`);
    }
    if (length + chunk.length > out.length) {
      const grown = new Uint8Array(Math.min(maxBytes, Math.max(length + chunk.length, out.length * 2)));
      grown.set(out.subarray(0, length));
      out = grown;
    }
    out.set(chunk, length);
    length += chunk.length;
    if (final) done = true;
  };
  const inflater = format === 'gzip' ? new Gunzip(onData) : new Inflate(onData);
  try {
    for (let at = 0; at < input.length && !done && length < stopAfter; at += INFLATE_SLICE_BYTES) {
      const end = Math.min(input.length, at + INFLATE_SLICE_BYTES);
      inflater.push(input.subarray(at, end), end === input.length);
    }
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(`${name}:`)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${name}: corrupt or truncated ${format} data (${reason})`);
  }
  if (!done && length < stopAfter) throw new Error(`${name}: ${format} data ends early (truncated file)`);
  return out.subarray(0, Math.min(length, stopAfter));
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as ZIP and gzip use). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface ZipEntry {
  path: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_BYTES = 22;

/**
 * Opens a ZIP archive as an AssetBundle. The central directory is validated here; entries are
 * inflated when read. `maxInflated` bounds the sum of all declared entry sizes.
 */
export function openZip(bytes: Uint8Array, name: string, maxInflated = inflatedByteLimit(bytes.length)): AssetBundle {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  if (eocd < 0) throw new Error(`${name}: not a ZIP archive (no end-of-central-directory record; truncated?)`);
  const diskNumber = view.getUint16(eocd + 4, true);
  const centralDisk = view.getUint16(eocd + 6, true);
  const entriesOnDisk = view.getUint16(eocd + 8, true);
  const entryCount = view.getUint16(eocd + 10, true);
  const centralSize = view.getUint32(eocd + 12, true);
  const centralOffset = view.getUint32(eocd + 16, true);
  if (entryCount === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff) {
    throw new Error(`${name}: ZIP64 archives are not supported (a splat bundle never needs them)`);
  }
  if (diskNumber !== 0 || centralDisk !== 0 || entriesOnDisk !== entryCount) {
    throw new Error(`${name}: multi-part ZIP archives are not supported`);
  }
  if (entryCount > MAX_ZIP_ENTRIES) throw new Error(`${name}: ZIP has ${entryCount} entries (limit ${MAX_ZIP_ENTRIES})`);
  if (centralOffset + centralSize > eocd) {
    throw new Error(`${name}: ZIP central directory (${centralSize} bytes at ${centralOffset}) lies outside the file`);
  }

  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  let declaredTotal = 0;
  let at = centralOffset;
  for (let i = 0; i < entryCount; i++) {
    if (at + 46 > centralOffset + centralSize || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw new Error(`${name}: ZIP central directory entry ${i} is corrupt`);
    }
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localHeaderOffset = view.getUint32(at + 42, true);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > centralOffset + centralSize) throw new Error(`${name}: ZIP central directory entry ${i} is truncated`);
    const path = normalizePath(decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)));
    at = next;
    if (path.endsWith('/') || path === '') continue;
    if (flags & 1) throw new Error(`${name}: ZIP entry '${path}' is encrypted`);
    if (method !== 0 && method !== 8) {
      throw new Error(`${name}: ZIP entry '${path}' uses compression method ${method} (only stored and deflate are supported)`);
    }
    if (size === 0xffffffff || compressedSize === 0xffffffff) throw new Error(`${name}: ZIP64 entries are not supported ('${path}')`);
    if (method === 0 && compressedSize !== size) {
      throw new Error(`${name}: stored ZIP entry '${path}' declares ${compressedSize} bytes stored but ${size} bytes of content`);
    }
    declaredTotal += size;
    if (declaredTotal > maxInflated) {
      throw new Error(`${name}: ZIP entries declare more than ${maxInflated} bytes in total (a ${bytes.length}-byte archive; decompression bomb?)`);
    }
    if (entries.has(path)) throw new Error(`${name}: ZIP contains '${path}' twice`);
    entries.set(path, { path, method, crc, compressedSize, size, localHeaderOffset });
  }

  return {
    name,
    paths: [...entries.keys()],
    read: async (path: string) => readZipEntry(bytes, view, name, entries, path),
  };
}

function readZipEntry(bytes: Uint8Array, view: DataView, name: string, entries: Map<string, ZipEntry>, path: string): Uint8Array {
  const entry = entries.get(normalizePath(path));
  if (!entry) throw new Error(`${name}: the archive has no '${path}' (it has: ${[...entries.keys()].join(', ')})`);
  const local = entry.localHeaderOffset;
  if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL_SIGNATURE) {
    throw new Error(`${name}: local header of '${entry.path}' is missing or corrupt`);
  }
  const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > bytes.length) throw new Error(`${name}: data of '${entry.path}' runs past the end of the file (truncated archive)`);
  const stored = bytes.subarray(dataStart, dataEnd);
  const content =
    entry.method === 0 ? stored : inflateBounded(stored, { format: 'deflate', maxBytes: entry.size, name: `${name}/${entry.path}` });
  if (content.length !== entry.size) {
    throw new Error(`${name}: '${entry.path}' inflates to ${content.length} bytes but declares ${entry.size}`);
  }
  if (crc32(content) !== entry.crc) throw new Error(`${name}: '${entry.path}' fails its CRC-32 check (corrupt archive)`);
  return content;
}

/** The EOCD offset: the last signature whose comment length reaches exactly to the end of the file. */
function findEndOfCentralDirectory(view: DataView): number {
  const last = view.byteLength - EOCD_BYTES;
  for (let at = last; at >= 0 && at >= last - 0xffff; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE && at + EOCD_BYTES + view.getUint16(at + 20, true) === view.byteLength) {
      return at;
    }
  }
  return -1;
}

/** Forward slashes, no leading './' or '/'. */
export function normalizePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/|\/)+/, '');
}
