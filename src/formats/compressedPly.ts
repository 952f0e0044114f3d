/**
 * SuperSplat / PlayCanvas compressed .ply → SplatCloud (../shared/docs/splat-formats.md §5;
 * splat-transform decompress-ply.ts), read from a stream after `readPlyHeader`.
 *
 * Elements (binary little-endian PLY, found by name):
 * - `chunk`, ceil(N / 256) records of float32: min_x min_y min_z max_x max_y max_z, min_scale_x..z,
 *   max_scale_x..z, optionally min_r min_g min_b max_r max_g max_b. Chunk c covers splats 256c..256c+255.
 * - `vertex`, N records of uint32:
 *   | property        | bits                                   | decoding                                   |
 *   |-----------------|----------------------------------------|--------------------------------------------|
 *   | packed_position | x 31–21, y 20–11, z 10–0 (11/10/11)    | unorm, lerp(chunk min, max)                |
 *   | packed_rotation | 31–30 largest index, a 29–20, b 19–10, c 9–0 | (v/1023 − 0.5)·√2 each; largest = √(1 − a² − b² − c²), in (w,x,y,z) order |
 *   | packed_scale    | 11/10/11 as position                   | log-scale, lerp(chunk min_scale, max_scale) |
 *   | packed_color    | R 31–24, G 23–16, B 15–8, A 7–0        | RGB: SH_C0·f_dc + 0.5 (lerped in the chunk colour range if present); A: opacity |
 * - `sh` (optional), N records of uchar f_rest_0..{8|23|44} in INRIA channel-major order:
 *   n = 0 if q = 0, 1 if q = 255, else (q + 0.5)/256; f_rest = (n − 0.5)·8.
 */
import { SplatCloudBuilder } from '../methods/gaussians3d/cloudBuilder';
import { SH_C0, type ShDegree, type SplatCloud } from '../methods/gaussians3d/splatCloud';
import type { AssetSource } from '../methods/types';
import { representableOpacity, scaleFromLog, canonicalQuaternion } from './inriaValues';
import { findElement, findProperty, requireProperties, type PlyElement, type PlyHeader } from './ply';
import { concatBytes, type ChunkReader } from './stream';

const CHUNK_SPLATS = 256;
const CHUNK_PROPERTIES = [
  'min_x', 'min_y', 'min_z', 'max_x', 'max_y', 'max_z',
  'min_scale_x', 'min_scale_y', 'min_scale_z', 'max_scale_x', 'max_scale_y', 'max_scale_z',
];
const CHUNK_COLOR_PROPERTIES = ['min_r', 'min_g', 'min_b', 'max_r', 'max_g', 'max_b'];
const VERTEX_PROPERTIES = ['packed_position', 'packed_rotation', 'packed_scale', 'packed_color'];
const DEGREE_BY_SH_COUNT = new Map<number, ShDegree>([
  [9, 1],
  [24, 2],
  [45, 3],
]);

/** True for the header of a compressed PLY: a `chunk` element and a vertex element with packed_position. */
export function isCompressedPlyHeader(header: PlyHeader): boolean {
  const vertex = findElement(header, 'vertex');
  return findElement(header, 'chunk') !== undefined && vertex !== undefined && findProperty(vertex, 'packed_position') !== undefined;
}

/** The element's property offsets, all of `type`; errors name the first property of another type. */
function offsets(element: PlyElement, names: readonly string[], type: string, fileName: string): number[] {
  return requireProperties(element, names, fileName).map((p) => {
    if (p.type !== type) throw new Error(`${fileName}: compressed PLY property ${element.name}.${p.name} is ${p.type}, expected ${type}`);
    return p.offset;
  });
}

/** Reads one whole element's records (as they arrive, so a lying count cannot make us allocate). */
async function readElement(reader: ChunkReader, element: PlyElement, stride: number, fileName: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const { records } = await reader.readRecords(stride, element.count, (bytes) => parts.push(bytes.slice()));
  if (records < element.count) {
    throw new Error(`${fileName} is truncated: PLY element '${element.name}' announces ${element.count} records, the file holds ${records}`);
  }
  return concatBytes(parts);
}

