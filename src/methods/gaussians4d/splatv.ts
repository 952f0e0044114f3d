/**
 * antimatter15/splaTV `.splatv` files (Spacetime-Gaussians "lite" packed for WebGL; ../shared/docs/
 * gaussians.md §2.9): the loader, the per-splat record, and the time model in float64.
 *
 * File: u32 magic 0x674b ("Kg") · u32 jsonLength · JSON array of chunk descriptors · each chunk's
 * `size` bytes in descriptor order. The one `{type: "splat", size, texwidth, texheight, cameras}`
 * chunk is an RGBA32UI texture, texwidth = 4096 texels (1024 splats) per row, 4 texels per splat, so
 * splat i is the 64 bytes at i·64. Other chunk types are skipped. The header cameras are INRIA
 * cameras.json entries (camera-to-world rotation rows, camera centre), as splaTV's getViewMatrix reads them.
 *
 * Record (16 little-endian u32 words; `records` keeps them unchanged, the GPU reads them as is):
 * | word  | content                                                                    |
 * |-------|----------------------------------------------------------------------------|
 * | 0-2   | f32 x, y, z at trbf_center                                                 |
 * | 3, 4  | half2(rot_0, rot_1), half2(rot_2, rot_3): quaternion (w, x, y, z), raw     |
 * | 5, 6  | half2(σx, σy), half2(σz, 0): linear scales                                 |
 * | 7     | RGBA8: r, g, b = direct colour · 255 (no SH), a = opacity · 255            |
 * | 8-12  | half2(m0, m1) … half2(m8, 0): motion, velocity m0-2, m3-5 (·dt²), m6-8 (·dt³)|
 * | 13,14 | half2(ω0, ω1), half2(ω2, ω3): quaternion drift per unit time               |
 * | 15    | half2(trbf_center, trbf_scale)                                             |
 *
 * Time model at t (splaTV vertex shader; t in [0, 1]):
 *   dt = t − trbf_center ; temporal opacity = exp(−(dt / trbf_scale)²), the splat is dropped below 0.02
 *   position = xyz + m0-2·dt + m3-5·dt² + m6-8·dt³ ; rotation = normalize(rot + ω·dt)
 * The sliced splat is then an ordinary 3D Gaussian with opacity a/255 · temporal opacity, drawn by the
 * 3DGS pipeline (0.3 low-pass, 3-sigma tiles), not by splaTV's quad rasterizer.
 */
import { cameraFromInria, type Camera, type InriaCameraEntry, type Vec3 } from '../../camera/camera';
import { parseInriaCameras } from '../../camera/camerasJson';
import { ChunkReader, concatBytes, streamFromBytes } from '../../formats/stream';
import { SH_C0, allocateSplatCloud, type SplatCloud } from '../gaussians3d/splatCloud';
import type { AssetSource } from '../types';
import { normalizeQuaternion4 } from './rotation4d';

export const SPLATV_MAGIC = 0x674b;
export const SPLATV_RECORD_WORDS = 16;
export const SPLATV_RECORD_BYTES = 4 * SPLATV_RECORD_WORDS;
/** splaTV addresses splat i at texel ((i & 0x3ff) << 2, i >> 10): 4096-texel rows, so records are linear. */
export const SPLATV_TEXTURE_WIDTH = 4096;
/** Longest JSON header accepted; real ones are a few hundred bytes (one entry per camera). */
export const MAX_SPLATV_JSON_BYTES = 1 << 20;
/** splaTV drops a splat whose temporal opacity is below this. */
export const SPLATV_OPACITY_CULL = 0.02;
/** .splatv time runs over [0, 1] (splaTV plays sin(now)/2 + 1/2). */
export const SPLATV_TIME_RANGE: [number, number] = [0, 1];
/** Records allocated up front when the file size does not vouch for the header's count. */
const UNVERIFIED_INITIAL_RECORDS = 1 << 16;

/** Word offsets inside a record (the table above). */
export const SplatvWord = {
  position: 0,
  rotation: 3,
  scale: 5,
  rgba: 7,
  motion: 8,
  omega: 13,
  trbf: 15,
} as const;

export interface SplatvScene {
  count: number;
  /** 16 words per kept splat, exactly as in the file. */
  records: Uint32Array;
  /** The splat chunk's cameras (may be empty). */
  cameraEntries: InriaCameraEntry[];
  warnings: string[];
}

/** True when `head` starts with the .splatv magic. */
export function isSplatvMagic(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x4b && head[1] === 0x67 && head[2] === 0 && head[3] === 0;
}

/** IEEE binary16 bits → number (subnormals, infinities and NaN included). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The two halves of word `w` of record i: [low, high]. */
function halves(records: Uint32Array, i: number, w: number): [number, number] {
  const word = records[SPLATV_RECORD_WORDS * i + w]!;
  return [halfToFloat(word & 0xffff), halfToFloat(word >>> 16)];
}

