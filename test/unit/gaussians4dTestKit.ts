/**
 * Shared pieces of the 4D Gaussian tests (unit and GPU): a seeded random source, 4D clouds built
 * from real 3D scenes of ../shared/data (the same splats with a time axis added, either inert —
 * huge σt and a rotation that leaves time alone — or genuinely moving), and writers for synthetic
 * 4D .ply and .splatv files that the real data does not cover (bad inputs, motion, drift).
 */
import { halfBits } from '../../src/methods/gaussians3d/splatStorage';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Camera, Mat3 } from '../../src/camera/camera';
import { concatBytes } from '../../src/formats/stream';
import { loadSplatBytes } from '../../src/methods/gaussians3d/load';
import type { SplatCloud } from '../../src/methods/gaussians3d/splatCloud';
import { allocateGaussian4dCloud, type Gaussian4dCloud, type Rotation4dKind } from '../../src/methods/gaussians4d/cloud4d';
import { isoclinicFromQuaternion3, normalizeQuaternion4, rotorFromIsoclinic } from '../../src/methods/gaussians4d/rotation4d';
import type { TemporalShDegree } from '../../src/methods/gaussians4d/sh4d';
import { SPLATV_MAGIC, SPLATV_RECORD_WORDS, SPLATV_TEXTURE_WIDTH } from '../../src/methods/gaussians4d/splatv';

export const DATA_DIR = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
export const HANABI_PATH = DATA_DIR + 'dynamic/hanabi_splatv/hanabi2.splatv';

export function readData(path: string): Uint8Array {
  return new Uint8Array(readFileSync(DATA_DIR + path));
}

export function loadPly3d(file: string): Promise<SplatCloud> {
  return loadSplatBytes(file, readData('splats/ply/' + file));
}

/** mulberry32: deterministic numbers in [0, 1). */
/** The first n splats of a 3D cloud. */
export function firstSplats(cloud: SplatCloud, n: number): SplatCloud {
  const k = 3 * (cloud.shDegree + 1) ** 2;
  return {
    ...cloud,
    count: n,
    positions: cloud.positions.slice(0, 3 * n),
    scales: cloud.scales.slice(0, 3 * n),
    rotations: cloud.rotations.slice(0, 4 * n),
    opacities: cloud.opacities.slice(0, n),
    sh: cloud.sh.slice(0, k * n),
  };
}

export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly random unit quaternion (w, x, y, z). */
export function randomQuaternion(random: () => number): number[] {
  for (;;) {
    const q = [random() * 2 - 1, random() * 2 - 1, random() * 2 - 1, random() * 2 - 1];
    const n = Math.hypot(...q);
    if (n > 0.1 && n < 1) return q.map((v) => v / n);
  }
}

/** The SH-degree-3 fruit (4,721 splats, real f_rest) seen from (0.76, 0.13, 0) looking down −z, as test/unit/reference.test.ts. */
export function fruitCamera(width = 48, height = 40, focal = 150): Camera {
  return {
    width, height, fx: focal * (width / 48), fy: focal * (width / 48), cx: width / 2, cy: height / 2,
    rotation: [-1, 0, 0, 0, 1, 0, 0, 0, -1] as Mat3, translation: [0.76, -0.13, 0], near: 0.01, far: 100,
  };
}

export interface Lift4dOptions {
  rotationKind?: Rotation4dKind;
  /** Temporal SH degree stored (extra coefficients are zero); needs spatial degree 3. */
  shDegreeT?: TemporalShDegree;
  /** σt of every splat. @default 1e6 */
  sigmaT?: number;
  /** μ_t of splat i. @default 0.5 for all */
  time?: (i: number) => number;
  timeDuration?: [number, number];
}

/**
 * The 4D counterpart of a 3D cloud: same means, spatial scales, opacities and SH; a rotation that
 * is diag(R₃(q), 1) (so Σ_xt = 0) and σt large, so slicing at any time gives back the 3D Gaussian.
 */
