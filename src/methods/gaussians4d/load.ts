/**
 * Opens a dynamic scene from a stream by its content: the .splatv magic or a PLY (nerve's 4D
 * layout). Decoding runs as chunks arrive, with the source's progress and AbortSignal; failures
 * name the file.
 */
import { isPlyMagic, readPlyHeader } from '../../formats/ply';
import { ChunkReader } from '../../formats/stream';
import type { AssetSource } from '../types';
import type { Gaussian4dCloud } from './cloud4d';
import { decodePly4d } from './ply4d';
import { decodeSplatv, isSplatvMagic, type SplatvScene } from './splatv';

export type DynamicScene = { kind: '4d'; cloud: Gaussian4dCloud } | { kind: 'splatv'; scene: SplatvScene };

export async function loadDynamicScene(source: AssetSource): Promise<DynamicScene> {
  const reader = new ChunkReader(source);
  try {
    const head = await reader.peek(4);
    if (head.byteLength === 0) throw new Error(`${source.name} is empty (0 bytes)`);
    if (isSplatvMagic(head)) return { kind: 'splatv', scene: await decodeSplatv(reader, source) };
    if (isPlyMagic(head)) return { kind: '4d', cloud: await decodePly4d(reader, await readPlyHeader(reader, source.name), source) };
    throw new Error(`${source.name}: unknown file type; dynamic scenes open from .splatv or a 4D Gaussian .ply`);
  } finally {
    await reader.close();
  }
}