/** One record decoded to numbers. */
export interface SplatvSplat {
  position: Vec3;
  /** (w, x, y, z), as stored (not normalised). */
  rotation: [number, number, number, number];
  scale: Vec3;
  /** r, g, b, a in [0, 1]. */
  rgba: [number, number, number, number];
  /** m0..m8. */
  motion: number[];
  omega: [number, number, number, number];
  trbfCenter: number;
  trbfScale: number;
}

export function decodeSplatvRecord(records: Uint32Array, i: number): SplatvSplat {
  const base = SPLATV_RECORD_WORDS * i;
  const floats = new Float32Array(records.buffer, records.byteOffset + 4 * base, 3);
  const [r0, r1] = halves(records, i, SplatvWord.rotation);
  const [r2, r3] = halves(records, i, SplatvWord.rotation + 1);
  const [sx, sy] = halves(records, i, SplatvWord.scale);
  const [sz] = halves(records, i, SplatvWord.scale + 1);
  const rgba = records[base + SplatvWord.rgba]!;
  const motion: number[] = [];
  for (let w = 0; w < 5; w++) motion.push(...halves(records, i, SplatvWord.motion + w));
  const [o0, o1] = halves(records, i, SplatvWord.omega);
  const [o2, o3] = halves(records, i, SplatvWord.omega + 1);
  const [trbfCenter, trbfScale] = halves(records, i, SplatvWord.trbf);
  return {
    position: [floats[0]!, floats[1]!, floats[2]!],
    rotation: [r0, r1, r2, r3],
    scale: [sx, sy, sz],
    rgba: [(rgba & 0xff) / 255, ((rgba >>> 8) & 0xff) / 255, ((rgba >>> 16) & 0xff) / 255, (rgba >>> 24) / 255],
    motion: motion.slice(0, 9),
    omega: [o0, o1, o2, o3],
    trbfCenter,
    trbfScale,
  };
}

/** A .splatv splat at time t, as the 3DGS pipeline draws it. */
export interface SplatvAtTime {
  /** False when the temporal opacity is below 0.02. */
  visible: boolean;
  temporalOpacity: number;
  position: Vec3;
  /** Unit quaternion (w, x, y, z). */
  rotation: [number, number, number, number];
  scale: Vec3;
  opacity: number;
  rgb: Vec3;
}

export function evaluateSplatv(splat: SplatvSplat, time: number, scaleModifier = 1): SplatvAtTime {
  const dt = time - splat.trbfCenter;
  const temporalOpacity = Math.exp(-((dt / splat.trbfScale) ** 2));
  const m = splat.motion;
  const position: Vec3 = [0, 1, 2].map((a) => splat.position[a]! + m[a]! * dt + m[3 + a]! * dt * dt + m[6 + a]! * dt * dt * dt) as Vec3;
  const rotation = splat.rotation.map((q, k) => q + splat.omega[k]! * dt) as [number, number, number, number];
  normalizeQuaternion4(rotation);
  return {
    visible: temporalOpacity >= SPLATV_OPACITY_CULL,
    temporalOpacity,
    position,
    rotation,
    scale: splat.scale.map((s) => s * scaleModifier) as Vec3,
    opacity: splat.rgba[3] * temporalOpacity,
    rgb: [splat.rgba[0], splat.rgba[1], splat.rgba[2]],
  };
}

/**
 * The scene at time t as an SH-degree-0 SplatCloud of the splats alive then (colour c stored as the
 * DC term (c − 0.5)/C0, so 0.5 + C0·dc = c); alive[j] is the scene index of cloud splat j.
 */
export function sliceSplatv(scene: SplatvScene, time: number, scaleModifier = 1): { cloud: SplatCloud; alive: Uint32Array } {
  const kept: Array<{ index: number; splat: SplatvAtTime }> = [];
  for (let i = 0; i < scene.count; i++) {
    const splat = evaluateSplatv(decodeSplatvRecord(scene.records, i), time, scaleModifier);
    if (splat.visible) kept.push({ index: i, splat });
  }
  const cloud = allocateSplatCloud(kept.length, 0);
  kept.forEach(({ splat }, j) => {
    cloud.positions.set(splat.position, 3 * j);
    cloud.scales.set(splat.scale, 3 * j);
    cloud.rotations.set(splat.rotation, 4 * j);
    cloud.opacities[j] = splat.opacity;
    cloud.sh.set(splat.rgb.map((c) => (c - 0.5) / SH_C0), 3 * j);
  });
  return { cloud, alive: Uint32Array.from(kept.map((k) => k.index)) };
}

