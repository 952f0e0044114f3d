/**
 * Every rendering method the viewer offers. A method is picked by a scene file (`method` id), by the
 * switcher in the GUI, or for a dropped file by sniffing its first bytes and, failing that, by its
 * extension.
 */
import { gaussians3d } from './gaussians3d';
import { gaussians4d } from './gaussians4d';
import { gaussianImage } from './gaussianImage';
import { testPattern } from './testPattern';
import type { MethodDefinition } from './types';

// Each definition is generic in its own params type; the viewer only passes params back to the
// definition that made them.
export type AnyMethodDefinition = MethodDefinition<any>;

/** In the order the GUI lists them. */
export const methods: readonly AnyMethodDefinition[] = [gaussians3d, gaussians4d, gaussianImage, testPattern];

/** Sniffing asks the most specific formats first: a 4D .ply is also a valid 3DGS-looking PLY. */
const SNIFF_ORDER: readonly AnyMethodDefinition[] = [gaussians4d, gaussians3d, gaussianImage];

export function methodById(id: string): AnyMethodDefinition {
  const method = methods.find((m) => m.id === id);
  if (!method) throw new Error(`Unknown method '${id}'. Registered methods: ${methods.map((m) => m.id).join(', ')}`);
  return method;
}

export function methodIds(): string[] {
  return methods.map((m) => m.id);
}

/** The method that opens a multi-file asset (a dropped folder): the first that opens bundles. */
export function methodForBundle(name: string): AnyMethodDefinition {
  const method = methods.find((m) => m.opensBundles);
  if (!method) throw new Error(`No method opens a folder of several files ('${name}'); drop a single file.`);
  return method;
}

/**
 * How many leading bytes of a file `methodForAsset` should see: enough for a whole PLY header with
 * 4D properties (a 3-degree 4D SH header runs to ~3 KB), so a 4D .ply is told from a 3DGS one by content.
 */
export const SNIFF_BYTES = 8192;

/** The method that opens a file: by content where the format allows, else by extension; a clear error when none does. */
export function methodForAsset(name: string, head: Uint8Array): AnyMethodDefinition {
  const bySniff = SNIFF_ORDER.find((m) => m.sniff?.(head));
  if (bySniff) return bySniff;
  const lower = name.toLowerCase().split(/[?#]/)[0]!;
  const byExtension = methods.find((m) => m.extensions.some((ext) => lower.endsWith(ext)));
  if (byExtension) return byExtension;
  const known = [...new Set(methods.flatMap((m) => m.extensions))];
  throw new Error(`No method opens '${name}'. Supported files: ${known.join(', ')}, or a scene .json.`);
}
