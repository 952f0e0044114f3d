/**
 * INRIA 3DGS binary little-endian .ply → SplatCloud, decoded record by record as chunks arrive.
 *
 * Layout (../shared/docs/splat-formats.md §1; graphdeco-inria gaussian-splatting save_ply), found by
 * property name so extra properties (normals, `transform`, ...) and any order work:
 *   x y z | f_dc_0..2 | f_rest_0..{0,9,24,45}-1 | opacity (logit) | scale_0..2 (log) | rot_0..3 (w,x,y,z)
 * f_rest is channel-major: f_rest_{c·(K−1) + k−1} is channel c of coefficient k ≥ 1, K = (degree+1)².
 * Activations: opacity = sigmoid, scale = exp, quaternion normalised (zero → identity, with a warning).
 */
import { elementDataAfter, elementDataOffset, findElement, findProperty, requireProperties, scalarReader, type PlyElement, type PlyHeader, type ScalarReader } from '../../formats/ply';
import type { ChunkReader } from '../../formats/stream';
import type { AssetSource } from '../types';
import { SplatCloudBuilder } from './cloudBuilder';
import { sigmoid } from './projection';
import type { ShDegree, SplatCloud } from './splatCloud';

/** f_rest property count → SH degree. */
const DEGREE_BY_REST_COUNT = new Map<number, ShDegree>([
  [0, 0],
  [9, 1],
  [24, 2],
  [45, 3],
]);

interface Field {
  offset: number;
  read: ScalarReader;
}

interface InriaLayout {
  shDegree: ShDegree;
  position: Field[];
  dc: Field[];
  rest: Field[];
  /** builder.sh slot of each f_rest_j. */
  restSlot: Int32Array;
  opacity: Field;
  scale: Field[];
  rotation: Field[];
}

/** Which properties an INRIA PLY vertex element needs, read by name; errors name what is missing or unusable. */
function inriaLayout(vertex: PlyElement, name: string): InriaLayout {
  const field = (prop: string): Field => {
    const p = findProperty(vertex, prop)!;
    if (p.type !== 'float32' && p.type !== 'float64') {
      throw new Error(`${name}: PLY property '${prop}' is ${p.type}; INRIA 3DGS properties must be float or double`);
    }
    return { offset: p.offset, read: scalarReader(p.type) };
  };
  const required = ['x', 'y', 'z', 'f_dc_0', 'f_dc_1', 'f_dc_2', 'opacity', 'scale_0', 'scale_1', 'scale_2', 'rot_0', 'rot_1', 'rot_2', 'rot_3'];
  requireProperties(vertex, required, name);
  const restIndices = vertex.properties
    .map((p) => /^f_rest_(\d+)$/.exec(p.name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const shDegree = DEGREE_BY_REST_COUNT.get(restIndices.length);
  if (shDegree === undefined) {
    throw new Error(`${name}: ${restIndices.length} f_rest_* properties; expected 0, 9, 24 or 45 (SH degree 0 to 3)`);
  }
  const gap = restIndices.findIndex((n, i) => n !== i);
  if (gap >= 0) throw new Error(`${name}: f_rest_* properties must be numbered 0..${restIndices.length - 1}; f_rest_${gap} is missing`);
  const perChannel = (shDegree + 1) ** 2 - 1;
  const restSlot = new Int32Array(restIndices.length);
  for (let j = 0; j < restIndices.length; j++) {
    const channel = Math.floor(j / perChannel);
    const k = 1 + (j % perChannel);
    restSlot[j] = k * 3 + channel;
  }
  return {
    shDegree,
    position: ['x', 'y', 'z'].map(field),
    dc: ['f_dc_0', 'f_dc_1', 'f_dc_2'].map(field),
    rest: restIndices.map((j) => field(`f_rest_${j}`)),
    restSlot,
    opacity: field('opacity'),
    scale: ['scale_0', 'scale_1', 'scale_2'].map(field),
    rotation: ['rot_0', 'rot_1', 'rot_2', 'rot_3'].map(field),
  };
}

/**
 * Decodes the vertex element of an INRIA PLY whose header `readPlyHeader` has consumed from `reader`.
 * Elements before `vertex` are skipped by size; elements after it only take part in the size check.
 */
export async function decodeInriaPly(reader: ChunkReader, header: PlyHeader, file: Pick<AssetSource, 'name' | 'size'>): Promise<SplatCloud> {
  const { name } = file;
  const vertex = findElement(header, 'vertex');
  if (!vertex) {
    throw new Error(`${name}: PLY has no 'vertex' element (it has ${header.elements.map((e) => `'${e.name}'`).join(', ') || 'none'})`);
  }
  const stride = vertex.stride;
  if (stride === null) throw new Error(`${name}: the PLY vertex element has list properties; 3DGS splats are fixed-size records`);
  const layout = inriaLayout(vertex, name);
  const dataStart = header.byteLength + elementDataOffset(header, 'vertex', name);
  const vertexBytes = vertex.count * stride;
  const truncated = (got: number) =>
    new Error(
      `${name} is truncated: the header announces ${vertex.count} splats × ${stride} B, so the file needs ` +
        `${dataStart + vertexBytes} bytes, but it has ${got}`,
    );
  if (file.size !== undefined && file.size < dataStart + vertexBytes) throw truncated(file.size);
  const skip = dataStart - header.byteLength;
  const skipped = await reader.skip(skip);
  if (skipped < skip) throw truncated(header.byteLength + skipped);

  const builder = new SplatCloudBuilder(layout.shDegree, vertex.count, file.size !== undefined);
  const { position, dc, rest, restSlot, opacity, scale, rotation } = layout;
  const decodeBlock = (bytes: Uint8Array, records: number): void => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let r = 0, base = 0; r < records; r++, base += stride) {
      for (let c = 0; c < 3; c++) {
        builder.position[c] = position[c]!.read(view, base + position[c]!.offset);
        builder.sh[c] = dc[c]!.read(view, base + dc[c]!.offset);
        builder.scale[c] = Math.exp(scale[c]!.read(view, base + scale[c]!.offset));
      }
      for (let j = 0; j < rest.length; j++) builder.sh[restSlot[j]!] = rest[j]!.read(view, base + rest[j]!.offset);
      builder.opacity = sigmoid(opacity.read(view, base + opacity.offset));
      for (let c = 0; c < 4; c++) builder.rotation[c] = rotation[c]!.read(view, base + rotation[c]!.offset);
      builder.commit();
    }
  };
  const { records, partialBytes } = await reader.readRecords(stride, vertex.count, decodeBlock);
  if (records < vertex.count) throw truncated(dataStart + records * stride + partialBytes);

  const cloud = builder.finish(name);
  const declaredAfter = elementDataAfter(header, 'vertex');
  if (declaredAfter !== null) {
    const extra = (await reader.drain()) - declaredAfter;
    if (extra >= stride) {
      throw new Error(
        `${name} has ${extra} bytes after its declared data, room for ${Math.floor(extra / stride)} more splats: ` +
          `the header's count (element vertex ${vertex.count}) is wrong`,
      );
    }
    if (extra > 0) cloud.warnings.push(`${name}: ignored ${extra} trailing bytes after the PLY data`);
  }
  return cloud;
}
