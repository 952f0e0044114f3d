/**
 * PlayCanvas SOG → SplatCloud (../shared/docs/splat-formats.md §6; PlayCanvas SOG spec and
 * splat-transform read-sog.ts / read-sog-v1.ts). A SOG is `meta.json` plus lossless WebP images,
 * either as a folder or zipped into a `.sog`; both arrive here as an AssetBundle.
 *
 * Every per-splat image is W × H with W·H ≥ count; splat i is pixel (i mod W, ⌊i / W⌋). Per splat:
 * | image            | channels                                   | decoding (v2)                             | v1 (no `version`)             |
 * |------------------|--------------------------------------------|-------------------------------------------|-------------------------------|
 * | means_l, means_u | RGB = low / high byte of x, y, z (16 bit)   | v = lerp(mins, maxs, q/65535); x = sign(v)(e^|v| − 1) | same              |
 * | quats            | RGB = 3 smaller components, A = 252 + index of the largest (w,x,y,z) | (b/255·2 − 1)/√2; largest = √(1 − Σ) | same |
 * | scales           | RGB = log-scale per axis                   | codebook[b]                               | lerp(mins, maxs, b/255)        |
 * | sh0              | RGB = f_dc, A = opacity                    | codebook[b]; opacity = A/255              | lerp(mins[c], maxs[c], b/255); opacity = sigmoid(lerp(mins[3], maxs[3], A/255)) |
 * | shN_labels       | R | G<<8 = palette entry                    | entry < shN.count                         | entry < palette slots          |
 * | shN_centroids    | width 64·coeffs; entry e, coefficient j at (64-entry row layout) x = (e mod 64)·coeffs + j, y = ⌊e/64⌋; RGB per channel | codebook[b] | lerp(mins, maxs, b/255) |
 * coeffs = 3, 8, 15 for SH bands 1, 2, 3 (v2: `shN.bands`; v1: from the centroid width).
 *
 * Hostile input: meta.json is validated field by field; codebooks must hold 256 finite numbers;
 * each WebP's header must be lossless with the shared dimensions, no larger than the count needs,
 * before it is decoded; palette labels must lie inside the palette.
 */
import { SplatCloudBuilder } from '../methods/gaussians3d/cloudBuilder';
import type { ShDegree, SplatCloud } from '../methods/gaussians3d/splatCloud';
import { directoryOf, type AssetBundle } from './bundle';
import { opacityFromLogit, representableOpacity, scaleFromLog, canonicalQuaternion } from './inriaValues';
import { decodeWebp, readWebpInfo, type DecodedImage } from './webp';
import { isZip, openZip } from './zip';

/** A meta.json larger than this is not one. */
const MAX_META_BYTES = 16 * 1024 * 1024;
/** More splats than this in one SOG is refused before any image is decoded. */
export const MAX_SOG_SPLATS = 1 << 26;
/** Pixels an image may have beyond the count (writers pad to a convenient width). */
const MAX_PADDING_PIXELS = 4096;
const PALETTE_ROW = 64;
/** SH coefficients per channel above DC by band count. */
const COEFFS_BY_BANDS = [0, 3, 8, 15];
/** v1 stores no band count; the centroid width (64 · coeffs) gives it. */
const V1_BANDS_BY_CENTROID_WIDTH = new Map([
  [192, 1],
  [512, 2],
  [960, 3],
]);

type Json = Record<string, unknown>;

const lastKey = (path: string) => path.slice(path.lastIndexOf('.') + 1);

/** Field readers that say which field of meta.json is wrong; `path` is dotted ('means.mins'), its last part the key. */
class MetaReader {
  constructor(private readonly where: string) {}

  object(parent: Json, path: string): Json {
    const value = parent[lastKey(path)];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${this.where}: '${path}' must be an object`);
    return value as Json;
  }

  number(parent: Json, path: string): number {
    const value = parent[lastKey(path)];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${this.where}: '${path}' must be a finite number`);
    return value;
  }

  numbers(parent: Json, path: string, length: number): number[] {
    const value = parent[lastKey(path)];
    if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new Error(`${this.where}: '${path}' must be an array of ${length} finite numbers`);
    }
    return value as number[];
  }

  files(parent: Json, path: string, count: number): string[] {
    const value = parent.files;
    if (!Array.isArray(value) || value.length !== count || !value.every((v) => typeof v === 'string' && v.length > 0)) {
      throw new Error(`${this.where}: '${path}.files' must list ${count} file name${count > 1 ? 's' : ''}`);
    }
    return value as string[];
  }
}