export function lift3dTo4d(cloud: SplatCloud, options: Lift4dOptions = {}): Gaussian4dCloud {
  const kind = options.rotationKind ?? 'isoclinic';
  const degreeT = options.shDegreeT ?? 0;
  const out = allocateGaussian4dCloud(cloud.count, cloud.shDegree, degreeT, kind, options.timeDuration ?? [0, 1]);
  const k3 = 3 * (cloud.shDegree + 1) ** 2;
  for (let i = 0; i < cloud.count; i++) {
    out.positions.set([...cloud.positions.subarray(3 * i, 3 * i + 3), options.time?.(i) ?? 0.5], 4 * i);
    out.scales.set([...cloud.scales.subarray(3 * i, 3 * i + 3), options.sigmaT ?? 1e6], 4 * i);
    const pair = isoclinicFromQuaternion3(cloud.rotations, 4 * i);
    out.rotations.set(kind === 'rotor' ? rotorFromIsoclinic(pair) : pair, 8 * i);
    out.opacities[i] = cloud.opacities[i]!;
    // Spatial coefficients first (m = k < 16), temporal orders stay zero.
    out.sh.set(cloud.sh.subarray(k3 * i, k3 * (i + 1)), k3 * (degreeT + 1) * i);
  }
  return out;
}

/**
 * A genuinely dynamic 4D scene from a real 3D one: each splat gets a random μ_t in the time span, a
 * random σt, a random 4D rotation (so it moves and its slice changes shape), and with temporal SH
 * degree 2 random temporal coefficients (its colour changes over time).
 */
export function dynamicFrom3d(cloud: SplatCloud, seed: number, kind: Rotation4dKind, options: { sigmaT?: [number, number]; timeDuration?: [number, number] } = {}): Gaussian4dCloud {
  const random = createRandom(seed);
  if (cloud.shDegree !== 3) throw new Error('dynamicFrom3d needs an SH degree 3 scene (temporal SH needs spatial degree 3)');
  const [t0, t1] = options.timeDuration ?? [0, 1];
  const [sMin, sMax] = options.sigmaT ?? [0.1, 0.4];
  const lifted = lift3dTo4d(cloud, { rotationKind: kind, shDegreeT: 2, timeDuration: [t0, t1] });
  for (let i = 0; i < cloud.count; i++) {
    lifted.positions[4 * i + 3] = t0 + (t1 - t0) * (-0.1 + 1.2 * random());
    lifted.scales[4 * i + 3] = (t1 - t0) * (sMin + (sMax - sMin) * random());
    const pair = [...randomQuaternion(random), ...randomQuaternion(random)];
    normalizeQuaternion4(pair, 0);
    normalizeQuaternion4(pair, 4);
    lifted.rotations.set(kind === 'rotor' ? rotorFromIsoclinic(pair) : pair, 8 * i);
    const m = 48;
    for (let j = 16; j < m; j++) for (let c = 0; c < 3; c++) lifted.sh[(i * m + j) * 3 + c] = 0.4 * (random() - 0.5);
  }
  return lifted;
}

/** Column values of a 4D PLY: property name → value of splat i. */
export type Ply4dColumns = Array<[string, (i: number) => number]>;

/** A binary little-endian PLY with one vertex element of float properties (and optional comments, extra header text). */
export function writeFloatPly(count: number, columns: Ply4dColumns, comments: string[] = [], headerExtra = ''): Uint8Array {
  const header =
    'ply\nformat binary_little_endian 1.0\n' +
    comments.map((c) => `comment ${c}\n`).join('') +
    `element vertex ${count}\n` +
    columns.map(([name]) => `property float ${name}\n`).join('') +
    headerExtra +
    'end_header\n';
  const body = new Float32Array(count * columns.length);
  for (let i = 0; i < count; i++) columns.forEach(([, value], c) => (body[i * columns.length + c] = value(i)));
  return concatBytes([new TextEncoder().encode(header), new Uint8Array(body.buffer)]);
}

