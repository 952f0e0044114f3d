/**
 * Which splat format a file is, from its first bytes, and the stream-level hook that opens the
 * formats of this folder for `loadSplatScene` (methods/gaussians3d/load.ts).
 *
 * Content first: PLY ("ply\n"; INRIA or compressed is told apart by the header's elements, see
 * compressedPly.ts), SPZ ("NGSP", or gzip, the only gzip format here), ZIP (a .sog bundle; its
 * meta.json is checked when opened), JSON (a lone SOG meta.json). The extension decides only for
 * formats without a magic: .ksplat and .splat; a headerless file of another name is taken for a
 * .ksplat when its header looks like one.
 */
import type { AssetSource } from '../methods/types';
import type { SplatCloud } from '../methods/gaussians3d/splatCloud';
import { decodeKsplat, looksLikeKsplat } from './ksplat';
import { isPlyMagic } from './ply';
import { decodeSogArchive } from './sog';
import { decodeSpz, isSpz } from './spz';
import { concatBytes, type ChunkReader } from './stream';
import { isZip } from './zip';

export type SplatFileFormat = 'ply' | 'spz' | 'sog' | 'sog-meta' | 'ksplat' | 'splat';

/** Bytes `detectSplatFormat` looks at. */
export const SNIFF_BYTES = 64;

/** Extensions of the formats opened through `decodeOtherSplatFormat` (lower case, with the dot). */
export const OTHER_SPLAT_EXTENSIONS = ['.spz', '.sog', '.ksplat'] as const;

export function extensionOf(name: string): string {
  const path = name.split(/[?#]/)[0]!;
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') && dot >= 0 ? path.slice(dot).toLowerCase() : '';
}

/** The format of a file from its first SNIFF_BYTES bytes and its name, or null if it is none of them. */
export function detectSplatFormat(head: Uint8Array, name: string): SplatFileFormat | null {
  if (isPlyMagic(head)) return 'ply';
  if (isSpz(head)) return 'spz';
  if (isZip(head)) return 'sog';
  const extension = extensionOf(name);
  if (extension === '.json' && new TextDecoder().decode(head).trimStart().startsWith('{')) return 'sog-meta';
  if (extension === '.ksplat') return 'ksplat';
  if (extension === '.splat') return 'splat';
  return looksLikeKsplat(head) ? 'ksplat' : null;
}

/** True when the first bytes carry one of this folder's magics (for a method's `sniff`). */
export function sniffOtherSplatFormat(head: Uint8Array): boolean {
  return isSpz(head) || isZip(head);
}

/**
 * Opens the formats of this folder from a stream whose first bytes are `head` (still unread):
 * SPZ, .sog and .ksplat are read whole, then decoded. Returns null for PLY, .splat and unknown
 * files, which the caller handles.
 */
export async function decodeOtherSplatFormat(reader: ChunkReader, head: Uint8Array, source: Pick<AssetSource, 'name'>): Promise<SplatCloud | null> {
  const format = detectSplatFormat(head, source.name);
  if (format === 'sog-meta') {
    throw new Error(`${source.name} is a SOG meta.json; open it together with its images (drop the whole folder, or the .sog file)`);
  }
  if (format !== 'spz' && format !== 'sog' && format !== 'ksplat') return null;
  const chunks: Uint8Array[] = [];
  for (let chunk = await reader.next(); chunk; chunk = await reader.next()) chunks.push(chunk);
  const bytes = concatBytes(chunks);
  if (format === 'spz') return decodeSpz(bytes, source.name);
  if (format === 'ksplat') return decodeKsplat(bytes, source.name);
  return decodeSogArchive(bytes, source.name);
}
