/**
 * The interactive view as a few numbers, and the math that turns it into a `Camera` (COLMAP axes:
 * x right, y down, z forward; world-to-camera R, t). Pure functions, unit tested.
 *
 * The view looks from `eye = target − distance · forward`, where forward is given by yaw and pitch
 * about the scene's up vector. Orbit rotates about `target`, fly rotates about the eye; both move
 * the same state, so switching mode keeps the picture.
 */
import type { Camera, InriaCameraEntry, Mat3, Vec3 } from '../camera/camera';
import { cameraFromInria, cameraCenter } from '../camera/camera';

export interface ViewState {
  target: Vec3;
  distance: number;
  /** Radians about `up`, measured from the basis vector `e1` towards `e2`. */
  yaw: number;
  /** Radians above the horizon (towards up), clamped short of the poles. */
  pitch: number;
  /** Vertical field of view in radians. */
  fovY: number;
  up: Vec3;
}

export const MAX_PITCH = (89 * Math.PI) / 180;

export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
export const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
export const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export function normalize(a: Vec3): Vec3 {
  const n = Math.hypot(a[0], a[1], a[2]);
  return n > 0 ? [a[0] / n, a[1] / n, a[2] / n] : [0, 0, 0];
}

/** Two unit vectors spanning the plane perpendicular to `up`, with e1 × e2 = up. */
export function horizonBasis(up: Vec3): [Vec3, Vec3] {
  // Start from the world axis least aligned with up, so the basis is stable for common ups.
  const ax = Math.abs(up[0]);
  const ay = Math.abs(up[1]);
  const az = Math.abs(up[2]);
  const seed: Vec3 = ax <= ay && ax <= az ? [1, 0, 0] : ay <= az ? [0, 1, 0] : [0, 0, 1];
  const e1 = normalize(sub(seed, scale(up, dot(seed, up))));
  return [e1, cross(up, e1)];
}

export function forwardOf(view: Pick<ViewState, 'yaw' | 'pitch' | 'up'>): Vec3 {
  const [e1, e2] = horizonBasis(view.up);
  const c = Math.cos(view.pitch);
  return add(add(scale(e1, c * Math.cos(view.yaw)), scale(e2, c * Math.sin(view.yaw))), scale(view.up, Math.sin(view.pitch)));
}

export function eyeOf(view: ViewState): Vec3 {
  return sub(view.target, scale(forwardOf(view), view.distance));
}

/** Camera axes in world space (rows of the world-to-camera rotation) looking along `forward` with `up`. */
export function lookRotation(forward: Vec3, up: Vec3): Mat3 {
  const z = normalize(forward);
  let x = cross(scale(up, -1), z);
  // Looking straight along up: any right vector will do.
  if (Math.hypot(...x) < 1e-9) x = horizonBasis(z)[0];
  x = normalize(x);
  const y = cross(z, x);
  return [x[0], x[1], x[2], y[0], y[1], y[2], z[0], z[1], z[2]];
}

/** The pinhole camera of a view at a resolution (square pixels, centred principal point). */
export function cameraFromView(view: ViewState, width: number, height: number, near: number, far: number): Camera {
  const rotation = lookRotation(forwardOf(view), view.up);
  const eye = eyeOf(view);
  const f = height / (2 * Math.tan(view.fovY / 2));
  const t: Vec3 = [
    -(rotation[0] * eye[0] + rotation[1] * eye[1] + rotation[2] * eye[2]),
    -(rotation[3] * eye[0] + rotation[4] * eye[1] + rotation[5] * eye[2]),
    -(rotation[6] * eye[0] + rotation[7] * eye[1] + rotation[8] * eye[2]),
  ];
  return { width, height, fx: f, fy: f, cx: width / 2, cy: height / 2, rotation, translation: t, near, far };
}

/** Yaw and pitch of a direction about `up`. */
export function anglesOf(direction: Vec3, up: Vec3): { yaw: number; pitch: number } {
  const d = normalize(direction);
  const [e1, e2] = horizonBasis(up);
  const pitch = Math.max(-MAX_PITCH, Math.min(MAX_PITCH, Math.asin(Math.max(-1, Math.min(1, dot(d, up))))));
  return { yaw: Math.atan2(dot(d, e2), dot(d, e1)), pitch };
}