/** Decodes a SOG held in a bundle (a folder, dropped files, or a zip's entries). */
export async function decodeSog(bundle: AssetBundle): Promise<SplatCloud> {
  const metaPath = findMeta(bundle);
  const base = directoryOf(metaPath);
  const where = `${bundle.name}/${metaPath}`;
  const metaBytes = await bundle.read(metaPath);
  if (metaBytes.length > MAX_META_BYTES) throw new Error(`${where} is ${metaBytes.length} bytes; a SOG meta.json is far smaller`);
  let meta: unknown;
  try {
    meta = JSON.parse(new TextDecoder().decode(metaBytes));
  } catch (error) {
    throw new Error(`${where} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new Error(`${where} must hold a JSON object`);
  const json = meta as Json;
  const read = new MetaReader(where);
  const version = json.version;
  if (version !== undefined && version !== 2) throw new Error(`${where}: SOG version ${String(version)} is not supported (1 and 2 are)`);
  const isV2 = version === 2;

  const count = isV2 ? read.number(json, 'count') : read.numbers(read.object(json, 'means'), 'means.shape', 2)[0]!;
  if (!Number.isInteger(count) || count <= 0 || count > MAX_SOG_SPLATS) {
    throw new Error(`${where}: splat count ${count} is invalid (a positive integer up to ${MAX_SOG_SPLATS})`);
  }
  const warnings: string[] = [];
  if (typeof json.model === 'string' && json.model !== 'antialiased') warnings.push(`${where}: SOG model '${json.model}' is rendered as ordinary 3D Gaussians`);

  const images = new SogImages(bundle, base, count, where);
  const means = read.object(json, 'means');
  const meansFiles = read.files(means, 'means', 2);
  const meanMins = read.numbers(means, 'means.mins', 3);
  const meanMaxs = read.numbers(means, 'means.maxs', 3);
  const scales = read.object(json, 'scales');
  const sh0 = read.object(json, 'sh0');
  const scaleOf = isV2 ? codebookDecoder(read.numbers(scales, 'scales.codebook', 256)) : lerpDecoder(read.numbers(scales, 'scales.mins', 3), read.numbers(scales, 'scales.maxs', 3));
  const sh0Of = isV2 ? codebookDecoder(read.numbers(sh0, 'sh0.codebook', 256)) : lerpDecoder(read.numbers(sh0, 'sh0.mins', 4), read.numbers(sh0, 'sh0.maxs', 4));
  const shN = json.shN === undefined ? null : await readShN(read, read.object(json, 'shN'), isV2, images, where);
  // All images are checked and decoded before the per-splat pass: 4 bytes per splat each.
  const low = (await images.perSplat(meansFiles[0]!)).rgba;
  const high = (await images.perSplat(meansFiles[1]!)).rgba;
  const quats = (await images.perSplat(read.files(read.object(json, 'quats'), 'quats', 1)[0]!)).rgba;
  const scaleImage = (await images.perSplat(read.files(scales, 'scales', 1)[0]!)).rgba;
  const sh0Image = (await images.perSplat(read.files(sh0, 'sh0', 1)[0]!)).rgba;

  const builder = new SplatCloudBuilder(shN?.degree ?? 0, count, true);
  let badQuaternions = 0;
  for (let i = 0; i < count; i++) {
    const p = 4 * i;
    for (let a = 0; a < 3; a++) {
      // means: 16 bits per axis across two images, in sign(x)·ln(|x| + 1) space.
      const v = meanMins[a]! + (meanMaxs[a]! - meanMins[a]!) * ((low[p + a]! | (high[p + a]! << 8)) / 65535);
      builder.position[a] = Math.sign(v) * (Math.exp(Math.abs(v)) - 1);
      builder.scale[a] = scaleFromLog(scaleOf(scaleImage[p + a]!, a));
      builder.sh[a] = sh0Of(sh0Image[p + a]!, a);
    }
    builder.opacity = isV2 ? representableOpacity(sh0Image[p + 3]! / 255) : opacityFromLogit(sh0Of(sh0Image[p + 3]!, 3));
    if (!unpackQuaternion(quats, p, builder.rotation)) badQuaternions++;
    if (shN) shN.fill(i, builder.sh);
    canonicalQuaternion(builder.rotation);
    builder.commit();
  }
  const cloud = builder.finish(bundle.name);
  if (badQuaternions > 0) warnings.push(`${where}: ${badQuaternions} splats have an invalid quaternion tag; they use the identity rotation`);
  cloud.warnings.unshift(...warnings);
  return cloud;
}

/** RGB = the three smaller components, A = 252 + index (w,x,y,z order) of the largest; false for a bad tag. */
function unpackQuaternion(rgba: Uint8Array, p: number, out: Float64Array): boolean {
  const largest = rgba[p + 3]! - 252;
  if (largest < 0 || largest > 3) {
    out.set([1, 0, 0, 0]);
    return false;
  }
  let sum = 0;
  for (let c = 0, j = 0; c < 4; c++) {
    if (c === largest) continue;
    out[c] = ((rgba[p + j]! / 255) * 2 - 1) * Math.SQRT1_2;
    sum += out[c]! * out[c]!;
    j++;
  }
  out[largest] = Math.sqrt(Math.max(0, 1 - sum));
  return true;
}

/** Opens a `.sog` archive (or any zip holding a SOG). */
export function decodeSogArchive(bytes: Uint8Array, name: string): Promise<SplatCloud> {
  if (!isZip(bytes)) throw new Error(`${name}: not a .sog archive (no ZIP signature)`);
  return decodeSog(openZip(bytes, name));
}

interface ShPalette {
  degree: ShDegree;
  /** Writes splat i's coefficients 1..K−1 into a builder's sh ([k·3 + c]). */
  fill(i: number, sh: Float64Array): void;
}

/** Checks and decodes the SH palette (centroids) and labels; the returned filler validates each label. */
async function readShN(read: MetaReader, shN: Json, isV2: boolean, images: SogImages, where: string): Promise<ShPalette> {
  const [centroidsFile, labelsFile] = read.files(shN, 'shN', 2) as [string, string];
  const centroids = await images.decode(centroidsFile, (info) => {
    const bands = isV2 ? read.number(shN, 'shN.bands') : V1_BANDS_BY_CENTROID_WIDTH.get(info.width);
    if (bands === undefined || !(bands >= 1 && bands <= 3 && Number.isInteger(bands))) {
      throw new Error(isV2 ? `${where}: shN.bands must be 1, 2 or 3` : `${where}: SOG v1 centroid width ${info.width} matches no SH band count (192, 512 or 960)`);
    }
    const coeffs = COEFFS_BY_BANDS[bands]!;
    if (info.width !== PALETTE_ROW * coeffs) throw new Error(`${where}: ${centroidsFile} is ${info.width} wide; ${bands} SH bands need ${PALETTE_ROW * coeffs}`);
    if (isV2) {
      const entries = read.number(shN, 'shN.count');
      if (!Number.isInteger(entries) || entries < 1 || entries > 65536) throw new Error(`${where}: shN.count ${entries} is invalid (1 to 65536 palette entries)`);
      if (info.height !== Math.ceil(entries / PALETTE_ROW)) {
        throw new Error(`${where}: ${centroidsFile} is ${info.height} rows high; ${entries} palette entries need ${Math.ceil(entries / PALETTE_ROW)}`);
      }
    } else if (info.height > 65536 / PALETTE_ROW) {
      throw new Error(`${where}: ${centroidsFile} has ${info.height} rows; a 16-bit palette needs at most ${65536 / PALETTE_ROW}`);
    }
  });
  const coeffs = centroids.width / PALETTE_ROW;
  const paletteSize = isV2 ? read.number(shN, 'shN.count') : PALETTE_ROW * centroids.height;
  const value = isV2 ? codebookDecoder(read.numbers(shN, 'shN.codebook', 256)) : lerpDecoder([read.number(shN, 'shN.mins')], [read.number(shN, 'shN.maxs')]);
  const labels = (await images.perSplat(labelsFile)).rgba;
  return {
    degree: COEFFS_BY_BANDS.indexOf(coeffs) as ShDegree,
    fill(i, sh) {
      const entry = labels[4 * i]! | (labels[4 * i + 1]! << 8);
      if (entry >= paletteSize) throw new Error(`${where}: splat ${i} uses SH palette entry ${entry}, but the palette has ${paletteSize}`);
      const first = 4 * (Math.floor(entry / PALETTE_ROW) * centroids.width + (entry % PALETTE_ROW) * coeffs);
      for (let j = 0; j < coeffs; j++) {
        for (let c = 0; c < 3; c++) sh[(1 + j) * 3 + c] = value(centroids.rgba[first + 4 * j + c]!, 0);
      }
    },
  };
}

/** Index → value through a 256-entry codebook (any u8 index is valid). */
function codebookDecoder(codebook: number[]): (byte: number, channel: number) => number {
  const table = Float64Array.from(codebook);
  return (byte) => table[byte]!;
}

/** Byte → lerp(mins[channel], maxs[channel], byte / 255). */
function lerpDecoder(mins: number[], maxs: number[]): (byte: number, channel: number) => number {
  return (byte, channel) => mins[channel]! + (maxs[channel]! - mins[channel]!) * (byte / 255);
}

/** The meta.json to read: the only one, or the one nearest the root. */
function findMeta(bundle: AssetBundle): string {
  const metas = bundle.paths.filter((p) => p === 'meta.json' || p.endsWith('/meta.json'));
  if (metas.length === 0) {
    const lod = bundle.paths.some((p) => p.endsWith('lod-meta.json'));
    throw new Error(
      lod
        ? `${bundle.name} is a streamed SOG (lod-meta.json); open one of its level folders (each has a meta.json) instead`
        : `${bundle.name}: no meta.json found (a SOG is meta.json plus WebP images)`,
    );
  }
  const depth = (p: string) => p.split('/').length;
  metas.sort((a, b) => depth(a) - depth(b));
  if (metas.length > 1 && depth(metas[0]!) === depth(metas[1]!)) {
    throw new Error(`${bundle.name} holds several SOG scenes (${metas.join(', ')}); open one folder`);
  }
  return metas[0]!;
}

/** Reads the images of one SOG, checking each header before decoding it. */
class SogImages {
  private size: { width: number; height: number } | null = null;

  constructor(
    private readonly bundle: AssetBundle,
    private readonly base: string,
    private readonly count: number,
    private readonly where: string,
  ) {}

  /** A per-splat image: lossless, W·H ≥ count with little padding, the same size as the others. */
  perSplat(file: string): Promise<DecodedImage> {
    return this.decode(file, (info) => {
      const pixels = info.width * info.height;
      if (pixels < this.count) throw new Error(`${this.where}: ${file} has ${pixels} pixels (${info.width}×${info.height}) for ${this.count} splats`);
      if (pixels > this.count + Math.max(MAX_PADDING_PIXELS, info.width)) {
        throw new Error(`${this.where}: ${file} is ${info.width}×${info.height}, far larger than ${this.count} splats need`);
      }
      if (this.size && (this.size.width !== info.width || this.size.height !== info.height)) {
        throw new Error(`${this.where}: ${file} is ${info.width}×${info.height}, the other images are ${this.size.width}×${this.size.height}`);
      }
      this.size = { width: info.width, height: info.height };
    });
  }

  /** Decodes `file` after `check` has accepted its header. */
  async decode(file: string, check: (info: { width: number; height: number }) => void): Promise<DecodedImage> {
    const path = this.base + file;
    const bytes = await this.bundle.read(path);
    const name = `${this.bundle.name}/${path}`;
    const info = readWebpInfo(bytes, name);
    if (!info.lossless) throw new Error(`${name} is lossy WebP; SOG images must be lossless (lossy compression corrupts the stored values)`);
    check(info);
    return decodeWebp(bytes, name);
  }
}
