/**
 * Turns the command line's input (a scene .json or a bare asset) plus overrides into one scene
 * object for `window.nerve.openSceneObject`, validated in Node with the app's own validator so a
 * bad file fails before a browser starts. Local paths become URLs of the loopback server.
 */
import { existsSync, readFileSync, openSync, readSync, closeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { cameraFromInria, type Camera, type InriaCameraEntry } from '../../src/camera/camera';
import { SNIFF_BYTES, methodForAsset, methodIds } from '../../src/methods/registry';
import { readCamerasDocument, parseSceneFile, resolveCameraRef, type SceneFile } from '../../src/viewer/sceneFile';

export interface SceneInput {
  /** The scene, with every path relative to `baseDir`. */
  scene: SceneFile;
  baseDir: string;
  /** The camera the scene opens with, when it names one (for the default render size). */
  camera?: Camera;
}

export interface SceneOverrides {
  method?: string;
  camera?: string;
  cameraIndex?: number;
  background?: [number, number, number];
  time?: number;
}

function readJsonFile(path: string): unknown {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function head(path: string, bytes = SNIFF_BYTES): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buffer = new Uint8Array(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

export function loadSceneInput(input: string, overrides: SceneOverrides): SceneInput {
  const path = resolve(input);
  if (!existsSync(path)) throw new Error(`${input}: no such file`);
  let scene: SceneFile;
  let baseDir = dirname(path);
  if (path.toLowerCase().endsWith('.json')) {
    const json = readJsonFile(path);
    const withMethod = overrides.method && typeof json === 'object' && json !== null ? { ...json, method: overrides.method } : json;
    scene = parseSceneFile(withMethod, input, methodIds());
  } else {
    const method = overrides.method ?? methodForAsset(path, head(path)).id;
    scene = parseSceneFile({ method, asset: path.split('/').pop() }, input, methodIds());
  }
  if (overrides.background) scene.background = overrides.background;
  if (overrides.time !== undefined) scene.time = overrides.time;

  let entries: InriaCameraEntry[] | undefined;
  if (overrides.camera) {
    const camerasPath = resolve(overrides.camera);
    entries = readCamerasDocument(readJsonFile(camerasPath), overrides.camera);
    // Inline the entries: the scene's own directory may not contain the cameras file.
    scene.cameras = entries;
    scene.camera = overrides.cameraIndex ?? 0;
    scene.cameraPath = undefined;
  } else if (scene.cameras !== undefined) {
    entries = typeof scene.cameras === 'string' ? readCamerasDocument(readJsonFile(resolve(baseDir, scene.cameras)), scene.cameras) : scene.cameras;
    if (overrides.cameraIndex !== undefined) scene.camera = overrides.cameraIndex;
  } else if (overrides.cameraIndex !== undefined) {
    throw new Error('--camera-index needs cameras: pass --camera cameras.json or a scene with "cameras"');
  }
  const camera = entries && scene.camera !== undefined ? cameraFromInria(entries[resolveCameraRef(scene.camera, entries, input)]!) : undefined;
  baseDir = resolve(baseDir);
  return { scene, baseDir, camera };
}