/** The header cameras as Cameras (at their own resolution). */
export function splatvCameras(scene: SplatvScene): Camera[] {
  return scene.cameraEntries.map((entry) => cameraFromInria(entry));
}

interface ChunkDescriptor {
  type: string;
  size: number;
}

interface SplatChunk extends ChunkDescriptor {
  texwidth: number;
  texheight: number;
  cameras: InriaCameraEntry[];
}

/** Validates the JSON header; every message names the file and the chunk at fault. */
function parseHeader(text: string, name: string): { chunks: ChunkDescriptor[]; splat: SplatChunk } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${name}: the .splatv JSON header is malformed (${(error as Error).message})`);
  }
  if (!Array.isArray(json)) throw new Error(`${name}: the .splatv JSON header must be an array of chunk descriptors`);
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const chunks = json.map((entry: unknown, index): ChunkDescriptor => {
    const where = `${name}: .splatv header chunk ${index}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error(`${where} is not an object`);
    const e = entry as Record<string, unknown>;
    if (typeof e.type !== 'string') throw new Error(`${where} has no "type" string`);
    if (!isCount(e.size)) throw new Error(`${where}: "size" must be a byte count (got ${JSON.stringify(e.size)})`);
    if (e.type !== 'splat') return { type: e.type, size: e.size };
    for (const key of ['texwidth', 'texheight']) {
      if (!isCount(e[key]) || e[key] === 0) throw new Error(`${where}: "${key}" must be a positive integer (got ${JSON.stringify(e[key])})`);
    }
    const texwidth = e.texwidth as number;
    const texheight = e.texheight as number;
    if (texwidth !== SPLATV_TEXTURE_WIDTH) {
      throw new Error(`${where}: texwidth ${texwidth} is not ${SPLATV_TEXTURE_WIDTH}; splaTV lays out 1024 splats per 4096-texel row`);
    }
    if (e.size !== texwidth * texheight * 16) {
      throw new Error(`${where}: size ${e.size} does not match texwidth × texheight × 16 = ${texwidth * texheight * 16} bytes (RGBA32UI texels)`);
    }
    let cameras: InriaCameraEntry[] = [];
    if (e.cameras !== undefined && !(Array.isArray(e.cameras) && e.cameras.length === 0)) {
      try {
        cameras = parseInriaCameras(e.cameras);
      } catch (error) {
        throw new Error(`${where}: cameras: ${(error as Error).message.replace(/^cameras\.json /, '')}`);
      }
    }
    return { type: 'splat', size: e.size, texwidth, texheight, cameras } as SplatChunk;
  });
  const splats = chunks.filter((c): c is SplatChunk => c.type === 'splat');
  if (splats.length === 0) throw new Error(`${name}: the .splatv header has no "splat" chunk`);
  if (splats.length > 1) throw new Error(`${name}: the .splatv header has ${splats.length} "splat" chunks; only one is supported`);
  return { chunks, splat: splats[0]! };
}

/** Grows as records arrive unless the file size vouched for the count. */
class RecordStore {
  records: Uint32Array;
  count = 0;

  constructor(
    private readonly maxCount: number,
    verified: boolean,
  ) {
    this.records = new Uint32Array(SPLATV_RECORD_WORDS * (verified ? maxCount : Math.min(maxCount, UNVERIFIED_INITIAL_RECORDS)));
  }

  push(words: Uint32Array): void {
    if (SPLATV_RECORD_WORDS * (this.count + 1) > this.records.length) {
      const bigger = new Uint32Array(SPLATV_RECORD_WORDS * Math.min(this.maxCount, Math.max(1, 2 * this.count)));
      bigger.set(this.records);
      this.records = bigger;
    }
    this.records.set(words, SPLATV_RECORD_WORDS * this.count++);
  }

  finish(): Uint32Array {
    return this.records.length === SPLATV_RECORD_WORDS * this.count ? this.records : this.records.slice(0, SPLATV_RECORD_WORDS * this.count);
  }
}

/** Whether a decoded record can be drawn: finite values and a positive temporal scale. */
function usable(s: SplatvSplat): boolean {
  const values = [...s.position, ...s.rotation, ...s.scale, ...s.motion, ...s.omega, s.trbfCenter, s.trbfScale];
  return values.every(Number.isFinite) && s.trbfScale > 0;
}

/**
 * Reads a .splatv stream. Throws, naming the file, on a wrong magic, a JSON header that is too long
 * or malformed, sizes that disagree (header vs texture vs file) and truncation. Records that are all
 * zero are texture padding and skipped; records with NaN/Inf or a non-positive trbf_scale are dropped
 * with a warning.
 */
export async function loadSplatv(source: AssetSource): Promise<SplatvScene> {
  const reader = new ChunkReader(source);
  try {
    return await decodeSplatv(reader, source);
  } finally {
    await reader.close();
  }
}

