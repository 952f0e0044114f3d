/**
 * Opens a 3DGS scene from a stream, whatever file it is: content first (the `ply` magic), then the
 * file extension for header-less formats (.splat). Decoding runs as chunks arrive, with the
 * source's progress callback and AbortSignal; every failure is an Error whose message names the file.
 */
import { decodeCompressedPly, isCompressedPlyHeader } from '../../formats/compressedPly';
import { decodeOtherSplatFormat, OTHER_SPLAT_EXTENSIONS, SNIFF_BYTES, sniffOtherSplatFormat } from '../../formats/detect';
import { isPlyMagic, readPlyHeader } from '../../formats/ply';
import { ChunkReader, streamFromBytes } from '../../formats/stream';
import type { AssetSource } from '../types';
import { decodeInriaPly } from './plyLoader';
import type { SplatCloud } from './splatCloud';
import { decodeAntimatterSplat } from './splatLoader';

/** Extensions this loader opens (lower case, with the dot). */
export const SPLAT_SCENE_EXTENSIONS = ['.ply', '.splat', ...OTHER_SPLAT_EXTENSIONS] as const;

/** Content sniffing on the first bytes: only PLY has a magic; .splat is known by its extension. */
export function sniffSplatScene(head: Uint8Array): boolean {
  return isPlyMagic(head) || sniffOtherSplatFormat(head);
}

function extensionOf(name: string): string {
  const path = name.split(/[?#]/)[0]!;
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') && dot >= 0 ? path.slice(dot).toLowerCase() : '';
}

export async function loadSplatScene(source: AssetSource): Promise<SplatCloud> {
  const reader = new ChunkReader(source);
  try {
    const head = await reader.peek(SNIFF_BYTES);
    if (head.byteLength === 0) throw new Error(`${source.name} is empty (0 bytes)`);
    if (isPlyMagic(head)) {
      const header = await readPlyHeader(reader, source.name);
      if (isCompressedPlyHeader(header)) return await decodeCompressedPly(reader, header, source);
      return await decodeInriaPly(reader, header, source);
    }
    const other = await decodeOtherSplatFormat(reader, head, source);
    if (other) return other;
    const extension = extensionOf(source.name);
    if (extension === '.splat') return await decodeAntimatterSplat(reader, source);
    if (extension === '.ply') throw new Error(`${source.name} is not a PLY file (it does not start with the line "ply")`);
    throw new Error(`${source.name}: unknown file type; 3DGS scenes open from .ply (INRIA or compressed), .splat, .ksplat, .spz or .sog`);
  } finally {
    await reader.close();
  }
}

/** loadSplatScene on bytes already in memory (tests, tools, cached downloads). */
export function loadSplatBytes(name: string, bytes: Uint8Array, chunkSize?: number): Promise<SplatCloud> {
  return loadSplatScene({ name, size: bytes.byteLength, stream: streamFromBytes(bytes, chunkSize) });
}
