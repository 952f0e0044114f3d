/**
 * nerve's 4D Gaussian .ply (our own layout: the 4DGS code saves no PLY, only checkpoints; see
 * tools/convert4dgs.py for the converter from a fudan-zvg/4d-gaussian-splatting checkpoint).
 * A binary little-endian PLY, one `vertex` element, float (or double) properties found by name:
 *
 * | property                  | meaning                                                               |
 * |---------------------------|-----------------------------------------------------------------------|
 * | x y z                     | spatial mean μ_xyz                                                    |
 * | t                         | temporal mean μ_t (the time unit of time_duration)                    |
 * | f_dc_0..2                 | SH coefficient 0, R G B                                               |
 * | f_rest_0..R−1             | the other M − 1 coefficients per channel, channel-major:               |
 * |                           |   f_rest_{c·(M−1) + m − 1} = channel c of coefficient m (as INRIA)     |
 * | opacity                   | logit (sigmoid on load)                                               |
 * | scale_0..2, scale_t       | log σx, σy, σz, σt (exp on load)                                      |
 * | rot_0..3 and rot_r_0..3   | left and right isoclinic quaternions q_l, q_r, each (w, x, y, z), raw  |
 * | — or rotor_0..7           | 4D-Rotor GS rotor (s, b_xy, b_xz, b_yz, b_xw, b_yw, b_zw, b_xyzw), raw  |
 *
 * 4D SH: coefficient m = 16·j + k is spatial term k of temporal order j (sh4d.ts), so
 * M = (degree + 1)²·(degreeT + 1) and R = 3(M − 1) tells the degrees apart:
 *   R = 0, 9, 24, 45 → plain SH of degree 0-3 ; R = 93, 141 → spatial degree 3 with temporal degree 1, 2.
 * A header line `comment time_duration <t0> <t1>` gives the training time span (its length is the
 * period T of the temporal SH, and the viewer's timeline runs over it); without it [0, 1] is assumed.
 */
import { elementDataAfter, elementDataOffset, findElement, findProperty, isPlyMagic, readPlyHeader, requireProperties, scalarReader, type PlyElement, type PlyHeader, type ScalarReader } from '../../formats/ply';
import { ChunkReader, streamFromBytes } from '../../formats/stream';
import { sigmoid } from '../gaussians3d/projection';
import type { ShDegree } from '../gaussians3d/splatCloud';
import type { AssetSource } from '../types';
import type { Gaussian4dCloud, Rotation4dKind } from './cloud4d';
import { Gaussian4dCloudBuilder } from './cloudBuilder4d';
import type { TemporalShDegree } from './sh4d';

/** f_rest property count → (spatial, temporal) SH degree. */
const DEGREES_BY_REST_COUNT = new Map<number, [ShDegree, TemporalShDegree]>([
  [0, [0, 0]],
  [9, [1, 0]],
  [24, [2, 0]],
  [45, [3, 0]],
  [93, [3, 1]],
  [141, [3, 2]],
]);

export const ISOCLINIC_PROPERTIES = ['rot_0', 'rot_1', 'rot_2', 'rot_3', 'rot_r_0', 'rot_r_1', 'rot_r_2', 'rot_r_3'] as const;
export const ROTOR_PROPERTIES = ['rotor_0', 'rotor_1', 'rotor_2', 'rotor_3', 'rotor_4', 'rotor_5', 'rotor_6', 'rotor_7'] as const;
export const TIME_DURATION_COMMENT = 'time_duration';
export const DEFAULT_TIME_DURATION: [number, number] = [0, 1];

/** True when a PLY header (the first bytes of the file, as text) declares the 4D properties `t` and `scale_t`. */
export function isPly4dHead(head: Uint8Array): boolean {
  if (!isPlyMagic(head)) return false;
  const text = new TextDecoder('latin1').decode(head);
  const end = text.indexOf('end_header');
  const header = end >= 0 ? text.slice(0, end) : text;
  return /\nproperty (float|double|float32|float64) t\r?\n/.test(header) && /\nproperty (float|double|float32|float64) scale_t\r?\n/.test(header);
}

interface Field {
  offset: number;
  read: ScalarReader;
}

