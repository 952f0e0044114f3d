/**
 * Binary PLY containers: the header read from a stream (with a size limit, so a file without
 * `end_header` fails instead of being buffered whole), element and property layout with byte
 * offsets, lookup by property name, and little-endian scalar readers. Format-specific loaders (INRIA
 * 3DGS, SuperSplat compressed) build on this; ASCII and big-endian bodies are refused here.
 *
 * Header grammar (Paul Bourke's PLY description): `ply`, `format <ascii|binary_little_endian|
 * binary_big_endian> 1.0`, then `comment`/`obj_info` lines, `element <name> <count>` each followed by
 * `property <type> <name>` or `property list <count type> <item type> <name>`, then `end_header`.
 */
import { ChunkReader } from './stream';

export type PlyScalarType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

/** Header type names (both the classic and the sized spellings) to their scalar type. */
const TYPE_NAMES: Record<string, PlyScalarType> = {
  char: 'int8',
  int8: 'int8',
  uchar: 'uint8',
  uint8: 'uint8',
  short: 'int16',
  int16: 'int16',
  ushort: 'uint16',
  uint16: 'uint16',
  int: 'int32',
  int32: 'int32',
  uint: 'uint32',
  uint32: 'uint32',
  float: 'float32',
  float32: 'float32',
  double: 'float64',
  float64: 'float64',
};

export const PLY_TYPE_BYTES: Record<PlyScalarType, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

export interface PlyProperty {
  name: string;
  type: PlyScalarType;
  /** Byte offset inside the element's record; -1 after a list property (records vary in size). */
  offset: number;
  /** Present for `property list`: the type of the leading count; `type` is then the item type. */
  listCountType?: PlyScalarType;
}

export interface PlyElement {
  name: string;
  count: number;
  properties: PlyProperty[];
  /** Bytes per record, or null when the element has list properties. */
  stride: number | null;
}

export type PlyFormat = 'ascii' | 'binary_little_endian' | 'binary_big_endian';

export interface PlyHeader {
  format: PlyFormat;
  elements: PlyElement[];
  comments: string[];
  /** Bytes from the start of the file to the first data byte (after `end_header` and its newline). */
  byteLength: number;
}

/** Longest header we buffer while looking for `end_header`. */
export const MAX_PLY_HEADER_BYTES = 64 * 1024;
/** Element counts at or above this are refused (no typed array could hold them anyway). */
export const MAX_PLY_ELEMENT_COUNT = 2 ** 31;

/** True when `head` starts with the `ply` magic line. */
export function isPlyMagic(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x70 && head[1] === 0x6c && head[2] === 0x79 && (head[3] === 0x0a || head[3] === 0x0d);
}

/**
 * Reads the header from `reader` and pushes the bytes after it back, so the next read starts at the
 * first data byte. Only binary little-endian bodies are accepted; `name` goes into error messages.
 */
export async function readPlyHeader(reader: ChunkReader, name: string, maxBytes = MAX_PLY_HEADER_BYTES): Promise<PlyHeader> {
  const chunks: Uint8Array[] = [];
  let text = '';
  let end = -1;
  while (end < 0) {
    const chunk = await reader.next();
    if (!chunk) {
      throw new Error(`${name}: PLY header has no end_header (the file ends after ${text.length} bytes)`);
    }
    chunks.push(chunk);
    const searchFrom = Math.max(0, text.length - 'end_header\r\n'.length);
    text += latin1(chunk.subarray(0, Math.max(0, maxBytes + 2 - text.length)));
    end = findHeaderEnd(text, searchFrom);
    if (end < 0 && text.length > maxBytes) {
      throw new Error(`${name}: no PLY end_header within the first ${maxBytes} bytes (corrupt or not a PLY file)`);
    }
  }
  // Push back everything after the header, which may span several chunks.
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    if (offset + chunk.byteLength > end) {
      reader.unshift(chunk.subarray(end - offset), ...chunks.slice(i + 1));
      break;
    }
    offset += chunk.byteLength;
  }
  const header = parsePlyHeader(text.slice(0, end), name);
  if (header.format === 'ascii') {
    throw new Error(`${name}: ASCII PLY is not supported; re-export it as binary_little_endian (e.g. with plyfile or CloudCompare)`);
  }
  if (header.format === 'binary_big_endian') {
    throw new Error(`${name}: big-endian PLY is not supported; re-export it as binary_little_endian`);
  }
  return header;
}

