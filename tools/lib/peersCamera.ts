/**
 * Our camera (src/camera/camera.ts: COLMAP/OpenCV axes x right, y down, z forward; p_cam = R·p + t;
 * a point lands at continuous pixel u = fx·x/z + cx, v = fy·y/z + cy, origin top-left) in the form
 * the peer renderers take one: an OpenGL camera (x right, y up, looking down −z) placed by its world
 * position and camera-to-world quaternion, with a symmetric frustum given by vertical field of view,
 * aspect, near and far (PlayCanvas CameraComponent, three.js PerspectiveCamera).
 *
 * The conversion is exact for a centred principal point: OpenGL axes are the COLMAP axes with y and z
 * negated, so camera-to-world = Rᵀ·diag(1, −1, −1); the projection scales x by 1 / (aspect·tan(fovY/2))
 * = 2·fx / W and y by 1 / tan(fovY/2) = 2·fy / H, which is why aspect = (W / H)·(fy / fx) rather than
 * W / H when the pixels are not square. NDC (x right, y up, in [−1, 1]) maps to pixels as
 * u = (x + 1)·W/2, v = (1 − y)·H/2.
 *
 * The matrix helpers below rebuild each peer's view and projection matrices the way the peer does
 * (PlayCanvas: Mat4.setTRS(position, rotation, 1).invert() and Mat4.setPerspective; three.js:
 * matrixWorld.invert() and Matrix4.makePerspective), in float64, so the unit tests can check that a
 * world point reaches the same pixel under our Camera and under the converted peer camera.
 * Pure and browser-safe: the peer pages import it too.
 */
import { cameraCenter, type Camera, type Vec3 } from '../../src/camera/camera';

/** A camera as the peers take it. Column-major matrices, as both peers store them. */
export interface GlCamera {
  width: number;
  height: number;
  /** Camera centre in world space. */
  position: Vec3;
  /** Camera-to-world rotation of the OpenGL camera axes, as a unit quaternion (x, y, z, w). */
  quaternion: [number, number, number, number];
  /** Vertical field of view in degrees (both peers take degrees). */
  fovYDegrees: number;
  /** Frustum width over height: W/H for square pixels. */
  aspect: number;
  near: number;
  far: number;
}

/** 4×4 matrix, column-major (element (row r, column c) at [c·4 + r]). */
export type Mat4 = number[];

/** Principal points further than this (in pixels) from the image centre are refused. */
const CENTRED_TOLERANCE_PX = 1e-6;

/**
 * The peer camera for `camera`. `near`/`far` default to the camera's; the benchmark passes the 3DGS
 * near cull (0.2) so every renderer drops the same splats.
 */
export function glCameraFromColmap(camera: Camera, near = camera.near, far = camera.far): GlCamera {
  const { width, height, fx, fy, cx, cy } = camera;
  if (Math.abs(cx - width / 2) > CENTRED_TOLERANCE_PX || Math.abs(cy - height / 2) > CENTRED_TOLERANCE_PX) {
    throw new Error(
      `the peers take a symmetric frustum: principal point (${cx}, ${cy}) must be the image centre (${width / 2}, ${height / 2})`,
    );
  }
  if (!(fx > 0 && fy > 0)) throw new Error(`focal lengths must be positive, got fx ${fx}, fy ${fy}`);
  if (!(near > 0 && far > near)) throw new Error(`need 0 < near < far, got near ${near}, far ${far}`);
  const r = camera.rotation;
  // Columns of camera-to-world: the camera's x, −y and −z axes in world space (rows of R, signed).
  const c2w = [r[0], -r[3], -r[6], r[1], -r[4], -r[7], r[2], -r[5], -r[8]];
  return {
    width,
    height,
    position: cameraCenter(camera),
    quaternion: quaternionFromRotation(c2w),
    fovYDegrees: (2 * Math.atan(height / (2 * fy)) * 180) / Math.PI,
    aspect: (width / height) * (fy / fx),
    near,
    far,
  };
}