/**
 * The view closest to an arbitrary camera (roll is dropped: the view keeps `up` vertical). The
 * orbit target goes where the camera looks, at the depth of `focus` (e.g. the content's centre).
 */
export function viewFromCamera(camera: Camera, up: Vec3, focus: Vec3, minDistance: number): ViewState {
  const eye = cameraCenter(camera);
  const forward: Vec3 = [camera.rotation[6], camera.rotation[7], camera.rotation[8]];
  const distance = Math.max(minDistance, dot(sub(focus, eye), forward));
  const { yaw, pitch } = anglesOf(forward, up);
  const view: ViewState = { target: [0, 0, 0], distance, yaw, pitch, fovY: 2 * Math.atan(camera.height / (2 * camera.fy)), up };
  // The clamped pitch may differ from the camera's; place the target so the eye stays put.
  view.target = add(eye, scale(forwardOf(view), distance));
  return view;
}

/** A view framing a sphere: from the horizon-ish direction, 20° above, fitting the sphere vertically. */
export function viewFramingBounds(center: Vec3, radius: number, up: Vec3, fovY = (50 * Math.PI) / 180): ViewState {
  const r = Math.max(radius, 1e-6);
  return { target: center, distance: (1.1 * r) / Math.sin(fovY / 2), yaw: -Math.PI / 2, pitch: (-20 * Math.PI) / 180, fovY, up };
}

/**
 * Up from the cameras a scene was trained with: the average of each camera's −y axis (y is down in
 * COLMAP), which is right for the usual capture where the photographer held the camera upright.
 */
export function upFromCameras(cameras: readonly Camera[]): Vec3 | undefined {
  let sum: Vec3 = [0, 0, 0];
  for (const c of cameras) sum = sub(sum, [c.rotation[3], c.rotation[4], c.rotation[5]]);
  const n = Math.hypot(...sum);
  return n > 1e-6 * cameras.length && cameras.length > 0 ? scale(sum, 1 / n) : undefined;
}

/** Orbit: rotate about the target by pixel deltas (a full drag across the height turns ~180°). */
export function orbit(view: ViewState, dx: number, dy: number, heightPx: number): void {
  const k = Math.PI / Math.max(1, heightPx);
  view.yaw -= dx * k;
  // Dragging down lifts the eye over the target, as in three.js OrbitControls.
  view.pitch = Math.max(-MAX_PITCH, Math.min(MAX_PITCH, view.pitch - dy * k));
}

/** Fly: turn the view about the eye by pixel deltas. */
export function look(view: ViewState, dx: number, dy: number, heightPx: number): void {
  const eye = eyeOf(view);
  const k = view.fovY / Math.max(1, heightPx);
  view.yaw -= dx * k;
  view.pitch = Math.max(-MAX_PITCH, Math.min(MAX_PITCH, view.pitch - dy * k));
  view.target = add(eye, scale(forwardOf(view), view.distance));
}

/** Pan so the point at the target depth stays under the cursor. */
export function pan(view: ViewState, dx: number, dy: number, heightPx: number): void {
  const r = lookRotation(forwardOf(view), view.up);
  const worldPerPixel = (2 * view.distance * Math.tan(view.fovY / 2)) / Math.max(1, heightPx);
  const right: Vec3 = [r[0], r[1], r[2]];
  const down: Vec3 = [r[3], r[4], r[5]];
  view.target = sub(view.target, add(scale(right, dx * worldPerPixel), scale(down, dy * worldPerPixel)));
}

/** Zoom by a factor of the distance (factor < 1 moves closer). */
export function zoom(view: ViewState, factor: number, minDistance: number): void {
  view.distance = Math.max(minDistance, view.distance * factor);
}

/** Moves eye and target together along the camera's right, up (world) and forward axes. */
export function translate(view: ViewState, right: number, up: number, forward: number): void {
  const r = lookRotation(forwardOf(view), view.up);
  const move = add(add(scale([r[0], r[1], r[2]], right), scale(view.up, up)), scale([r[6], r[7], r[8]], forward));
  view.target = add(view.target, move);
}