/** The raw (pre-activation) 4D PLY columns of a cloud, in the layout of ply4d.ts. */
export function ply4dColumns(cloud: Gaussian4dCloud): Ply4dColumns {
  const m = 3 * (cloud.shDegree + 1) ** 2 * (cloud.shDegreeT + 1);
  const perChannel = m / 3 - 1;
  const columns: Ply4dColumns = [];
  ['x', 'y', 'z', 't'].forEach((name, a) => columns.push([name, (i) => cloud.positions[4 * i + a]!]));
  for (let c = 0; c < 3; c++) columns.push([`f_dc_${c}`, (i) => cloud.sh[m * i + c]!]);
  for (let c = 0; c < 3; c++) for (let r = 0; r < perChannel; r++) columns.push([`f_rest_${c * perChannel + r}`, (i) => cloud.sh[m * i + 3 * (r + 1) + c]!]);
  columns.push(['opacity', (i) => Math.log(cloud.opacities[i]! / (1 - cloud.opacities[i]!))]);
  ['scale_0', 'scale_1', 'scale_2', 'scale_t'].forEach((name, a) => columns.push([name, (i) => Math.log(cloud.scales[4 * i + a]!)]));
  const names = cloud.rotationKind === 'rotor' ? [0, 1, 2, 3, 4, 5, 6, 7].map((k) => `rotor_${k}`) : ['rot_0', 'rot_1', 'rot_2', 'rot_3', 'rot_r_0', 'rot_r_1', 'rot_r_2', 'rot_r_3'];
  names.forEach((name, k) => columns.push([name, (i) => cloud.rotations[8 * i + k]!]));
  return columns;
}

/** One .splatv record's values (halves are rounded to nearest even when packed). */
export interface SplatvRecordInput {
  position: [number, number, number];
  rotation: [number, number, number, number];
  scale: [number, number, number];
  rgba: [number, number, number, number];
  motion?: number[];
  omega?: [number, number, number, number];
  trbfCenter: number;
  trbfScale: number;
}

const pack2 = (a: number, b: number) => (halfBits(a) | (halfBits(b) << 16)) >>> 0;

export function splatvRecord(s: SplatvRecordInput): Uint32Array {
  const words = new Uint32Array(SPLATV_RECORD_WORDS);
  new Float32Array(words.buffer, 0, 3).set(s.position);
  words[3] = pack2(s.rotation[0], s.rotation[1]);
  words[4] = pack2(s.rotation[2], s.rotation[3]);
  words[5] = pack2(s.scale[0], s.scale[1]);
  words[6] = pack2(s.scale[2], 0);
  const [r, g, b, a] = s.rgba.map((c) => Math.round(c * 255));
  words[7] = (r! | (g! << 8) | (b! << 16) | (a! << 24)) >>> 0;
  const m = s.motion ?? [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let w = 0; w < 5; w++) words[8 + w] = pack2(m[2 * w]!, m[2 * w + 1] ?? 0);
  const o = s.omega ?? [0, 0, 0, 0];
  words[13] = pack2(o[0], o[1]);
  words[14] = pack2(o[2], o[3]);
  words[15] = pack2(s.trbfCenter, s.trbfScale);
  return words;
}

export interface SplatvFileOptions {
  /** Replaces the JSON header text entirely. */
  json?: string;
  cameras?: unknown[];
  magic?: number;
  /** Overrides the declared JSON length. */
  jsonLength?: number;
  /** Extra chunk descriptors (and their bytes) before the splat chunk. */
  before?: Array<{ type: string; bytes: Uint8Array }>;
  /** Texture rows; default the fewest that hold the records. */
  texheight?: number;
}

/** A .splatv file holding `records` (padded with zero records to whole 1024-splat texture rows). */
export function writeSplatv(records: Uint32Array[], options: SplatvFileOptions = {}): Uint8Array {
  const perRow = SPLATV_TEXTURE_WIDTH / 4;
  const texheight = options.texheight ?? Math.max(1, Math.ceil(records.length / perRow));
  const texture = new Uint32Array(texheight * perRow * SPLATV_RECORD_WORDS);
  records.forEach((r, i) => texture.set(r, i * SPLATV_RECORD_WORDS));
  const before = options.before ?? [];
  const chunks = [
    ...before.map((c) => ({ type: c.type, size: c.bytes.byteLength })),
    { type: 'splat', size: texture.byteLength, texwidth: SPLATV_TEXTURE_WIDTH, texheight, cameras: options.cameras ?? [] },
  ];
  const json = new TextEncoder().encode(options.json ?? JSON.stringify(chunks));
  const head = new Uint32Array([options.magic ?? SPLATV_MAGIC, options.jsonLength ?? json.byteLength]);
  return concatBytes([new Uint8Array(head.buffer), json, ...before.map((c) => c.bytes), new Uint8Array(texture.buffer)]);
}

/** Max |a − b| and where it is first reached. */
export function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; at: number } {
  let max = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) {
      max = d;
      at = i;
    }
  }
  return { max, at };
}
