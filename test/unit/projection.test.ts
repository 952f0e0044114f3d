/**
 * Per-splat 3DGS math against hand-derived values and independent matrix code: quaternion rotation,
 * 3D covariance, EWA 2D covariance (including the 1.3 frustum clamp and the 0.3 low-pass), conic and
 * radius, getRect's truncation, and projectSplat's culls and pixel convention.
 */
import { describe, expect, test } from 'vitest';
import type { Camera, Mat3 } from '../../src/camera/camera';
import {
  computeCov2D,
  computeCov3D,
  conicAndRadius,
  getRect,
  normalizeQuaternion,
  projectSplat,
  quaternionToMatrix,
  sigmoid,
  toCameraSpace,
} from '../../src/methods/gaussians3d/projection';
import { evalSH } from '../../src/methods/gaussians3d/sh';
import { allocateSplatCloud, type SplatCloud } from '../../src/methods/gaussians3d/splatCloud';

type M = number[][];
const mul = (a: M, b: M): M => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const transpose = (a: M): M => a[0]!.map((_, j) => a.map((row) => row[j]!));
const rows3 = (m: ArrayLike<number>): M => [[m[0]!, m[1]!, m[2]!], [m[3]!, m[4]!, m[5]!], [m[6]!, m[7]!, m[8]!]];

