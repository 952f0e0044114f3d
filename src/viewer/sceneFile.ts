/**
 * Scene files (scenes/*.json): which method opens which asset, with which cameras, time, background
 * and the paper's reported rate. Validation collects every problem with its JSON path, so a typo
 * reads as "scene.json: camra: unknown key", never as a blank canvas.
 *
 *   {
 *     "method": "gaussians3d",             method id from src/methods/registry.ts
 *     "asset": "../assets/x.ply",          URL, relative to the scene file
 *     "cameras": "x_cameras.json" | [...],  INRIA cameras.json: a URL (relative) or the entries inline
 *     "camera": 0 | "img_name",            the camera to open with (index or img_name)
 *     "cameraPath": { "cameras": [0, 3], "seconds": 10, "loop": true },   interpolated while playing
 *     "time": 0,                           scene time for dynamic methods
 *     "background": [0, 0, 0],             linear RGB in [0, 1]
 *     "up": [0, -1, 0],                    world up; else derived from the cameras; else -y
 *     "paperRate": { "fps": 100, "gpu": "RTX A6000", "resolution": "1920x1080", "source": "..." }
 *   }
 */
import type { InriaCameraEntry, Vec3 } from '../camera/camera';
import { parseInriaCameras } from '../camera/camerasJson';
import type { PaperRate } from '../methods/types';

export interface CameraPathSpec {
  /** Cameras (index or img_name) visited in order, evenly spaced in time. */
  cameras: Array<number | string>;
  /** Duration of one pass over the path. */
  seconds: number;
  loop: boolean;
}

export interface SceneFile {
  method: string;
  asset: string;
  cameras?: string | InriaCameraEntry[];
  camera?: number | string;
  cameraPath?: CameraPathSpec;
  time: number;
  background: Vec3;
  up?: Vec3;
  paperRate?: PaperRate;
}

export class SceneFileError extends Error {
  override name = 'SceneFileError';
}