// --- camera paths ---

type Quat = [number, number, number, number];

/** Unit quaternion (w, x, y, z) of a rotation matrix (Shepperd's method). */
export function quatFromMat3(m: Mat3): Quat {
  const [a, b, c, d, e, f, g, h, i] = m;
  const trace = a + e + i;
  let q: Quat;
  if (trace > 0) {
    const s = 2 * Math.sqrt(trace + 1);
    q = [0.25 * s, (h - f) / s, (c - g) / s, (d - b) / s];
  } else if (a > e && a > i) {
    const s = 2 * Math.sqrt(1 + a - e - i);
    q = [(h - f) / s, 0.25 * s, (b + d) / s, (c + g) / s];
  } else if (e > i) {
    const s = 2 * Math.sqrt(1 + e - a - i);
    q = [(c - g) / s, (b + d) / s, 0.25 * s, (f + h) / s];
  } else {
    const s = 2 * Math.sqrt(1 + i - a - e);
    q = [(d - b) / s, (c + g) / s, (f + h) / s, 0.25 * s];
  }
  const n = Math.hypot(...q);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

export function mat3FromQuat([w, x, y, z]: Quat): Mat3 {
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ];
}

export function slerp(a: Quat, b: Quat, t: number): Quat {
  let cos = a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
  // Take the short way round.
  const sign = cos < 0 ? -1 : 1;
  cos *= sign;
  let wa: number;
  let wb: number;
  if (cos > 0.9995) {
    wa = 1 - t;
    wb = t;
  } else {
    const angle = Math.acos(cos);
    wa = Math.sin((1 - t) * angle) / Math.sin(angle);
    wb = Math.sin(t * angle) / Math.sin(angle);
  }
  const q: Quat = [wa * a[0] + sign * wb * b[0], wa * a[1] + sign * wb * b[1], wa * a[2] + sign * wb * b[2], wa * a[3] + sign * wb * b[3]];
  const n = Math.hypot(...q);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

/**
 * The camera at time `t` along a path through `keys` (evenly spaced over `seconds`): camera centres
 * and focal lengths interpolated linearly, rotations by slerp. Resolution is taken from `width`/`height`.
 */
export function cameraOnPath(keys: readonly InriaCameraEntry[], t: number, seconds: number, loop: boolean, width: number, height: number): Camera {
  const segments = loop ? keys.length : keys.length - 1;
  let u = t / seconds;
  u = loop ? u - Math.floor(u) : Math.max(0, Math.min(1, u));
  const s = u * segments;
  const i = Math.min(segments - 1, Math.floor(s));
  const f = s - i;
  const a = cameraFromInria(keys[i]!, width, height);
  const b = cameraFromInria(keys[(i + 1) % keys.length]!, width, height);
  const rotation = mat3FromQuat(slerp(quatFromMat3(a.rotation), quatFromMat3(b.rotation), f));
  const ca = cameraCenter(a);
  const cb = cameraCenter(b);
  const eye = add(scale(ca, 1 - f), scale(cb, f));
  const translation: Vec3 = [
    -(rotation[0] * eye[0] + rotation[1] * eye[1] + rotation[2] * eye[2]),
    -(rotation[3] * eye[0] + rotation[4] * eye[1] + rotation[5] * eye[2]),
    -(rotation[6] * eye[0] + rotation[7] * eye[1] + rotation[8] * eye[2]),
  ];
  return { ...a, fx: a.fx + (b.fx - a.fx) * f, fy: a.fy + (b.fy - a.fy) * f, rotation, translation };
}

/**
 * A preset camera shown at another resolution with square pixels: the vertical field of view is
 * kept and the horizontal one follows the aspect ratio (the viewer's canvas rarely matches the
 * training images).
 */
export function fitCamera(camera: Camera, width: number, height: number): Camera {
  if (camera.width === width && camera.height === height) return camera;
  const s = height / camera.height;
  return {
    ...camera,
    width,
    height,
    fy: camera.fy * s,
    fx: camera.fx * s,
    cx: width / 2 + (camera.cx - camera.width / 2) * s,
    cy: height / 2 + (camera.cy - camera.height / 2) * s,
  };
}
