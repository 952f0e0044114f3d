/**
 * Opens a 3DGS scene that arrives as several files (a dropped folder, files picked together, a
 * directory in the CLI): a SOG when the bundle holds a meta.json, else its single scene file through
 * `loadSplatBytes`, which detects the format by content.
 */
import { loadSplatBytes } from '../methods/gaussians3d/load';
import type { SplatCloud } from '../methods/gaussians3d/splatCloud';
import type { AssetBundle } from './bundle';
import { decodeSog } from './sog';

export async function loadSplatBundle(bundle: AssetBundle): Promise<SplatCloud> {
  // meta.json, or a streamed SOG's lod-meta.json (decodeSog explains that one).
  if (bundle.paths.some((p) => p.endsWith('meta.json'))) return decodeSog(bundle);
  if (bundle.paths.length === 1) return loadSplatBytes(bundle.paths[0]!, await bundle.read(bundle.paths[0]!));
  throw new Error(
    `${bundle.name}: ${bundle.paths.length} files but no SOG meta.json; open one scene file at a time ` +
      `(.ply, .splat, .ksplat, .spz, .sog) or a SOG folder`,
  );
}