const KEYS = ['method', 'asset', 'cameras', 'camera', 'cameraPath', 'time', 'background', 'up', 'paperRate'];

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: Json): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Validated entries of a cameras.json document (engineer B's parser), with the file named in errors. */
export function readCamerasDocument(json: Json, where: string): InriaCameraEntry[] {
  try {
    return parseInriaCameras(json);
  } catch (error) {
    throw new SceneFileError(`${where}: ${(error as Error).message}`);
  }
}

function vec3(v: Json, path: string, problems: string[], range?: [number, number]): Vec3 | undefined {
  if (!Array.isArray(v) || v.length !== 3 || !v.every(isFiniteNumber)) {
    problems.push(`${path}: must be an array of 3 finite numbers`);
    return undefined;
  }
  if (range && v.some((x) => x < range[0] || x > range[1])) problems.push(`${path}: values must be in [${range[0]}, ${range[1]}]`);
  return v as Vec3;
}

function cameraRef(v: Json, path: string, problems: string[]): number | string | undefined {
  if (typeof v === 'string' && v.length > 0) return v;
  if (isFiniteNumber(v) && Number.isInteger(v) && v >= 0) return v;
  problems.push(`${path}: must be a camera index (integer >= 0) or an img_name`);
  return undefined;
}

/**
 * Validates a parsed scene file. `knownMethods` are the registered method ids; `where` names the
 * file in messages. Throws SceneFileError listing every problem.
 */
export function parseSceneFile(json: Json, where: string, knownMethods: readonly string[]): SceneFile {
  if (!isObject(json)) throw new SceneFileError(`${where}: a scene file must be a JSON object`);
  const problems: string[] = [];
  for (const key of Object.keys(json)) {
    if (!KEYS.includes(key)) problems.push(`${key}: unknown key (expected one of ${KEYS.join(', ')})`);
  }

  const method = json.method;
  if (typeof method !== 'string') problems.push('method: required, a method id');
  else if (!knownMethods.includes(method)) problems.push(`method: '${method}' is not a registered method (${knownMethods.join(', ')})`);

  const asset = json.asset;
  if (typeof asset !== 'string' || asset.length === 0) problems.push('asset: required, a URL relative to the scene file');

  let cameras: SceneFile['cameras'];
  if (json.cameras !== undefined) {
    if (typeof json.cameras === 'string' && json.cameras.length > 0) cameras = json.cameras;
    else if (Array.isArray(json.cameras) && json.cameras.length > 0) {
      try {
        cameras = parseInriaCameras(json.cameras);
      } catch (error) {
        problems.push(`cameras: ${(error as Error).message}`);
      }
    } else problems.push('cameras: must be the URL of a cameras.json or a non-empty array of cameras.json entries');
  }

  const camera = json.camera === undefined ? undefined : cameraRef(json.camera, 'camera', problems);
  if (camera !== undefined && cameras === undefined) problems.push('camera: names a camera but the scene has no cameras');

  let cameraPath: CameraPathSpec | undefined;
  if (json.cameraPath !== undefined) {
    const p = json.cameraPath;
    if (!isObject(p)) problems.push('cameraPath: must be { "cameras": [...], "seconds": n, "loop": bool }');
    else {
      const list = Array.isArray(p.cameras) ? p.cameras.map((c, i) => cameraRef(c, `cameraPath.cameras[${i}]`, problems)) : [];
      if (!Array.isArray(p.cameras) || p.cameras.length < 2) problems.push('cameraPath.cameras: needs at least 2 cameras');
      if (!isFiniteNumber(p.seconds) || p.seconds <= 0) problems.push('cameraPath.seconds: must be a positive number');
      if (p.loop !== undefined && typeof p.loop !== 'boolean') problems.push('cameraPath.loop: must be true or false');
      if (cameras === undefined) problems.push('cameraPath: needs the scene to have cameras');
      cameraPath = { cameras: list as Array<number | string>, seconds: p.seconds as number, loop: p.loop !== false };
    }
  }

  let time = 0;
  if (json.time !== undefined) {
    if (isFiniteNumber(json.time)) time = json.time;
    else problems.push('time: must be a finite number');
  }
  const background = json.background === undefined ? ([0, 0, 0] as Vec3) : vec3(json.background, 'background', problems, [0, 1]);
  let up: Vec3 | undefined;
  if (json.up !== undefined) {
    up = vec3(json.up, 'up', problems);
    if (up && Math.hypot(...up) === 0) problems.push('up: must not be the zero vector');
  }

  let paperRate: PaperRate | undefined;
  if (json.paperRate !== undefined) {
    const r = json.paperRate;
    if (!isObject(r)) problems.push('paperRate: must be { fps, gpu, resolution, source }');
    else {
      if (!isFiniteNumber(r.fps) || r.fps <= 0) problems.push('paperRate.fps: must be a positive number');
      for (const key of ['gpu', 'source'] as const) {
        if (typeof r[key] !== 'string' || (r[key] as string).length === 0) problems.push(`paperRate.${key}: must be a non-empty string`);
      }
      if (typeof r.resolution !== 'string' || !/^\d+x\d+$/.test(r.resolution)) problems.push("paperRate.resolution: must look like '1920x1080'");
      paperRate = r as unknown as PaperRate;
    }
  }

  if (problems.length) throw new SceneFileError(`${where}:\n  ${problems.join('\n  ')}`);
  return {
    method: method as string,
    asset: asset as string,
    cameras,
    camera,
    cameraPath,
    time,
    background: background!,
    up: up && normalizeVec3(up),
    paperRate,
  };
}

function normalizeVec3(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** Index of a camera named by index or img_name, with a clear message when it does not exist. */
export function resolveCameraRef(ref: number | string, cameras: ReadonlyArray<{ img_name?: string }>, where: string): number {
  if (typeof ref === 'number') {
    if (ref >= cameras.length) throw new SceneFileError(`${where}: camera ${ref} does not exist (the scene has ${cameras.length} cameras)`);
    return ref;
  }
  const index = cameras.findIndex((c) => c.img_name === ref);
  if (index < 0) throw new SceneFileError(`${where}: no camera has img_name '${ref}'`);
  return index;
}
