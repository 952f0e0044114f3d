import { describe, expect, test } from 'vitest';
import { cameraCenter, cameraFromInria, type Camera, type InriaCameraEntry, type Mat3, type Vec3 } from '../../src/camera/camera';
import {
  cameraFromView,
  cameraOnPath,
  eyeOf,
  fitCamera,
  look,
  lookRotation,
  mat3FromQuat,
  MAX_PITCH,
  orbit,
  pan,
  quatFromMat3,
  slerp,
  upFromCameras,
  viewFramingBounds,
  viewFromCamera,
  zoom,
  type ViewState,
} from '../../src/viewer/view';

const EPS = 1e-9;

function expectClose(a: readonly number[], b: readonly number[], tol = EPS): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(Math.abs(x - b[i]!), `index ${i}: ${x} vs ${b[i]}`).toBeLessThan(tol));
}

/** Pixel position of a world point, by the convention in src/camera/camera.ts. */
function project(c: Camera, p: Vec3): [number, number] {
  const r = c.rotation;
  const x = r[0] * p[0] + r[1] * p[1] + r[2] * p[2] + c.translation[0];
  const y = r[3] * p[0] + r[4] * p[1] + r[5] * p[2] + c.translation[1];
  const z = r[6] * p[0] + r[7] * p[1] + r[8] * p[2] + c.translation[2];
  return [(c.fx * x) / z + c.cx - 0.5, (c.fy * y) / z + c.cy - 0.5];
}

function expectRotation(m: Mat3): void {
  const rows = [m.slice(0, 3), m.slice(3, 6), m.slice(6, 9)];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(Math.abs(rows[i]!.reduce((s, v, k) => s + v * rows[j]![k]!, 0) - (i === j ? 1 : 0))).toBeLessThan(1e-12);
  const det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
  expect(det).toBeCloseTo(1, 12);
}

const view = (): ViewState => ({ target: [0.3, -0.2, 1], distance: 4, yaw: 0.7, pitch: -0.3, fovY: 0.9, up: [0, 0, 1] });

