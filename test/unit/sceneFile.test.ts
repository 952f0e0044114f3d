import { describe, expect, test } from 'vitest';
import { readCamerasDocument, parseSceneFile, resolveCameraRef, SceneFileError } from '../../src/viewer/sceneFile';

const METHODS = ['gaussians3d', 'testPattern'];
const camera = { id: 0, img_name: 'a', width: 40, height: 30, position: [0, 0, -2], rotation: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], fx: 50, fy: 50 };

function problems(json: unknown): string {
  try {
    parseSceneFile(json, 'x.json', METHODS);
  } catch (error) {
    expect(error).toBeInstanceOf(SceneFileError);
    return (error as Error).message;
  }
  throw new Error('expected the scene to be refused');
}

describe('scene files', () => {
  test('a full scene parses with defaults filled and up normalised', () => {
    const scene = parseSceneFile(
      {
        method: 'gaussians3d',
        asset: '../assets/x.ply',
        cameras: [camera, { ...camera, img_name: 'b' }],
        camera: 'b',
        cameraPath: { cameras: [0, 'b'], seconds: 4 },
        up: [0, 0, 2],
        paperRate: { fps: 100, gpu: 'RTX A6000', resolution: '1920x1080', source: 'Kerbl et al. 2023' },
      },
      'x.json',
      METHODS,
    );
    expect(scene.background).toEqual([0, 0, 0]);
    expect(scene.time).toBe(0);
    expect(scene.up).toEqual([0, 0, 1]);
    expect(scene.cameraPath).toEqual({ cameras: [0, 'b'], seconds: 4, loop: true });
    expect(scene.camera).toBe('b');
  });

  test('every problem is reported with its path, all at once', () => {
    const message = problems({ method: 'nerf', camra: 1, background: [2, 0, 0], time: 'now', paperRate: { fps: -1, gpu: '', resolution: '1080p', source: 's' } });
    expect(message).toMatch(/^x\.json:/);
    expect(message).toContain('camra: unknown key');
    expect(message).toContain("method: 'nerf' is not a registered method (gaussians3d, testPattern)");
    expect(message).toContain('asset: required');
    expect(message).toContain('background: values must be in [0, 1]');
    expect(message).toContain('time: must be a finite number');
    expect(message).toContain('paperRate.fps: must be a positive number');
    expect(message).toContain('paperRate.gpu: must be a non-empty string');
    expect(message).toContain("paperRate.resolution: must look like '1920x1080'");
  });

  test('cameras: bad entries, references without cameras, short paths, zero up', () => {
    expect(problems({ method: 'testPattern', asset: 'a', cameras: [camera, { ...camera, fx: 0 }] })).toContain("cameras: cameras.json entry 1: 'fx' must be a positive number");
    expect(problems({ method: 'testPattern', asset: 'a', camera: 0 })).toContain('camera: names a camera but the scene has no cameras');
    expect(problems({ method: 'testPattern', asset: 'a', cameras: 'c.json', cameraPath: { cameras: [0], seconds: 0 } })).toMatch(
      /cameraPath\.cameras: needs at least 2[\s\S]*cameraPath\.seconds: must be a positive number/,
    );
    expect(problems({ method: 'testPattern', asset: 'a', up: [0, 0, 0] })).toContain('up: must not be the zero vector');
    expect(problems({ method: 'testPattern', asset: 'a', cameras: 'c.json', camera: -1 })).toContain('camera: must be a camera index');
    expect(problems([])).toContain('must be a JSON object');
  });

  test('cameras.json documents and camera references', () => {
    expect(readCamerasDocument([camera], 'c.json')).toHaveLength(1);
    expect(() => readCamerasDocument([], 'c.json')).toThrow('c.json: cameras.json has no cameras');
    expect(() => readCamerasDocument({ cameras: [] }, 'c.json')).toThrow('c.json: cameras.json must be an array');
    expect(() => readCamerasDocument([{ ...camera, position: [0, 0] }], 'c.json')).toThrow("c.json: cameras.json entry 0: 'position' must be 3 finite numbers");
    const list = [camera, { ...camera, img_name: 'b' }];
    expect(resolveCameraRef(1, list, 's')).toBe(1);
    expect(resolveCameraRef('b', list, 's')).toBe(1);
    expect(() => resolveCameraRef(2, list, 's')).toThrow('s: camera 2 does not exist (the scene has 2 cameras)');
    expect(() => resolveCameraRef('zz', list, 's')).toThrow("s: no camera has img_name 'zz'");
  });
});