interface Ply4dLayout {
  shDegree: ShDegree;
  shDegreeT: TemporalShDegree;
  rotationKind: Rotation4dKind;
  position: Field[];
  dc: Field[];
  rest: Field[];
  restSlot: Int32Array;
  opacity: Field;
  scale: Field[];
  rotation: Field[];
}

function ply4dLayout(vertex: PlyElement, name: string): Ply4dLayout {
  const field = (prop: string): Field => {
    const p = findProperty(vertex, prop)!;
    if (p.type !== 'float32' && p.type !== 'float64') throw new Error(`${name}: PLY property '${prop}' is ${p.type}; 4D Gaussian properties must be float or double`);
    return { offset: p.offset, read: scalarReader(p.type) };
  };
  requireProperties(vertex, ['x', 'y', 'z', 't', 'f_dc_0', 'f_dc_1', 'f_dc_2', 'opacity', 'scale_0', 'scale_1', 'scale_2', 'scale_t'], name);
  const hasIsoclinic = ISOCLINIC_PROPERTIES.some((p) => findProperty(vertex, p));
  const hasRotor = ROTOR_PROPERTIES.some((p) => findProperty(vertex, p));
  if (hasIsoclinic && hasRotor) throw new Error(`${name}: a 4D PLY has either rot_0..3 + rot_r_0..3 (quaternion pair) or rotor_0..7, not both`);
  if (!hasIsoclinic && !hasRotor) throw new Error(`${name}: no 4D rotation: expected rot_0..3 + rot_r_0..3 (quaternion pair) or rotor_0..7`);
  const rotationKind: Rotation4dKind = hasRotor ? 'rotor' : 'isoclinic';
  const rotationNames = hasRotor ? ROTOR_PROPERTIES : ISOCLINIC_PROPERTIES;
  requireProperties(vertex, rotationNames, name);

  const restIndices = vertex.properties
    .map((p) => /^f_rest_(\d+)$/.exec(p.name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const degrees = DEGREES_BY_REST_COUNT.get(restIndices.length);
  if (!degrees) {
    throw new Error(
      `${name}: ${restIndices.length} f_rest_* properties; expected ${[...DEGREES_BY_REST_COUNT.keys()].join(', ')} ` +
        '(SH degree 0-3, or degree 3 with temporal degree 1 or 2)',
    );
  }
  const gap = restIndices.findIndex((n, i) => n !== i);
  if (gap >= 0) throw new Error(`${name}: f_rest_* properties must be numbered 0..${restIndices.length - 1}; f_rest_${gap} is missing`);
  const [shDegree, shDegreeT] = degrees;
  const perChannel = (shDegree + 1) ** 2 * (shDegreeT + 1) - 1;
  const restSlot = new Int32Array(restIndices.length);
  for (let j = 0; j < restIndices.length; j++) restSlot[j] = (1 + (j % perChannel)) * 3 + Math.floor(j / perChannel);
  return {
    shDegree,
    shDegreeT,
    rotationKind,
    position: ['x', 'y', 'z', 't'].map(field),
    dc: ['f_dc_0', 'f_dc_1', 'f_dc_2'].map(field),
    rest: restIndices.map((j) => field(`f_rest_${j}`)),
    restSlot,
    opacity: field('opacity'),
    scale: ['scale_0', 'scale_1', 'scale_2', 'scale_t'].map(field),
    rotation: rotationNames.map(field),
  };
}

/** The `comment time_duration t0 t1` line, if any; a malformed one is an error, a missing one a warning. */
function timeDuration(header: PlyHeader, name: string, warnings: string[]): [number, number] {
  const line = header.comments.find((c) => c.split(/\s+/)[0] === TIME_DURATION_COMMENT);
  if (line === undefined) {
    warnings.push(`${name}: no "comment ${TIME_DURATION_COMMENT} t0 t1" in the header; assuming the time span [0, 1]`);
    return [...DEFAULT_TIME_DURATION];
  }
  const words = line.split(/\s+/);
  const t0 = Number(words[1]);
  const t1 = Number(words[2]);
  if (words.length !== 3 || !Number.isFinite(t0) || !Number.isFinite(t1) || !(t1 > t0)) {
    throw new Error(`${name}: header "comment ${line}" must be "${TIME_DURATION_COMMENT} t0 t1" with finite t0 < t1`);
  }
  return [t0, t1];
}

/** Decodes the vertex element of a 4D PLY whose header `readPlyHeader` has consumed from `reader`. */
export async function decodePly4d(reader: ChunkReader, header: PlyHeader, file: Pick<AssetSource, 'name' | 'size'>): Promise<Gaussian4dCloud> {
  const { name } = file;
  const vertex = findElement(header, 'vertex');
  if (!vertex) throw new Error(`${name}: PLY has no 'vertex' element (it has ${header.elements.map((e) => `'${e.name}'`).join(', ') || 'none'})`);
  const stride = vertex.stride;
  if (stride === null) throw new Error(`${name}: the PLY vertex element has list properties; 4D splats are fixed-size records`);
  const layout = ply4dLayout(vertex, name);
  const warnings: string[] = [];
  const duration = timeDuration(header, name, warnings);
  const dataStart = header.byteLength + elementDataOffset(header, 'vertex', name);
  const truncated = (got: number) =>
    new Error(`${name} is truncated: the header announces ${vertex.count} splats × ${stride} B, so the file needs ${dataStart + vertex.count * stride} bytes, but it has ${got}`);
  if (file.size !== undefined && file.size < dataStart + vertex.count * stride) throw truncated(file.size);
  const skip = dataStart - header.byteLength;
  if ((await reader.skip(skip)) < skip) throw truncated(header.byteLength);

  const builder = new Gaussian4dCloudBuilder(layout.shDegree, layout.shDegreeT, layout.rotationKind, duration, vertex.count, file.size !== undefined);
  const { position, dc, rest, restSlot, opacity, scale, rotation } = layout;
  const decodeBlock = (bytes: Uint8Array, records: number): void => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let r = 0, base = 0; r < records; r++, base += stride) {
      for (let c = 0; c < 4; c++) {
        builder.position[c] = position[c]!.read(view, base + position[c]!.offset);
        builder.scale[c] = Math.exp(scale[c]!.read(view, base + scale[c]!.offset));
      }
      for (let c = 0; c < 3; c++) builder.sh[c] = dc[c]!.read(view, base + dc[c]!.offset);
      for (let j = 0; j < rest.length; j++) builder.sh[restSlot[j]!] = rest[j]!.read(view, base + rest[j]!.offset);
      builder.opacity = sigmoid(opacity.read(view, base + opacity.offset));
      for (let c = 0; c < 8; c++) builder.rotation[c] = rotation[c]!.read(view, base + rotation[c]!.offset);
      builder.commit();
    }
  };
  const { records, partialBytes } = await reader.readRecords(stride, vertex.count, decodeBlock);
  if (records < vertex.count) throw truncated(dataStart + records * stride + partialBytes);

  const cloud = builder.finish(name);
  cloud.warnings.unshift(...warnings);
  const declaredAfter = elementDataAfter(header, 'vertex');
  if (declaredAfter !== null) {
    const extra = (await reader.drain()) - declaredAfter;
    if (extra >= stride) {
      throw new Error(`${name} has ${extra} bytes after its declared data, room for ${Math.floor(extra / stride)} more splats: the header's count (element vertex ${vertex.count}) is wrong`);
    }
    if (extra > 0) cloud.warnings.push(`${name}: ignored ${extra} trailing bytes after the PLY data`);
  }
  return cloud;
}

/** Opens a 4D .ply stream (header, then records as chunks arrive). */
export async function loadPly4d(source: AssetSource): Promise<Gaussian4dCloud> {
  const reader = new ChunkReader(source);
  try {
    const head = await reader.peek(4);
    if (head.byteLength === 0) throw new Error(`${source.name} is empty (0 bytes)`);
    if (!isPlyMagic(head)) throw new Error(`${source.name} is not a PLY file (it does not start with the line "ply")`);
    const header = await readPlyHeader(reader, source.name);
    return await decodePly4d(reader, header, source);
  } finally {
    await reader.close();
  }
}

/** loadPly4d on bytes already in memory (tests, tools). */
export function loadPly4dBytes(name: string, bytes: Uint8Array, chunkSize?: number): Promise<Gaussian4dCloud> {
  return loadPly4d({ name, size: bytes.byteLength, stream: streamFromBytes(bytes, chunkSize) });
}
