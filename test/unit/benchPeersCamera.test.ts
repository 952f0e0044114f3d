import { readFileSync } from 'node:fs';
import { Mat4 as PcMat4, Quat as PcQuat, Vec3 as PcVec3 } from 'playcanvas';
import * as THREE from 'three';
import { describe, expect, test } from 'vitest';
import { cameraFromInria, type Camera, type InriaCameraEntry, type Mat3, type Vec3 } from '../../src/camera/camera';
import { cameraFromView, mat3FromQuat, viewFramingBounds } from '../../src/viewer/view';
import {
  colmapPixel,
  glCameraFromColmap,
  glProjectionMatrix,
  glViewMatrix,
  multiplyMat4,
  projectToPixel,
  type GlCamera,
} from '../../tools/lib/peersCamera';

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A camera with a random pose, size and focal lengths (fx ≠ fy unless `square`). */
function randomCamera(random: () => number, square: boolean): Camera {
  const q = [random() - 0.5, random() - 0.5, random() - 0.5, random() - 0.5];
  const n = Math.hypot(...q);
  const rotation = mat3FromQuat([q[0]! / n, q[1]! / n, q[2]! / n, q[3]! / n]);
  const translation: Vec3 = [10 * (random() - 0.5), 10 * (random() - 0.5), 10 * (random() - 0.5)];
  const width = 64 + Math.floor(random() * 1900);
  const height = 48 + Math.floor(random() * 1100);
  const fy = height * (0.4 + 2 * random());
  const fx = square ? fy : fy * (0.8 + 0.4 * random());
  return { width, height, fx, fy, cx: width / 2, cy: height / 2, rotation, translation, near: 0.2, far: 500 };
}

/** A world point in front of the camera, anywhere in and around the image (z from 0.3 to 100). */
function pointInView(camera: Camera, random: () => number): Vec3 {
  const z = 0.3 + 100 * random() ** 2;
  const u = (random() * 1.6 - 0.3) * camera.width;
  const v = (random() * 1.6 - 0.3) * camera.height;
  const pc: Vec3 = [((u - camera.cx) * z) / camera.fx, ((v - camera.cy) * z) / camera.fy, z];
  // World = Rᵀ (p_cam − t).
  const r = camera.rotation;
  const d = [pc[0] - camera.translation[0], pc[1] - camera.translation[1], pc[2] - camera.translation[2]];
  return [r[0] * d[0]! + r[3] * d[1]! + r[6] * d[2]!, r[1] * d[0]! + r[4] * d[1]! + r[7] * d[2]!, r[2] * d[0]! + r[5] * d[1]! + r[8] * d[2]!];
}

/** three.js's own pixel for `p`: a PerspectiveCamera set from the converted camera, Vector3.project. */
function threePixel(gl: GlCamera, p: Vec3): { u: number; v: number } {
  const camera = new THREE.PerspectiveCamera(gl.fovYDegrees, gl.aspect, gl.near, gl.far);
  camera.position.set(...gl.position);
  camera.quaternion.set(...gl.quaternion);
  camera.updateMatrixWorld(true);
  camera.updateProjectionMatrix();
  const ndc = new THREE.Vector3(...p).project(camera);
  return { u: ((ndc.x + 1) * gl.width) / 2, v: ((1 - ndc.y) * gl.height) / 2 };
}

/** PlayCanvas's own pixel for `p`: its camera builds view = setTRS(pos, rot, 1).invert() and setPerspective (float32). */
function playcanvasPixel(gl: GlCamera, p: Vec3): { u: number; v: number } {
  const view = new PcMat4().setTRS(new PcVec3(...gl.position), new PcQuat(...gl.quaternion), PcVec3.ONE).invert();
  const projection = new PcMat4().setPerspective(gl.fovYDegrees, gl.aspect, gl.near, gl.far);
  const viewProjection = new PcMat4().mul2(projection, view);
  return projectToPixel(Array.from(viewProjection.data), p, gl.width, gl.height);
}

function expectSamePixel(what: string, a: { u: number; v: number }, b: { u: number; v: number }, tolerancePx: number): void {
  const error = Math.hypot(a.u - b.u, a.v - b.v);
  expect(Number.isFinite(error), `${what}: non-finite pixel (${a.u}, ${a.v}) vs (${b.u}, ${b.v})`).toBe(true);
  expect(error, `${what}: (${a.u}, ${a.v}) vs (${b.u}, ${b.v})`).toBeLessThan(tolerancePx);
}

function cameras(): Array<[string, Camera]> {
  const random = rng(7);
  const list: Array<[string, Camera]> = [];
  for (let i = 0; i < 20; i++) list.push([`random ${i} (${i % 2 ? 'fx = fy' : 'fx != fy'})`, randomCamera(random, i % 2 === 1)]);
  list.push(['viewer default view, z up', cameraFromView(viewFramingBounds([0.3, -1, 2], 1.5, [0, 0, 1]), 1280, 720, 1e-3, 300)]);
  list.push(['viewer default view, -y up', cameraFromView(viewFramingBounds([0, 0, 0], 4, [0, -1, 0]), 320, 180, 1e-3, 300)]);
  const entries = JSON.parse(readFileSync(new URL('../fixtures/cameras.json', import.meta.url), 'utf8')) as InriaCameraEntry[];
  entries.forEach((entry, i) => list.push([`cameras.json entry ${i}`, cameraFromInria(entry)]));
  return list;
}