/** Index just past the newline of the `end_header` line, or -1 if it is not (completely) in `text` yet. */
function findHeaderEnd(text: string, from: number): number {
  for (let at = text.indexOf('end_header', from); at >= 0; at = text.indexOf('end_header', at + 1)) {
    if (at > 0 && text[at - 1] !== '\n') continue;
    const after = at + 'end_header'.length;
    if (text[after] === '\n') return after + 1;
    if (text[after] === '\r' && text[after + 1] === '\n') return after + 2;
  }
  return -1;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  // Bounded slices keep String.fromCharCode's argument count small.
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

/** Parses header text (from `ply` through the `end_header` line). */
export function parsePlyHeader(text: string, name = 'PLY'): PlyHeader {
  const lines = text.split(/\r?\n/);
  if (lines[0] !== 'ply') throw new Error(`${name}: not a PLY file (it does not start with the line "ply")`);
  let format: PlyFormat | null = null;
  const elements: PlyElement[] = [];
  const comments: string[] = [];
  let ended = false;
  for (let n = 1; n < lines.length && !ended; n++) {
    const line = lines[n]!.trim();
    const where = `${name}: PLY header line ${n + 1} ("${line.slice(0, 80)}")`;
    const words = line.split(/\s+/);
    switch (words[0]) {
      case '':
        break;
      case 'format':
        if (words[1] !== 'ascii' && words[1] !== 'binary_little_endian' && words[1] !== 'binary_big_endian') {
          throw new Error(`${where}: unknown format`);
        }
        format = words[1];
        break;
      case 'comment':
      case 'obj_info':
        comments.push(line.slice(words[0].length).trim());
        break;
      case 'element': {
        if (words.length !== 3 || !/^\d+$/.test(words[2]!)) throw new Error(`${where}: expected "element <name> <count>"`);
        const count = Number(words[2]);
        if (count >= MAX_PLY_ELEMENT_COUNT) throw new Error(`${where}: element count ${words[2]} is absurd (limit 2^31)`);
        elements.push({ name: words[1]!, count, properties: [], stride: 0 });
        break;
      }
      case 'property': {
        const element = elements.at(-1);
        if (!element) throw new Error(`${where}: property before any element`);
        const isList = words[1] === 'list';
        if (words.length !== (isList ? 5 : 3)) {
          throw new Error(`${where}: expected "property <type> <name>" or "property list <count type> <item type> <name>"`);
        }
        const propName = words.at(-1)!;
        if (element.properties.some((p) => p.name === propName)) {
          throw new Error(`${where}: element '${element.name}' has property '${propName}' twice`);
        }
        const type = scalarType(isList ? words[3]! : words[1]!, where);
        if (isList) {
          element.properties.push({ name: propName, type, offset: -1, listCountType: scalarType(words[2]!, where) });
          element.stride = null;
        } else {
          element.properties.push({ name: propName, type, offset: element.stride ?? -1 });
          if (element.stride !== null) element.stride += PLY_TYPE_BYTES[type];
        }
        break;
      }
      case 'end_header':
        ended = true;
        break;
      default:
        throw new Error(`${where}: unknown header keyword '${words[0]}'`);
    }
  }
  if (!ended) throw new Error(`${name}: PLY header has no end_header`);
  if (!format) throw new Error(`${name}: PLY header has no format line`);
  return { format, elements, comments, byteLength: text.length };
}

function scalarType(word: string, where: string): PlyScalarType {
  const type = TYPE_NAMES[word];
  if (!type) throw new Error(`${where}: unknown property type '${word}' (known: ${Object.keys(TYPE_NAMES).join(', ')})`);
  return type;
}

export function findElement(header: PlyHeader, name: string): PlyElement | undefined {
  return header.elements.find((e) => e.name === name);
}

export function findProperty(element: PlyElement, name: string): PlyProperty | undefined {
  return element.properties.find((p) => p.name === name);
}

/** The properties named `names`, in that order; the error names every missing one. */
export function requireProperties(element: PlyElement, names: readonly string[], fileName: string): PlyProperty[] {
  const found = names.map((n) => findProperty(element, n));
  const missing = names.filter((_, i) => !found[i]);
  if (missing.length) {
    throw new Error(`${fileName}: PLY element '${element.name}' is missing the properties ${missing.join(', ')}`);
  }
  return found as PlyProperty[];
}

/** Bytes of all element data stored before element `name` (their records must be fixed-size). */
export function elementDataOffset(header: PlyHeader, name: string, fileName: string): number {
  let offset = 0;
  for (const element of header.elements) {
    if (element.name === name) return offset;
    if (element.stride === null) {
      throw new Error(`${fileName}: PLY element '${element.name}' has list properties and comes before '${name}', so it cannot be skipped`);
    }
    offset += element.count * element.stride;
  }
  throw new Error(`${fileName}: PLY has no element '${name}'`);
}

/** Bytes of all element data after element `name`, or null if any of it varies in size. */
export function elementDataAfter(header: PlyHeader, name: string): number | null {
  const index = header.elements.findIndex((e) => e.name === name);
  let bytes = 0;
  for (const element of header.elements.slice(index + 1)) {
    if (element.stride === null) return null;
    bytes += element.count * element.stride;
  }
  return bytes;
}

export type ScalarReader = (view: DataView, offset: number) => number;

const READERS: Record<PlyScalarType, ScalarReader> = {
  int8: (v, o) => v.getInt8(o),
  uint8: (v, o) => v.getUint8(o),
  int16: (v, o) => v.getInt16(o, true),
  uint16: (v, o) => v.getUint16(o, true),
  int32: (v, o) => v.getInt32(o, true),
  uint32: (v, o) => v.getUint32(o, true),
  float32: (v, o) => v.getFloat32(o, true),
  float64: (v, o) => v.getFloat64(o, true),
};

/** A little-endian reader for one scalar type. */
export function scalarReader(type: PlyScalarType): ScalarReader {
  return READERS[type];
}
