/**
 * Query parameters of the viewer page:
 *   ?scene=scenes/x.json   open a scene file (relative to the page)
 *   ?url=https://.../x.ply open an asset; the method follows from the file (or ?method=)
 *   ?method=id             the method for ?url=
 *   ?camera=K              start at camera K of the scene
 *   ?overlay=0             start with the overlay hidden
 *   ?continuous=1          redraw every frame (for measuring), not only on change
 *   ?empty=1               open nothing (the command-line tools load through window.nerve)
 * Without ?scene, ?url or ?empty the bundled default scene opens.
 */

export const DEFAULT_SCENE = 'scenes/donut.json';

export interface ViewerParams {
  scene?: string;
  url?: string;
  method?: string;
  camera?: number;
  overlay: boolean;
  continuous: boolean;
}

function flag(value: string | null, name: string, fallback: boolean): boolean {
  if (value === null) return fallback;
  if (['1', 'true', 'on', ''].includes(value)) return true;
  if (['0', 'false', 'off'].includes(value)) return false;
  throw new Error(`?${name}=${value}: expected 1 or 0`);
}

/** Parses `location.search`; throws with a message naming the bad parameter. */
export function parseViewerParams(search: string): ViewerParams {
  const q = new URLSearchParams(search);
  const scene = q.get('scene') ?? undefined;
  const url = q.get('url') ?? undefined;
  if (scene !== undefined && url !== undefined) throw new Error('Use either ?scene= or ?url=, not both');
  const empty = flag(q.get('empty'), 'empty', false);
  if (empty && (scene !== undefined || url !== undefined)) throw new Error('?empty=1 opens nothing; drop ?scene= / ?url=');
  if (scene === '' || url === '') throw new Error(`?${scene === '' ? 'scene' : 'url'}= needs a value`);
  const method = q.get('method') ?? undefined;
  if (method !== undefined && url === undefined) throw new Error('?method= applies to ?url= only (a scene file names its own method)');
  let camera: number | undefined;
  const cameraText = q.get('camera');
  if (cameraText !== null) {
    camera = Number(cameraText);
    if (!Number.isInteger(camera) || camera < 0) throw new Error(`?camera=${cameraText}: expected a camera index (integer >= 0)`);
  }
  return {
    scene: scene ?? (url === undefined && !empty ? DEFAULT_SCENE : undefined),
    url,
    method,
    camera,
    overlay: flag(q.get('overlay'), 'overlay', true),
    continuous: flag(q.get('continuous'), 'continuous', false),
  };
}
