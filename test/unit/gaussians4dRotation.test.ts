/**
 * 4D rotations (src/methods/gaussians4d/rotation4d.ts): the isoclinic quaternion pair against an
 * independent quaternion-product construction, the rotor against plane rotations of known angle,
 * both orthonormal with det +1, and the two parameterizations agreeing on the same rotation in both
 * directions of the conversion.
 */
import { describe, expect, test } from 'vitest';
import { quaternionToMatrix } from '../../src/methods/gaussians3d/projection';
import {
  isoclinicFromQuaternion3,
  isoclinicFromRotor,
  isoclinicToMatrix,
  normalizeQuaternion4,
  normalizeRotor,
  rotorFromIsoclinic,
  rotorToMatrix,
  type Mat4,
} from '../../src/methods/gaussians4d/rotation4d';
import { createRandom, randomQuaternion } from './gaussians4dTestKit';

/** Hamilton product of quaternions (w, x, y, z). */
function qmul(a: number[], b: number[]): number[] {
  const [aw, ax, ay, az] = a as [number, number, number, number];
  const [bw, bx, by, bz] = b as [number, number, number, number];
  return [aw * bw - ax * bx - ay * by - az * bz, aw * bx + ax * bw + ay * bz - az * by, aw * by - ax * bz + ay * bw + az * bx, aw * bz + ax * by - ay * bx + az * bw];
}

/** Determinant of a row-major 4×4 by Gaussian elimination with partial pivoting. */
function det4(m: ArrayLike<number>): number {
  const a = Array.from(m);
  let det = 1;
  for (let c = 0; c < 4; c++) {
    let pivot = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(a[4 * r + c]!) > Math.abs(a[4 * pivot + c]!)) pivot = r;
    if (pivot !== c) {
      for (let k = 0; k < 4; k++) [a[4 * c + k], a[4 * pivot + k]] = [a[4 * pivot + k]!, a[4 * c + k]!];
      det = -det;
    }
    det *= a[4 * c + c]!;
    for (let r = c + 1; r < 4; r++) {
      const f = a[4 * r + c]! / a[4 * c + c]!;
      for (let k = c; k < 4; k++) a[4 * r + k]! -= f * a[4 * c + k]!;
    }
  }
  return det;
}

/** max |R Rᵀ − I|. */
function orthonormalityError(m: Mat4): number {
  let worst = 0;
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      let dot = 0;
      for (let k = 0; k < 4; k++) dot += m[4 * i + k]! * m[4 * j + k]!;
      worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
    }
  }
  return worst;
}

function expectMatricesClose(a: ArrayLike<number>, b: ArrayLike<number>, atol: number): void {
  let worst = 0;
  for (let i = 0; i < 16; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst).toBeLessThanOrEqual(atol);
}

function randomPair(random: () => number): number[] {
  return [...randomQuaternion(random), ...randomQuaternion(random)];
}

/** A random rotor made valid by rotornorm (8 random numbers rarely satisfy the pseudo-scalar constraint). */
function randomRotor(random: () => number): number[] {
  const r = Array.from({ length: 8 }, () => random() * 2 - 1);
  expect(normalizeRotor(r)).toBe(true);
  return r;
}

describe('isoclinic quaternion pair (Yang et al.)', () => {
  test('equals v ↦ q_l·v·q̄_r with (x, y, z, t) stored as quaternion parts (k, j, i, real)', () => {
    const random = createRandom(1);
    for (let n = 0; n < 50; n++) {
      const pair = randomPair(random);
      const ql = pair.slice(0, 4);
      const qrConj = [pair[4]!, -pair[5]!, -pair[6]!, -pair[7]!];
      const R = isoclinicToMatrix(pair);
      for (let axis = 0; axis < 4; axis++) {
        // e_axis as a quaternion: x → k, y → j, z → i, t → real part.
        const v = [0, 0, 0, 0];
        v[3 - axis] = 1;
        const image = qmul(qmul(ql, v), qrConj);
        for (let row = 0; row < 4; row++) expect(R[4 * row + axis]).toBeCloseTo(image[3 - row]!, 14);
      }
    }
  });

  test('orthonormal with det +1; the identity pair is the identity', () => {
    const random = createRandom(2);
    for (let n = 0; n < 200; n++) {
      const R = isoclinicToMatrix(randomPair(random));
      expect(orthonormalityError(R)).toBeLessThan(1e-14);
      expect(det4(R)).toBeCloseTo(1, 13);
    }
    expectMatricesClose(isoclinicToMatrix([1, 0, 0, 0, 1, 0, 0, 0]), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 0);
  });

  test('isoclinicFromQuaternion3 gives diag(R₃(q), 1), R₃ of the 3DGS build_rotation', () => {
    const random = createRandom(3);
    for (let n = 0; n < 50; n++) {
      const q = randomQuaternion(random);
      const R = isoclinicToMatrix(isoclinicFromQuaternion3(q));
      const R3 = quaternionToMatrix(q);
      const expected = [R3[0]!, R3[1]!, R3[2]!, 0, R3[3]!, R3[4]!, R3[5]!, 0, R3[6]!, R3[7]!, R3[8]!, 0, 0, 0, 0, 1];
      expectMatricesClose(R, expected, 1e-15);
    }
  });

  test('normalizeQuaternion4: unit length; zero or NaN → identity, reported', () => {
    const q = [0, 3, 0, 4];
    expect(normalizeQuaternion4(q)).toBe(true);
    expect(q).toEqual([0, 0.6, 0, 0.8]);
    for (const bad of [[0, 0, 0, 0], [NaN, 1, 0, 0], [Infinity, 0, 0, 0]]) {
      expect(normalizeQuaternion4(bad)).toBe(false);
      expect(bad).toEqual([1, 0, 0, 0]);
    }
  });
});