describe('view to camera (COLMAP axes: x right, y down, z forward)', () => {
  test('looking along +z with up -y is the identity rotation', () => {
    expectClose(lookRotation([0, 0, 1], [0, -1, 0]), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  test('the target projects to the image centre, world up points up in the image', () => {
    const v = view();
    const c = cameraFromView(v, 320, 240, 0.01, 100);
    expectRotation(c.rotation);
    expectClose(cameraCenter(c), eyeOf(v), 1e-12);
    expectClose(project(c, v.target), [159.5, 119.5], 1e-9);
    const above = project(c, [v.target[0], v.target[1], v.target[2] + 0.1]);
    expect(above[1]).toBeLessThan(119.5);
    expect(c.fx).toBeCloseTo(240 / (2 * Math.tan(0.45)), 9);
  });

  test('view from a camera reproduces an upright camera exactly', () => {
    const c = cameraFromView(view(), 64, 48, 0.01, 100);
    const again = cameraFromView(viewFromCamera(c, [0, 0, 1], [0, 0, 0], 0.01), 64, 48, 0.01, 100);
    expectClose(again.rotation, c.rotation, 1e-9);
    expectClose(again.translation, c.translation, 1e-9);
  });

  test('framing a sphere keeps it inside the vertical field of view', () => {
    const v = viewFramingBounds([1, 2, 3], 2, [0, -1, 0]);
    expect(Math.asin(2 / v.distance)).toBeLessThan(v.fovY / 2);
    expectClose(v.target, [1, 2, 3]);
  });
});

describe('controls', () => {
  test('orbit keeps the target and distance and clamps pitch short of the poles', () => {
    const v = view();
    const target = [...v.target];
    orbit(v, 100, -100000, 200);
    expectClose(v.target, target);
    expect(v.distance).toBe(4);
    expect(v.pitch).toBe(MAX_PITCH);
    expect(v.yaw).toBeCloseTo(0.7 - Math.PI / 2, 12);
  });

  test('fly look turns about the eye', () => {
    const v = view();
    const eye = eyeOf(v);
    look(v, 40, 25, 240);
    expectClose(eyeOf(v), eye, 1e-12);
    expect(v.yaw).toBeCloseTo(0.7 - (40 * 0.9) / 240, 12);
    expect(v.pitch).toBeCloseTo(-0.3 - (25 * 0.9) / 240, 12);
  });

  test('pan keeps the point at the target depth under the cursor', () => {
    const v = view();
    const point: Vec3 = [...v.target];
    const before = project(cameraFromView(v, 320, 240, 0.01, 100), point);
    pan(v, 13, -7, 240);
    const after = project(cameraFromView(v, 320, 240, 0.01, 100), point);
    expectClose([after[0] - before[0], after[1] - before[1]], [13, -7], 1e-9);
  });

  test('zoom scales the distance and stops at the minimum', () => {
    const v = view();
    zoom(v, 0.5, 0.1);
    expect(v.distance).toBe(2);
    zoom(v, 1e-6, 0.1);
    expect(v.distance).toBe(0.1);
  });
});

describe('scene up and camera paths', () => {
  const entry = (position: number[], rotation: number[][], name: string): InriaCameraEntry => ({ img_name: name, width: 80, height: 60, position, rotation, fx: 70, fy: 70 });
  const c2w = (m: Mat3) => [[m[0], m[1], m[2]], [m[3], m[4], m[5]], [m[6], m[7], m[8]]];

  test('up is the average −y axis of the cameras', () => {
    // Level cameras, and a pair pitched by opposite amounts facing opposite ways.
    const level = cameraFromView({ ...view(), pitch: 0 }, 10, 10, 0.1, 10);
    const down = cameraFromView({ ...view(), yaw: 2, pitch: -0.4 }, 10, 10, 0.1, 10);
    const up = cameraFromView({ ...view(), yaw: 2 + Math.PI, pitch: -0.4 }, 10, 10, 0.1, 10);
    expectClose(upFromCameras([level])!, [0, 0, 1], 1e-12);
    expectClose(upFromCameras([down, up])!, [0, 0, 1], 1e-12);
    expect(upFromCameras([])).toBeUndefined();
  });

  test('quaternions round-trip and slerp hits its ends', () => {
    const r = lookRotation([1, 2, -3], [0, 0, 1]);
    expectClose(mat3FromQuat(quatFromMat3(r)), r, 1e-12);
    const qa = quatFromMat3(lookRotation([1, 0, 0], [0, 0, 1]));
    const qb = quatFromMat3(lookRotation([0, 1, 0], [0, 0, 1]));
    expectClose(slerp(qa, qb, 0), qa, 1e-12);
    expectClose(slerp(qa, qb, 1), qb, 1e-12);
    // Halfway between looking along +x and +y is looking along (1, 1, 0)/√2.
    const mid = mat3FromQuat(slerp(qa, qb, 0.5));
    expectClose([mid[6], mid[7], mid[8]], [Math.SQRT1_2, Math.SQRT1_2, 0], 1e-12);
  });

  test('a path passes through its key cameras and interpolates centres linearly', () => {
    const ra = lookRotation([1, 0, 0], [0, 0, 1]);
    const rb = lookRotation([0, 1, 0], [0, 0, 1]);
    // cameras.json stores camera-to-world rotations: the transpose of world-to-camera.
    const t = (m: Mat3): Mat3 => [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
    const keys = [entry([0, 0, 0], c2w(t(ra)), 'a'), entry([2, 0, 0], c2w(t(rb)), 'b')];
    const start = cameraOnPath(keys, 0, 10, false, 80, 60);
    const end = cameraOnPath(keys, 10, 10, false, 80, 60);
    const fromA = cameraFromInria(keys[0]!);
    expectClose(start.rotation, fromA.rotation, 1e-12);
    expectClose(end.rotation, cameraFromInria(keys[1]!).rotation, 1e-9);
    expectClose(cameraCenter(cameraOnPath(keys, 2.5, 10, false, 80, 60)), [0.5, 0, 0], 1e-12);
    // Looping goes back to the first camera over a second segment.
    expectClose(cameraCenter(cameraOnPath(keys, 7.5, 10, true, 80, 60)), [1, 0, 0], 1e-12);
  });

  test('a preset shown at another aspect keeps its vertical field of view and square pixels', () => {
    const c = cameraFromInria(entry([0, 0, 0], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], 'a'));
    const fitted = fitCamera(c, 160, 60);
    expect(fitted.fy).toBe(c.fy);
    expect(fitted.fx).toBe(c.fx);
    expect([fitted.cx, fitted.cy]).toEqual([80, 30]);
    const scaled = fitCamera(c, 40, 30);
    expect(scaled.fy).toBe(35);
  });
});