describe('our camera → peer camera (OpenGL pose + vertical fov, aspect, near, far)', () => {
  test.each(cameras())('%s: world points land on the same pixel under our camera, our GL matrices, three.js and PlayCanvas', (_name, camera) => {
    const gl = glCameraFromColmap(camera, 0.2, 1000);
    const viewProjection = multiplyMat4(glProjectionMatrix(gl), glViewMatrix(gl));
    const random = rng(11);
    for (let i = 0; i < 50; i++) {
      const p = pointInView(camera, random);
      const ours = colmapPixel(camera, p);
      // Float64 all the way: only rounding.
      expectSamePixel(`point ${i} GL matrices`, projectToPixel(viewProjection, p, gl.width, gl.height), ours, 1e-6);
      // three.js computes in float64 too.
      expectSamePixel(`point ${i} three.js`, threePixel(gl, p), ours, 1e-6);
      // PlayCanvas stores matrices as Float32Array: ~1e-7 relative, far below a pixel.
      expectSamePixel(`point ${i} PlayCanvas`, playcanvasPixel(gl, p), ours, 2e-3 * Math.max(gl.width, gl.height) / 1000);
    }
  });

  test('the GL camera is a rigid pose (unit quaternion) looking down −z, with the camera centre as position', () => {
    const camera = randomCamera(rng(3), false);
    const gl = glCameraFromColmap(camera);
    expect(Math.hypot(...gl.quaternion)).toBeCloseTo(1, 12);
    // The camera's forward (COLMAP +z, third row of R) is GL −z: the view matrix maps centre + forward to (0, 0, −1).
    const forward: Vec3 = [camera.rotation[6], camera.rotation[7], camera.rotation[8]];
    const ahead: Vec3 = [gl.position[0] + forward[0], gl.position[1] + forward[1], gl.position[2] + forward[2]];
    const v = glViewMatrix(gl);
    const inView = [0, 1, 2].map((r) => v[r]! * ahead[0] + v[4 + r]! * ahead[1] + v[8 + r]! * ahead[2] + v[12 + r]!);
    inView.forEach((x, i) => expect(x).toBeCloseTo([0, 0, -1][i]!, 12));
  });

  test('near and far map to NDC z = −1 and +1; points behind the camera get w < 0', () => {
    const camera = randomCamera(rng(5), true);
    const gl = glCameraFromColmap(camera, 0.2, 50);
    const viewProjection = multiplyMat4(glProjectionMatrix(gl), glViewMatrix(gl));
    const along = (z: number): Vec3 => {
      const r = camera.rotation;
      return [gl.position[0] + z * r[6], gl.position[1] + z * r[7], gl.position[2] + z * r[8]];
    };
    expect(projectToPixel(viewProjection, along(0.2), gl.width, gl.height).ndcZ).toBeCloseTo(-1, 9);
    expect(projectToPixel(viewProjection, along(50), gl.width, gl.height).ndcZ).toBeCloseTo(1, 9);
    const behind = along(-3);
    const w = viewProjection[3]! * behind[0] + viewProjection[7]! * behind[1] + viewProjection[11]! * behind[2] + viewProjection[15]!;
    expect(w).toBeLessThan(0);
  });

  test('fov and aspect: square pixels give aspect W/H and the vertical fov of fy; fx ≠ fy folds into the aspect', () => {
    const identity: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    const base: Camera = { width: 1280, height: 720, fx: 900, fy: 900, cx: 640, cy: 360, rotation: identity, translation: [0, 0, 0], near: 0.2, far: 100 };
    const square = glCameraFromColmap(base);
    expect(square.aspect).toBeCloseTo(1280 / 720, 12);
    expect(square.fovYDegrees).toBeCloseTo((2 * Math.atan(360 / 900) * 180) / Math.PI, 12);
    // Identity COLMAP rotation looks down world +z with y down: the GL camera is turned 180° about x.
    square.quaternion.forEach((x, i) => expect(Math.abs(x)).toBeCloseTo([1, 0, 0, 0][i]!, 12));
    const wide = glCameraFromColmap({ ...base, fx: 450 });
    expect(wide.aspect).toBeCloseTo((1280 / 720) * 2, 12);
    expect(wide.fovYDegrees).toBeCloseTo(square.fovYDegrees, 12);
  });

  test('bad cameras are refused with a message', () => {
    const camera = randomCamera(rng(9), true);
    expect(() => glCameraFromColmap({ ...camera, cx: camera.cx + 3 })).toThrow(/principal point .* must be the image centre/);
    expect(() => glCameraFromColmap({ ...camera, cy: camera.cy - 0.5 })).toThrow(/principal point/);
    expect(() => glCameraFromColmap(camera, 0, 10)).toThrow(/0 < near < far/);
    expect(() => glCameraFromColmap(camera, 5, 1)).toThrow(/0 < near < far/);
    expect(() => glCameraFromColmap({ ...camera, fx: 0 })).toThrow(/focal lengths must be positive/);
  });
});
