/**
 * Every rendering method the viewer offers. A method is picked by a scene file (`method` id), by the
 * switcher in the GUI, or for a dropped file by its extension and, where the format allows, by
 * sniffing its first bytes.
 */
import type { MethodDefinition } from './types';
import { gaussians3d } from './gaussians3d';
import { testPattern } from './testPattern';

// Each definition is generic in its own params type; the viewer only passes params back to the
// definition that made them.
export type AnyMethodDefinition = MethodDefinition<any>;

export const methods: readonly AnyMethodDefinition[] = [gaussians3d, testPattern];

export function methodById(id: string): AnyMethodDefinition {
  const method = methods.find((m) => m.id === id);
  if (!method) throw new Error(`Unknown method '${id}'. Registered methods: ${methods.map((m) => m.id).join(', ')}`);
  return method;
}

export function methodIds(): string[] {
  return methods.map((m) => m.id);
}

/** The method that opens a file, by extension, else by content sniffing; a clear error when none does. */
export function methodForAsset(name: string, head: Uint8Array): AnyMethodDefinition {
  const lower = name.toLowerCase().split(/[?#]/)[0]!;
  const byExtension = methods.find((m) => m.extensions.some((ext) => lower.endsWith(ext)));
  if (byExtension) return byExtension;
  const bySniff = methods.find((m) => m.sniff?.(head));
  if (bySniff) return bySniff;
  const known = methods.flatMap((m) => m.extensions);
  throw new Error(`No method opens '${name}'. Supported files: ${known.length ? known.join(', ') : '(none yet)'}, or a scene .json.`);
}