/** Unit quaternion (x, y, z, w) of a row-major rotation matrix (Shepperd's method). */
export function quaternionFromRotation(m: readonly number[]): [number, number, number, number] {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = m as [number, number, number, number, number, number, number, number, number];
  const trace = m00 + m11 + m22;
  let q: [number, number, number, number];
  if (trace > 0) {
    const s = 2 * Math.sqrt(trace + 1);
    q = [(m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s, 0.25 * s];
  } else if (m00 > m11 && m00 > m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22);
    q = [0.25 * s, (m01 + m10) / s, (m02 + m20) / s, (m21 - m12) / s];
  } else if (m11 > m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22);
    q = [(m01 + m10) / s, 0.25 * s, (m12 + m21) / s, (m02 - m20) / s];
  } else {
    const s = 2 * Math.sqrt(1 + m22 - m00 - m11);
    q = [(m02 + m20) / s, (m12 + m21) / s, 0.25 * s, (m10 - m01) / s];
  }
  const n = Math.hypot(...q);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

/** World-to-camera matrix of a GL camera: the inverse of translate(position)·rotate(quaternion). */
export function glViewMatrix(gl: GlCamera): Mat4 {
  const [x, y, z, w] = gl.quaternion;
  // Rotation matrix of the quaternion, row-major; the view matrix holds its transpose.
  const r = [
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ];
  const p = gl.position;
  const t = [0, 1, 2].map((i) => -(r[i]! * p[0] + r[3 + i]! * p[1] + r[6 + i]! * p[2]));
  // Column-major: column c holds row-major element (r, c) at [c·4 + r]; the view's row i is Rᵀ's row i.
  return [r[0]!, r[1]!, r[2]!, 0, r[3]!, r[4]!, r[5]!, 0, r[6]!, r[7]!, r[8]!, 0, t[0]!, t[1]!, t[2]!, 1];
}

/**
 * OpenGL perspective projection (clip z in [−w, w]) from vertical fov, aspect, near and far, as
 * PlayCanvas Mat4.setPerspective and three.js makePerspective build it. PlayCanvas on WebGPU then
 * remaps z to [0, w]; x, y and w, which decide the pixel, are the same.
 */
export function glProjectionMatrix(gl: GlCamera): Mat4 {
  const f = 1 / Math.tan(((gl.fovYDegrees * Math.PI) / 180) / 2);
  const { near, far } = gl;
  const m = new Array<number>(16).fill(0);
  m[0] = f / gl.aspect;
  m[5] = f;
  m[10] = -(far + near) / (far - near);
  m[11] = -1;
  m[14] = (-2 * far * near) / (far - near);
  return m;
}

/** Column-major product a·b. */
export function multiplyMat4(a: Mat4, b: Mat4): Mat4 {
  const out = new Array<number>(16).fill(0);
  for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) for (let k = 0; k < 4; k++) out[c * 4 + r]! += a[k * 4 + r]! * b[c * 4 + k]!;
  return out;
}

/**
 * Continuous pixel position (origin top-left, y down) and NDC depth of world point `p` under a
 * view-projection matrix, for a W×H viewport.
 */
export function projectToPixel(viewProjection: Mat4, p: Vec3, width: number, height: number): { u: number; v: number; ndcZ: number } {
  const m = viewProjection;
  const clip = [0, 1, 2, 3].map((r) => m[r]! * p[0] + m[4 + r]! * p[1] + m[8 + r]! * p[2] + m[12 + r]!);
  const [x, y, z, w] = clip as [number, number, number, number];
  return { u: ((x / w + 1) * width) / 2, v: ((1 - y / w) * height) / 2, ndcZ: z / w };
}

/** Continuous pixel position of world point `p` under our camera (camera.ts: u = fx·x/z + cx). */
export function colmapPixel(camera: Camera, p: Vec3): { u: number; v: number } {
  const r = camera.rotation;
  const t = camera.translation;
  const x = r[0] * p[0] + r[1] * p[1] + r[2] * p[2] + t[0];
  const y = r[3] * p[0] + r[4] * p[1] + r[5] * p[2] + t[1];
  const z = r[6] * p[0] + r[7] * p[1] + r[8] * p[2] + t[2];
  return { u: (camera.fx * x) / z + camera.cx, v: (camera.fy * y) / z + camera.cy };
}