/** Decodes the body of a compressed PLY whose header `readPlyHeader` has consumed from `reader`. */
export async function decodeCompressedPly(reader: ChunkReader, header: PlyHeader, file: Pick<AssetSource, 'name' | 'size'>): Promise<SplatCloud> {
  const { name } = file;
  const chunk = findElement(header, 'chunk')!;
  const vertex = findElement(header, 'vertex')!;
  const sh = findElement(header, 'sh');
  const count = vertex.count;
  if (count === 0) throw new Error(`${name} contains no splats`);
  if (chunk.count !== Math.ceil(count / CHUNK_SPLATS)) {
    throw new Error(`${name}: compressed PLY has ${chunk.count} chunks for ${count} splats; it needs ceil(${count}/${CHUNK_SPLATS}) = ${Math.ceil(count / CHUNK_SPLATS)}`);
  }
  const chunkOffsets = offsets(chunk, CHUNK_PROPERTIES, 'float32', name);
  const hasChunkColor = findProperty(chunk, 'min_r') !== undefined;
  const colorOffsets = hasChunkColor ? offsets(chunk, CHUNK_COLOR_PROPERTIES, 'float32', name) : [];
  const [positionAt, rotationAt, scaleAt, colorAt] = offsets(vertex, VERTEX_PROPERTIES, 'uint32', name) as [number, number, number, number];
  let shDegree: ShDegree = 0;
  let shOffsets: number[] = [];
  if (sh) {
    const degree = DEGREE_BY_SH_COUNT.get(sh.properties.length);
    if (degree === undefined) throw new Error(`${name}: compressed PLY 'sh' element has ${sh.properties.length} properties; expected 9, 24 or 45`);
    if (sh.count !== count) throw new Error(`${name}: compressed PLY has ${sh.count} SH records for ${count} splats`);
    shDegree = degree;
    shOffsets = offsets(sh, Array.from({ length: sh.properties.length }, (_, j) => `f_rest_${j}`), 'uint8', name);
  }
  let bodyBytes = 0;
  for (const element of header.elements) {
    if (element.stride === null) throw new Error(`${name}: PLY element '${element.name}' has list properties; a compressed PLY has none`);
    bodyBytes += element.count * element.stride;
  }
  if (file.size !== undefined && file.size < header.byteLength + bodyBytes) {
    throw new Error(`${name} is truncated: its header announces ${header.byteLength + bodyBytes} bytes, the file has ${file.size}`);
  }

  const data = new Map<string, Uint8Array>();
  for (const element of header.elements) {
    if (element === chunk || element === vertex || element === sh) {
      data.set(element.name, await readElement(reader, element, element.stride!, name));
    } else {
      const skip = element.count * element.stride!;
      if ((await reader.skip(skip)) < skip) throw new Error(`${name} is truncated inside PLY element '${element.name}'`);
    }
  }
  const chunkView = new DataView(data.get('chunk')!.buffer);
  const vertexView = new DataView(data.get('vertex')!.buffer);
  const shBytes = sh ? data.get('sh')! : undefined;

  const builder = new SplatCloudBuilder(shDegree, count, true);
  const perChannel = (shDegree + 1) ** 2 - 1;
  const chunkValues = new Float64Array(18);
  const lerp = (min: number, max: number, t: number) => min * (1 - t) + max * t;
  for (let i = 0; i < count; i++) {
    if (i % CHUNK_SPLATS === 0) {
      const base = (i / CHUNK_SPLATS) * chunk.stride!;
      chunkOffsets.forEach((at, j) => (chunkValues[j] = chunkView.getFloat32(base + at, true)));
      colorOffsets.forEach((at, j) => (chunkValues[12 + j] = chunkView.getFloat32(base + at, true)));
    }
    const record = i * vertex.stride!;
    const position = vertexView.getUint32(record + positionAt, true);
    const scale = vertexView.getUint32(record + scaleAt, true);
    const color = vertexView.getUint32(record + colorAt, true);
    const unorm111011 = (v: number, axis: number) => (axis === 1 ? ((v >>> 11) & 0x3ff) / 1023 : ((v >>> (axis === 0 ? 21 : 0)) & 0x7ff) / 2047);
    for (let a = 0; a < 3; a++) {
      builder.position[a] = lerp(chunkValues[a]!, chunkValues[3 + a]!, unorm111011(position, a));
      builder.scale[a] = scaleFromLog(lerp(chunkValues[6 + a]!, chunkValues[9 + a]!, unorm111011(scale, a)));
      const t = ((color >>> (24 - 8 * a)) & 0xff) / 255;
      builder.sh[a] = ((hasChunkColor ? lerp(chunkValues[12 + a]!, chunkValues[15 + a]!, t) : t) - 0.5) / SH_C0;
    }
    builder.opacity = representableOpacity((color & 0xff) / 255);
    unpackRotation(vertexView.getUint32(record + rotationAt, true), builder.rotation);
    if (shBytes) {
      for (let j = 0; j < shOffsets.length; j++) {
        const q = shBytes[i * sh!.stride! + shOffsets[j]!]!;
        const n = q === 0 ? 0 : q === 255 ? 1 : (q + 0.5) / 256;
        builder.sh[(1 + (j % perChannel)) * 3 + Math.floor(j / perChannel)] = (n - 0.5) * 8;
      }
    }
    canonicalQuaternion(builder.rotation);
    builder.commit();
  }
  return builder.finish(name);
}

/** Smallest-three quaternion: bits 31–30 index (w,x,y,z order) of the largest, then 3 × 10 bits. */
function unpackRotation(packed: number, out: Float64Array): void {
  const largest = packed >>> 30;
  let sum = 0;
  for (let c = 0, shift = 20; c < 4; c++) {
    if (c === largest) continue;
    out[c] = (((packed >>> shift) & 0x3ff) / 1023 - 0.5) * Math.SQRT2;
    sum += out[c]! * out[c]!;
    shift -= 10;
  }
  out[largest] = Math.sqrt(Math.max(0, 1 - sum));
}