describe('rotor (4D-Rotor GS)', () => {
  test('s = cos(θ/2) with one bivector b = sin(θ/2) rotates exactly that plane by θ', () => {
    const theta = 0.7;
    const planes: Array<[number, number, number]> = [
      // [rotor slot, first axis, second axis]: b_xy, b_xz, b_yz, b_xw, b_yw, b_zw (w = t).
      [1, 0, 1],
      [2, 0, 2],
      [3, 1, 2],
      [4, 0, 3],
      [5, 1, 3],
      [6, 2, 3],
    ];
    for (const [slot, a, b] of planes) {
      const rotor = [Math.cos(theta / 2), 0, 0, 0, 0, 0, 0, 0];
      rotor[slot] = Math.sin(theta / 2);
      const R = rotorToMatrix(rotor);
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          let expected = i === j ? 1 : 0;
          if ((i === a || i === b) && (j === a || j === b)) expected = i === j ? Math.cos(theta) : 0;
          // The plane rotation's off-diagonal pair: ±sin θ, antisymmetric.
          if (i === a && j === b) expect(Math.abs(R[4 * i + j]!)).toBeCloseTo(Math.sin(theta), 14);
          else if (i === b && j === a) expect(R[4 * i + j]).toBeCloseTo(-R[4 * a + b]!, 14);
          else expect(R[4 * i + j]).toBeCloseTo(expected, 14);
        }
      }
    }
  });

  test('normalizeRotor enforces the pseudo-scalar constraint and unit length; the matrix is orthonormal with det +1', () => {
    const random = createRandom(4);
    for (let n = 0; n < 200; n++) {
      const r = randomRotor(random);
      const [s, bxy, bxz, byz, bxw, byw, bzw, p] = r as [number, number, number, number, number, number, number, number];
      expect(Math.abs(p * s - bxy * bzw + bxz * byw - bxw * byz)).toBeLessThan(1e-12);
      expect(Math.hypot(...r)).toBeCloseTo(1, 14);
      const R = rotorToMatrix(r);
      expect(orthonormalityError(R)).toBeLessThan(1e-13);
      expect(det4(R)).toBeCloseTo(1, 12);
    }
  });

  test('normalizeRotor leaves a valid unit rotor unchanged; zero or NaN → identity, reported', () => {
    const valid = rotorFromIsoclinic([...randomQuaternion(createRandom(5)), ...randomQuaternion(createRandom(6))]);
    const copy = Array.from(valid);
    expect(normalizeRotor(copy)).toBe(true);
    copy.forEach((v, k) => expect(v).toBeCloseTo(valid[k]!, 14));
    for (const bad of [new Array(8).fill(0), [NaN, 0, 0, 0, 0, 0, 0, 1]]) {
      expect(normalizeRotor(bad)).toBe(false);
      expect(bad).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    }
  });
});

describe('both parameterizations agree on the same rotation', () => {
  test('rotor → quaternion pair: same matrix, both quaternions unit length', () => {
    const random = createRandom(7);
    for (let n = 0; n < 200; n++) {
      const rotor = randomRotor(random);
      const pair = isoclinicFromRotor(rotor);
      // rotornorm's δ step leaves the pseudo-scalar at ~1e-13 (it divides by a small ε), hence 12 digits.
      expect(Math.hypot(...pair.subarray(0, 4))).toBeCloseTo(1, 12);
      expect(Math.hypot(...pair.subarray(4, 8))).toBeCloseTo(1, 12);
      expectMatricesClose(isoclinicToMatrix(pair), rotorToMatrix(rotor), 1e-14);
    }
  });

  test('quaternion pair → rotor: same matrix, a valid unit rotor, and back to the same pair', () => {
    const random = createRandom(8);
    for (let n = 0; n < 200; n++) {
      const pair = randomPair(random);
      const rotor = rotorFromIsoclinic(pair);
      const check = Array.from(rotor);
      expect(normalizeRotor(check)).toBe(true);
      check.forEach((v, k) => expect(v).toBeCloseTo(rotor[k]!, 13));
      expectMatricesClose(rotorToMatrix(rotor), isoclinicToMatrix(pair), 1e-14);
      isoclinicFromRotor(rotor).forEach((v, k) => expect(v).toBeCloseTo(pair[k]!, 14));
    }
  });

  test('a 3D rotation: isoclinicFromQuaternion3 → rotor gives diag(R₃(q), 1) too', () => {
    const q = randomQuaternion(createRandom(9));
    const R3 = quaternionToMatrix(q);
    const R = rotorToMatrix(rotorFromIsoclinic(isoclinicFromQuaternion3(q)));
    expectMatricesClose(R, [R3[0]!, R3[1]!, R3[2]!, 0, R3[3]!, R3[4]!, R3[5]!, 0, R3[6]!, R3[7]!, R3[8]!, 0, 0, 0, 0, 1], 1e-15);
  });
});
