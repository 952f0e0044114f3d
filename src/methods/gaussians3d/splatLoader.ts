/**
 * antimatter15 .splat → SplatCloud (../shared/docs/splat-formats.md §2). No header: the splat count
 * is the byte size / 32. Each little-endian record:
 * | offset | type   | field                                                        |
 * |--------|--------|--------------------------------------------------------------|
 * | 0      | f32×3  | position x, y, z                                             |
 * | 12     | f32×3  | linear scale                                                 |
 * | 24     | u8×4   | R, G, B = (0.5 + SH_C0·f_dc)·255 clamped; A = opacity·255     |
 * | 28     | u8×4   | quaternion (w, x, y, z), each q·128 + 128                    |
 * Decoded: f_dc = (c/255 − 0.5)/SH_C0, opacity = A/255, q = normalise((b − 128)/128). No higher SH.
 */
import type { ChunkReader } from '../../formats/stream';
import type { AssetSource } from '../types';
import { SplatCloudBuilder } from './cloudBuilder';
import { SH_C0, type SplatCloud } from './splatCloud';

export const SPLAT_RECORD_BYTES = 32;
/** Without a known size the count is open-ended; arrays still grow only as records arrive. */
const MAX_SPLATS = 2 ** 31 - 1;

export async function decodeAntimatterSplat(reader: ChunkReader, file: Pick<AssetSource, 'name' | 'size'>): Promise<SplatCloud> {
  const { name, size } = file;
  const notMultiple = (bytes: number) =>
    new Error(`${name} is ${bytes} bytes, not a multiple of ${SPLAT_RECORD_BYTES} (a .splat file is ${SPLAT_RECORD_BYTES} bytes per splat): truncated or not a .splat file`);
  if (size !== undefined && size % SPLAT_RECORD_BYTES !== 0) throw notMultiple(size);
  const count = size === undefined ? MAX_SPLATS : size / SPLAT_RECORD_BYTES;
  const builder = new SplatCloudBuilder(0, count, size !== undefined);

  const decodeBlock = (bytes: Uint8Array, records: number): void => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let r = 0, base = 0; r < records; r++, base += SPLAT_RECORD_BYTES) {
      for (let c = 0; c < 3; c++) {
        builder.position[c] = view.getFloat32(base + 4 * c, true);
        builder.scale[c] = view.getFloat32(base + 12 + 4 * c, true);
        builder.sh[c] = (bytes[base + 24 + c]! / 255 - 0.5) / SH_C0;
      }
      builder.opacity = bytes[base + 27]! / 255;
      for (let c = 0; c < 4; c++) builder.rotation[c] = (bytes[base + 28 + c]! - 128) / 128;
      builder.commit();
    }
  };
  const { records, partialBytes } = await reader.readRecords(SPLAT_RECORD_BYTES, count, decodeBlock);
  const got = records * SPLAT_RECORD_BYTES + partialBytes;
  if (partialBytes > 0) throw notMultiple(got);
  if (size !== undefined) {
    if (records < count) throw new Error(`${name} is truncated: expected ${size} bytes (${count} splats), got ${got}`);
    const extra = await reader.drain();
    if (extra > 0) throw new Error(`${name}: the stream has ${extra} bytes more than its announced size of ${size}`);
  }
  return builder.finish(name);
}
