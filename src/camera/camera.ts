/**
 * The pinhole camera every method renders with, in the convention 3DGS training uses (COLMAP /
 * OpenCV): camera x right, y down, z forward; p_cam = R · p_world + t.
 *
 * Pixel (i, j) is sampled at the integer position (i, j), as the reference rasterizer does, and the
 * principal point (cx, cy) is given in continuous image coordinates (pixel centres at i + 0.5), so
 * a camera-space point lands at   px = fx · x/z + cx − 0.5,   py = fy · y/z + cy − 0.5.
 * With cx = W/2 this is exactly the reference `ndc2Pix` of its projection matrix.
 */

export type Vec3 = [number, number, number];
/** Row-major 3×3 matrix. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export interface Camera {
  width: number;
  height: number;
  /** Focal lengths in pixels. */
  fx: number;
  fy: number;
  /** Principal point in pixels, continuous coordinates (default width/2, height/2). */
  cx: number;
  cy: number;
  /** World-to-camera rotation, row-major. */
  rotation: Mat3;
  /** World-to-camera translation. */
  translation: Vec3;
  /** Near and far planes (view-space z). 3DGS culls at 0.2 itself; these bound other methods. */
  near: number;
  far: number;
}

/** One entry of the `cameras.json` that INRIA 3DGS training writes. */
export interface InriaCameraEntry {
  id?: number;
  img_name?: string;
  width: number;
  height: number;
  /** Camera centre in world space. */
  position: number[];
  /** Camera-to-world rotation, as three rows. */
  rotation: number[][];
  fx: number;
  fy: number;
}

export function transpose3(m: Mat3): Mat3 {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

export function mulMat3Vec3(m: Mat3, v: Vec3): Vec3 {
  return [
    m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
    m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
    m[6] * v[0] + m[7] * v[1] + m[8] * v[2],
  ];
}

/** World-space position of the camera centre: −Rᵀ t. */
export function cameraCenter(camera: Camera): Vec3 {
  const c = mulMat3Vec3(transpose3(camera.rotation), camera.translation);
  return [-c[0], -c[1], -c[2]];
}

/** Camera from a cameras.json entry, optionally re-rendered at another resolution (same field of view). */
export function cameraFromInria(entry: InriaCameraEntry, width = entry.width, height = entry.height): Camera {
  const r = entry.rotation;
  if (r.length !== 3 || r.some((row) => row.length !== 3) || entry.position.length !== 3) {
    throw new Error('cameras.json entry needs a 3x3 rotation and a 3-vector position');
  }
  const c2w: Mat3 = [r[0]![0]!, r[0]![1]!, r[0]![2]!, r[1]![0]!, r[1]![1]!, r[1]![2]!, r[2]![0]!, r[2]![1]!, r[2]![2]!];
  const rotation = transpose3(c2w);
  const p = entry.position as Vec3;
  const rp = mulMat3Vec3(rotation, p);
  const sx = width / entry.width;
  const sy = height / entry.height;
  return {
    width,
    height,
    fx: entry.fx * sx,
    fy: entry.fy * sy,
    cx: width / 2,
    cy: height / 2,
    rotation,
    translation: [-rp[0], -rp[1], -rp[2]],
    near: 0.01,
    far: 1000,
  };
}

/** Horizontal field of view in radians. */
export function fovX(camera: Camera): number {
  return 2 * Math.atan(camera.width / (2 * camera.fx));
}

export function fovY(camera: Camera): number {
  return 2 * Math.atan(camera.height / (2 * camera.fy));
}

/** Same view, another resolution (focal lengths scaled so the field of view is kept). */
export function resizeCamera(camera: Camera, width: number, height: number): Camera {
  const sx = width / camera.width;
  const sy = height / camera.height;
  return { ...camera, width, height, fx: camera.fx * sx, fy: camera.fy * sy, cx: camera.cx * sx, cy: camera.cy * sy };
}