/** Rodrigues' rotation matrix for a unit axis and an angle. */
function axisAngle(axis: [number, number, number], angle: number): M {
  const [x, y, z] = axis;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  return [
    [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
    [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
    [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
  ];
}

function camera(overrides: Partial<Camera> = {}): Camera {
  return {
    width: 200, height: 100, fx: 150, fy: 140, cx: 100, cy: 50,
    rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [0, 0, 0], near: 0.01, far: 100,
    ...overrides,
  };
}

/** A cloud of one splat. */
function oneSplat(position: number[], scale: number[], rotation: number[], opacity = 0.8, sh = [0.1, 0.2, 0.3]): SplatCloud {
  const cloud = allocateSplatCloud(1, 0);
  cloud.positions.set(position);
  cloud.scales.set(scale);
  cloud.rotations.set(rotation);
  cloud.opacities[0] = opacity;
  cloud.sh.set(sh);
  return cloud;
}

describe('activations and rotations', () => {
  test('sigmoid and quaternion normalisation (zero → identity, reported)', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(Math.log(3))).toBeCloseTo(0.75, 15);
    const q = [2, 0, 0, 0];
    expect(normalizeQuaternion(q)).toBe(true);
    expect(q).toEqual([1, 0, 0, 0]);
    const zero = [0, 0, 0, 0];
    expect(normalizeQuaternion(zero)).toBe(false);
    expect(zero).toEqual([1, 0, 0, 0]);
  });

  test('quaternion (w, x, y, z) → the rotation matrix of its axis and angle', () => {
    const cases: Array<[[number, number, number], number]> = [
      [[0, 0, 1], Math.PI / 2],
      [[1, 0, 0], 0.3],
      [[0.48, -0.6, 0.64], 2.1],
    ];
    for (const [axis, angle] of cases) {
      const q = [Math.cos(angle / 2), ...axis.map((a) => a * Math.sin(angle / 2))];
      const R = rows3(quaternionToMatrix(q));
      const expected = axisAngle(axis, angle);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(R[i]![j]).toBeCloseTo(expected[i]![j]!, 14);
    }
    // 90° about z takes x to y.
    const R = rows3(quaternionToMatrix([Math.SQRT1_2, 0, 0, Math.SQRT1_2]));
    expect(mul(R, [[1], [0], [0]]).map((r) => r[0]!)).toEqual([expect.closeTo(0, 15), expect.closeTo(1, 15), 0]);
  });
});

describe('covariances', () => {
  test('axis-aligned cov3D is diag(s²)', () => {
    expect(computeCov3D([2, 3, 0.5], [1, 0, 0, 0])).toEqual([4, 0, 0, 9, 0, 0.25]);
  });

  test('rotated cov3D is R diag(s²) Rᵀ', () => {
    const angle = 0.7;
    const axis: [number, number, number] = [0.6, 0, 0.8];
    const q = [Math.cos(angle / 2), ...axis.map((a) => a * Math.sin(angle / 2))];
    const s = [0.2, 1.5, 0.05];
    const R = axisAngle(axis, angle);
    const sigma = mul(mul(R, [[s[0]! ** 2, 0, 0], [0, s[1]! ** 2, 0], [0, 0, s[2]! ** 2]]), transpose(R));
    const got = computeCov3D(s, q);
    const expected = [sigma[0]![0]!, sigma[0]![1]!, sigma[0]![2]!, sigma[1]![1]!, sigma[1]![2]!, sigma[2]![2]!];
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 14));
  });

  test('an axis-aligned Gaussian on the optical axis at depth z: cov2D = diag(fx²σx²/z² + 0.3, fy²σy²/z² + 0.3)', () => {
    const cam = camera();
    const z = 4;
    const [a, b, c] = computeCov2D([0, 0, z], computeCov3D([0.1, 0.2, 0.3], [1, 0, 0, 0]), cam);
    expect(a).toBeCloseTo((150 ** 2 * 0.01) / 16 + 0.3, 12);
    expect(b).toBe(0);
    expect(c).toBeCloseTo((140 ** 2 * 0.04) / 16 + 0.3, 12);
  });

  test('off-axis with a rotated camera equals J W Σ Wᵀ Jᵀ + 0.3 I computed with plain matrices', () => {
    const W = axisAngle([0, 1, 0], 0.4);
    const cam = camera({ rotation: W.flat() as Mat3, translation: [0.1, -0.2, 3] });
    const mean = [0.3, 0.2, 1];
    const t = toCameraSpace(cam, mean);
    expect(Math.abs(t[0] / t[2])).toBeLessThan((1.3 * 100) / 150); // inside the clamp
    const cov3D = computeCov3D([0.3, 0.1, 0.2], [0.9, 0.1, -0.3, 0.2].map((v) => v / Math.hypot(0.9, 0.1, -0.3, 0.2)));
    const S = [[cov3D[0], cov3D[1], cov3D[2]], [cov3D[1], cov3D[3], cov3D[4]], [cov3D[2], cov3D[4], cov3D[5]]] as M;
    const J = [[150 / t[2], 0, (-150 * t[0]) / t[2] ** 2], [0, 140 / t[2], (-140 * t[1]) / t[2] ** 2]];
    const JW = mul(J, W);
    const expected = mul(mul(JW, S), transpose(JW));
    const got = computeCov2D(t, cov3D, cam);
    expect(got[0]).toBeCloseTo(expected[0]![0]! + 0.3, 10);
    expect(got[1]).toBeCloseTo(expected[0]![1]!, 10);
    expect(got[2]).toBeCloseTo(expected[1]![1]! + 0.3, 10);
  });

  test('the 1.3 clamp: far off-screen, the Jacobian uses x/z = 1.3·tan(fov/2)', () => {
    const cam = camera();
    const limX = (1.3 * 200) / (2 * 150);
    const z = 2;
    const cov3D = computeCov3D([0.3, 0.2, 0.4], [1, 0, 0, 0]);
    const far = computeCov2D([5 * z, 0, z], cov3D, cam);
    expect(far).toEqual(computeCov2D([limX * z, 0, z], cov3D, cam));
    expect(computeCov2D([-5 * z, 0, z], cov3D, cam)).toEqual(computeCov2D([-limX * z, 0, z], cov3D, cam));
    // Hand value for a: (fx/z)²σx² + (fx·x/z²)²σz² with x/z clamped.
    expect(far[0]).toBeCloseTo((150 / z) ** 2 * 0.09 + ((150 * limX) / z) ** 2 * 0.16 + 0.3, 10);
    // Just inside the limit nothing is clamped.
    const inside = computeCov2D([0.9 * limX * z, 0, z], cov3D, cam);
    expect(inside[0]).toBeCloseTo((150 / z) ** 2 * 0.09 + ((150 * 0.9 * limX) / z) ** 2 * 0.16 + 0.3, 10);
  });

  test('conic is the inverse covariance; radius = ceil(3·sqrt(λmax)); det 0 → null', () => {
    const cov: [number, number, number] = [9.3, 2, 4.3];
    const { conic, radius } = conicAndRadius(cov)!;
    // [[a b][b c]] · [[A B][B C]] = I
    expect(cov[0] * conic[0] + cov[1] * conic[1]).toBeCloseTo(1, 14);
    expect(cov[0] * conic[1] + cov[1] * conic[2]).toBeCloseTo(0, 14);
    expect(cov[1] * conic[1] + cov[2] * conic[2]).toBeCloseTo(1, 14);
    const lambdaMax = 6.8 + Math.sqrt(2.5 ** 2 + 4);
    expect(radius).toBe(Math.ceil(3 * Math.sqrt(lambdaMax)));
    // Nearly isotropic: the 0.1 floor on the eigenvalue spread decides.
    expect(conicAndRadius([4, 0, 4])!.radius).toBe(Math.ceil(3 * Math.sqrt(4 + Math.sqrt(0.1))));
    expect(conicAndRadius([1, 1, 1])).toBeNull();
  });
});

