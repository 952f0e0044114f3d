/**
 * The `cameras.json` INRIA 3DGS training writes next to its point clouds: an array of
 * { id, img_name, width, height, position: [3], rotation: [[3],[3],[3]] (camera-to-world), fx, fy },
 * COLMAP axes (x right, y down, z forward). Validated entry by entry so a malformed file names the
 * entry and the field at fault, then turned into Cameras with `cameraFromInria`.
 */
import { cameraFromInria, type Camera, type InriaCameraEntry } from './camera';

/** Output size: both given, or one of them with the other following each entry's aspect ratio. */
export interface CameraResolution {
  width?: number;
  height?: number;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function checkEntry(value: unknown, index: number): InriaCameraEntry {
  const where = `cameras.json entry ${index}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where} is not an object`);
  const e = value as Record<string, unknown>;
  const positive = (key: string, integer: boolean): number => {
    const v = e[key];
    if (!isFiniteNumber(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      throw new Error(`${where}: '${key}' must be a positive ${integer ? 'integer' : 'number'} (got ${JSON.stringify(v)})`);
    }
    return v;
  };
  const vector3 = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v) || v.length !== 3 || !v.every(isFiniteNumber)) {
      throw new Error(`${where}: ${what} must be 3 finite numbers (got ${JSON.stringify(v)})`);
    }
    return v;
  };
  const width = positive('width', true);
  const height = positive('height', true);
  const fx = positive('fx', false);
  const fy = positive('fy', false);
  const position = vector3(e.position, "'position'");
  if (!Array.isArray(e.rotation) || e.rotation.length !== 3) {
    throw new Error(`${where}: 'rotation' must be a 3x3 array of rows (got ${JSON.stringify(e.rotation)})`);
  }
  const rotation = e.rotation.map((row, i) => vector3(row, `'rotation' row ${i}`));
  // A camera-to-world rotation has orthonormal rows; a loose tolerance still catches transposed
  // 4x4 matrices, degrees or garbage.
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const dot = rotation[i]![0]! * rotation[j]![0]! + rotation[i]![1]! * rotation[j]![1]! + rotation[i]![2]! * rotation[j]![2]!;
      if (Math.abs(dot - (i === j ? 1 : 0)) > 1e-3) throw new Error(`${where}: 'rotation' is not a rotation matrix (rows not orthonormal)`);
    }
  }
  return {
    id: isFiniteNumber(e.id) ? e.id : undefined,
    img_name: typeof e.img_name === 'string' ? e.img_name : undefined,
    width,
    height,
    position,
    rotation,
    fx,
    fy,
  };
}

/** Validated entries of a parsed cameras.json. */
export function parseInriaCameras(json: unknown): InriaCameraEntry[] {
  if (!Array.isArray(json)) throw new Error('cameras.json must be an array of camera entries');
  if (json.length === 0) throw new Error('cameras.json has no cameras');
  return json.map(checkEntry);
}

/**
 * Cameras from the text of a cameras.json, at each entry's own resolution or at `resolution`
 * (same field of view; a missing side follows the entry's aspect ratio).
 */
export function camerasFromInriaJson(text: string, resolution: CameraResolution = {}): Camera[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`cameras.json is not valid JSON: ${(error as Error).message}`);
  }
  for (const [key, v] of Object.entries(resolution)) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new Error(`camera ${key} must be a positive integer (got ${v})`);
  }
  return parseInriaCameras(json).map((entry) => {
    const width = resolution.width ?? (resolution.height ? Math.max(1, Math.round((resolution.height * entry.width) / entry.height)) : entry.width);
    const height = resolution.height ?? (resolution.width ? Math.max(1, Math.round((resolution.width * entry.height) / entry.width)) : entry.height);
    return cameraFromInria(entry, width, height);
  });
}
