import { describe, expect, test } from 'vitest';
import { DEFAULT_SCENE, parseViewerParams } from '../../src/viewer/urlParams';

describe('viewer URL parameters', () => {
  test('defaults to the bundled scene with the overlay on', () => {
    expect(parseViewerParams('')).toEqual({ scene: DEFAULT_SCENE, url: undefined, method: undefined, camera: undefined, overlay: true, continuous: false });
  });

  test('reads scene, url, method, camera and flags', () => {
    expect(parseViewerParams('?scene=scenes/a.json&camera=3&overlay=0&continuous=1')).toMatchObject({ scene: 'scenes/a.json', camera: 3, overlay: false, continuous: true });
    expect(parseViewerParams('?url=https%3A%2F%2Fx.org%2Fa.ply&method=gaussians3d')).toMatchObject({ scene: undefined, url: 'https://x.org/a.ply', method: 'gaussians3d' });
    expect(parseViewerParams('?empty=1')).toMatchObject({ scene: undefined, url: undefined });
  });

  test('refuses contradictions and bad values with the parameter named', () => {
    expect(() => parseViewerParams('?scene=a.json&url=b.ply')).toThrow('either ?scene= or ?url=');
    expect(() => parseViewerParams('?url=')).toThrow('?url= needs a value');
    expect(() => parseViewerParams('?method=x')).toThrow('?method= applies to ?url= only');
    expect(() => parseViewerParams('?camera=-2')).toThrow('?camera=-2: expected a camera index');
    expect(() => parseViewerParams('?overlay=maybe')).toThrow('?overlay=maybe: expected 1 or 0');
    expect(() => parseViewerParams('?empty=1&scene=a.json')).toThrow('?empty=1 opens nothing');
  });
});