describe('getRect and projectSplat', () => {
  test('getRect truncates toward zero and clamps to the grid', () => {
    const grid = { x: 13, y: 7 };
    expect(getRect(20, 40, 4, grid)).toEqual({ minX: 1, minY: 2, maxX: 2, maxY: 3 });
    // (−5 − 3)/16 = −0.5 → 0; (−5 + 3 + 15)/16 = 0.81 → 0: zero area.
    expect(getRect(-5, 8, 3, grid)).toEqual({ minX: 0, minY: 0, maxX: 0, maxY: 1 });
    expect(getRect(1000, 50, 30, grid)).toEqual({ minX: 13, minY: 1, maxX: 13, maxY: 5 });
    expect(getRect(100, 50, 1e6, grid)).toEqual({ minX: 0, minY: 0, maxX: 13, maxY: 7 });
  });

  test('pixel position px = fx·x/z + cx − 0.5, depth = view z, colour from SH along camera centre → mean', () => {
    const cam = camera({ translation: [0.5, -0.25, 1] });
    // Values exact in f32 (the cloud stores f32): view-space mean (0.75, 0.125, 3).
    const cloud = oneSplat([0.25, 0.375, 2], [0.05, 0.05, 0.05], [1, 0, 0, 0], 0.7, [0.2, -0.4, 1]);
    const p = projectSplat(cloud, 0, cam);
    expect(p.visible).toBe(true);
    expect(p.depth).toBe(3);
    expect(p.px).toBeCloseTo((150 * 0.75) / 3 + 100 - 0.5, 12);
    expect(p.py).toBeCloseTo((140 * 0.125) / 3 + 50 - 0.5, 12);
    expect(p.opacity).toBeCloseTo(0.7, 6);
    expect(p.rgb).toEqual(evalSH(0, cloud.sh, [0, 0, 1]));
    const shape = conicAndRadius(computeCov2D([0.75, 0.125, 3], computeCov3D(cloud.scales, cloud.rotations), cam))!;
    expect(p.conic).toEqual(shape.conic);
    expect(p.radius).toBe(shape.radius);
    expect(p.rect).toEqual(getRect(p.px, p.py, p.radius, { x: 13, y: 7 }));
  });

  test('near cull at view z ≤ 0.2 (inclusive), then visible just beyond', () => {
    // The mean sits at the world origin (exact in f32) and the camera 0.2 (or a bit more) behind it.
    const atOrigin = oneSplat([0, 0, 0], [0.01, 0.01, 0.01], [1, 0, 0, 0]);
    expect(projectSplat(atOrigin, 0, camera({ translation: [0, 0, 0.2] }))).toMatchObject({ visible: false, cull: 'near', depth: 0.2 });
    expect(projectSplat(atOrigin, 0, camera({ translation: [0, 0, 0.2001] }))).toMatchObject({ visible: true, cull: null });
    const cam = camera();
    expect(projectSplat(oneSplat([0, 0, -5], [0.01, 0.01, 0.01], [1, 0, 0, 0]), 0, cam).cull).toBe('near');
  });

  test('off-screen splats are culled by their empty tile rectangle, big ones reaching in are kept', () => {
    const cam = camera();
    // x/z = 1 → px = 249.5, radius a few pixels: right of the 200-px image.
    expect(projectSplat(oneSplat([2, 0, 2], [0.01, 0.01, 0.01], [1, 0, 0, 0]), 0, cam).cull).toBe('offscreen');
    expect(projectSplat(oneSplat([2, 0, 2], [1, 1, 1], [1, 0, 0, 0]), 0, cam).visible).toBe(true);
  });

  test('det == 0 is culled as degenerate: a huge needle along the image diagonal', () => {
    // The quaternion (0.5, 0, 0, 0.5) is deliberately not unit (the CUDA does not normalise): its
    // matrix has the exact first column (0.5, 0.5, 0), so a, b and c come out equal once the needle's
    // variance swamps the 0.3, and det = a·c − b² is exactly 0.
    const cloud = oneSplat([0, 0, 1], [1e20, 0, 0], [0.5, 0, 0, 0.5]);
    const cam = camera({ fy: 150 });
    const cov = computeCov2D([0, 0, 1], computeCov3D(cloud.scales, cloud.rotations), cam);
    expect(cov[0] * cov[2] - cov[1] * cov[1]).toBe(0);
    expect(projectSplat(cloud, 0, cam).cull).toBe('degenerate');
  });
});