/** loadSplatv on a reader positioned at the start of the file (the caller closes it). */
export async function decodeSplatv(reader: ChunkReader, file: Pick<AssetSource, 'name' | 'size'>): Promise<SplatvScene> {
  const { name, size } = file;
  const readExactly = async (n: number, what: string): Promise<Uint8Array> => {
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < n) {
      const chunk = await reader.next();
      if (!chunk) throw new Error(`${name} is truncated: it ends inside the ${what} (${got} of ${n} bytes)`);
      const take = Math.min(n - got, chunk.byteLength);
      parts.push(chunk.subarray(0, take));
      if (take < chunk.byteLength) reader.unshift(chunk.subarray(take));
      got += take;
    }
    return concatBytes(parts, n);
  };
  if (size === 0) throw new Error(`${name} is empty (0 bytes)`);
  const head = await readExactly(8, '8-byte .splatv header');
  const headView = new DataView(head.buffer, head.byteOffset, 8);
  const magic = headView.getUint32(0, true);
  if (magic !== SPLATV_MAGIC) {
    throw new Error(`${name} is not a .splatv file: it starts with 0x${magic.toString(16).padStart(8, '0')}, not the magic 0x0000674b`);
  }
  const jsonLength = headView.getUint32(4, true);
  if (jsonLength === 0) throw new Error(`${name}: the .splatv JSON header is empty (length 0)`);
  if (jsonLength > MAX_SPLATV_JSON_BYTES) {
    throw new Error(`${name}: the .splatv JSON header claims ${jsonLength} bytes, more than the ${MAX_SPLATV_JSON_BYTES} allowed (corrupt file?)`);
  }
  if (size !== undefined && 8 + jsonLength > size) {
    throw new Error(`${name} is truncated: its JSON header needs ${jsonLength} bytes but the file has ${size - 8} after the 8-byte header`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await readExactly(jsonLength, 'JSON header'));
  } catch (error) {
    if ((error as Error).message.includes('truncated')) throw error;
    throw new Error(`${name}: the .splatv JSON header is not valid UTF-8`);
  }
  const { chunks, splat } = parseHeader(text, name);
  const declared = 8 + jsonLength + chunks.reduce((sum, c) => sum + c.size, 0);
  if (size !== undefined && size !== declared) {
    throw new Error(
      size < declared
        ? `${name} is truncated: its header declares ${declared} bytes in all, the file has ${size}`
        : `${name} has ${size - declared} bytes after the ${declared} its header declares`,
    );
  }

  const capacity = splat.size / SPLATV_RECORD_BYTES;
  const store = new RecordStore(capacity, size !== undefined);
  const words = new Uint32Array(SPLATV_RECORD_WORDS);
  let padding = 0;
  let dropped = 0;
  for (const chunk of chunks) {
    if (chunk !== splat) {
      const skipped = await reader.skip(chunk.size);
      if (skipped < chunk.size) throw new Error(`${name} is truncated: it ends inside its "${chunk.type}" chunk`);
      continue;
    }
    const { records } = await reader.readRecords(SPLATV_RECORD_BYTES, capacity, (bytes, n) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let r = 0; r < n; r++) {
        let zero = true;
        for (let w = 0; w < SPLATV_RECORD_WORDS; w++) {
          words[w] = view.getUint32(SPLATV_RECORD_BYTES * r + 4 * w, true);
          zero &&= words[w] === 0;
        }
        if (zero) padding++;
        else if (!usable(decodeSplatvRecord(words, 0))) dropped++;
        else store.push(words);
      }
    });
    if (records < capacity) throw new Error(`${name} is truncated: its splat texture has ${records} of ${capacity} splat records`);
  }
  if (size === undefined) {
    const extra = await reader.drain();
    if (extra > 0) throw new Error(`${name} has ${extra} bytes after the ${declared} its header declares`);
  }
  const warnings: string[] = [];
  if (store.count === 0) {
    throw new Error(
      dropped > 0 ? `${name}: all ${dropped} splats have non-finite values or a non-positive trbf_scale; nothing to show` : `${name} contains no splats`,
    );
  }
  if (dropped > 0) warnings.push(`${name}: dropped ${dropped} of ${capacity - padding} splats with non-finite values or a non-positive trbf_scale`);
  return { count: store.count, records: store.finish(), cameraEntries: splat.cameras, warnings };
}

/** loadSplatv on bytes already in memory (tests, tools). */
export function loadSplatvBytes(name: string, bytes: Uint8Array, chunkSize?: number): Promise<SplatvScene> {
  return loadSplatv({ name, size: bytes.byteLength, stream: streamFromBytes(bytes, chunkSize) });
}
