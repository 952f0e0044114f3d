/**
 * 4D rotations of XYZT Gaussians in float64, in the two parameterizations the papers train
 * (../shared/docs/gaussians.md §2.2 and §2.8):
 *
 * - **Isoclinic quaternion pair** (Yang et al., fudan-zvg/4d-gaussian-splatting utils/general_utils.py
 *   build_rotation_4d): q_l = (a, b, c, d), q_r = (p, q, r, s), each (w, x, y, z) and unit length;
 *   A = M_l(q_l) · M_r(q_r) and R[i][j] = A[3 − i][3 − j] (the Python `flip(1, 2)`). M_l multiplies by
 *   q_l on the left, M_r by the conjugate of q_r on the right, so in quaternion terms the rotation is
 *   v ↦ q_l v q̄_r with the 4D axes (x, y, z, t) stored as quaternion parts (k, j, i, real).
 * - **Rotor** (Duan et al. 4D-Rotor GS, weify627/4D-Rotor-Gaussians build_rotation_from_rotor8):
 *   8 numbers (s, b_xy, b_xz, b_yz, b_xw, b_yw, b_zw, b_xyzw) of the even subalgebra of Cl(4, 0),
 *   made a unit rotor by `rotornorm` (pseudo-scalar constraint, then unit length).
 *
 * Both describe Spin(4) = SU(2) × SU(2); the exact map between them (derived for these two codes'
 * sign conventions and checked by the tests) is
 *   q_l = (s − b_xyzw, b_xy + b_zw, b_yw − b_xz, b_yz + b_xw)
 *   q_r = (s + b_xyzw, b_xy − b_zw, −b_xz − b_yw, b_yz − b_xw)
 * Matrices are row-major 4×4 (16 numbers), acting on column vectors (x, y, z, t).
 */

export type Mat4 = Float64Array;

/** Component names of a rotor, in storage order. */
export const ROTOR_COMPONENTS = ['s', 'b_xy', 'b_xz', 'b_yz', 'b_xw', 'b_yw', 'b_zw', 'b_xyzw'] as const;

/**
 * Makes a 4-vector unit length in place (zero or non-finite → identity quaternion (1, 0, 0, 0)).
 * Returns false when it had to fall back to the identity, so loaders can warn.
 */
export function normalizeQuaternion4(q: { [i: number]: number }, offset = 0): boolean {
  const length = Math.hypot(q[offset]!, q[offset + 1]!, q[offset + 2]!, q[offset + 3]!);
  if (!(length > 0) || !Number.isFinite(length)) {
    q[offset] = 1;
    q[offset + 1] = q[offset + 2] = q[offset + 3] = 0;
    return false;
  }
  for (let k = 0; k < 4; k++) q[offset + k] = q[offset + k]! / length;
  return true;
}

/** R (row-major) of the isoclinic pair `pair` = [q_l (w, x, y, z), q_r (w, x, y, z)] read from `offset`. */
export function isoclinicToMatrix(pair: ArrayLike<number>, offset = 0): Mat4 {
  const a = pair[offset]!;
  const b = pair[offset + 1]!;
  const c = pair[offset + 2]!;
  const d = pair[offset + 3]!;
  const p = pair[offset + 4]!;
  const q = pair[offset + 5]!;
  const r = pair[offset + 6]!;
  const s = pair[offset + 7]!;
  const ml = [a, -b, -c, -d, b, a, -d, c, c, d, a, -b, d, -c, b, a];
  const mr = [p, q, r, s, -q, p, -s, r, -r, s, p, -q, -s, -r, q, p];
  const out = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      // A = M_l · M_r, then the flip of both axes.
      let sum = 0;
      for (let k = 0; k < 4; k++) sum += ml[4 * (3 - i) + k]! * mr[4 * k + (3 - j)]!;
      out[4 * i + j] = sum;
    }
  }
  return out;
}

/**
 * `rotornorm` of 4D-Rotor GS in place: a rotor must satisfy s·b_xyzw − b_xy·b_zw + b_xz·b_yw −
 * b_xw·b_yz = 0 (its pseudo-scalar part of R R̃ vanishes); when it does not (|ε| > 1e-7) the
 * rotor is moved along its dual by the δ that cancels ε, then scaled to unit length. A zero or
 * non-finite rotor becomes the identity (1, 0, …, 0) and the function returns false.
 */
export function normalizeRotor(rotor: { [i: number]: number }, offset = 0): boolean {
  const v = Array.from({ length: 8 }, (_, k) => rotor[offset + k]!);
  const [s, bxy, bxz, byz, bxw, byw, bzw, p] = v as [number, number, number, number, number, number, number, number];
  const eps = p * s - bxy * bzw + bxz * byw - bxw * byz;
  if (Math.abs(eps) > 1e-7) {
    const l2 = v.reduce((sum, x) => sum + x * x, 0);
    const delta = (Math.sqrt(l2 * l2 - 4 * eps * eps) - l2) / (2 * eps);
    v[0] = s + delta * p;
    v[7] = p + delta * s;
    v[1] = bxy - delta * bzw;
    v[6] = bzw - delta * bxy;
    v[2] = bxz + delta * byw;
    v[5] = byw + delta * bxz;
    v[3] = byz - delta * bxw;
    v[4] = bxw - delta * byz;
  }
  const length = Math.hypot(...v);
  if (!(length > 0) || !Number.isFinite(length)) {
    for (let k = 0; k < 8; k++) rotor[offset + k] = k === 0 ? 1 : 0;
    return false;
  }
  for (let k = 0; k < 8; k++) rotor[offset + k] = v[k]! / length;
  return true;
}

/** R (row-major) of a unit rotor (s, b_xy, b_xz, b_yz, b_xw, b_yw, b_zw, b_xyzw), as build_rotation_from_rotor8. */
export function rotorToMatrix(rotor: ArrayLike<number>, offset = 0): Mat4 {
  const s = rotor[offset]!;
  const bxy = rotor[offset + 1]!;
  const bxz = rotor[offset + 2]!;
  const byz = rotor[offset + 3]!;
  const bxw = rotor[offset + 4]!;
  const byw = rotor[offset + 5]!;
  const bzw = rotor[offset + 6]!;
  const p = rotor[offset + 7]!;
  const [s2, bxy2, bxz2, byz2, bxw2, byw2, bzw2, p2] = [s * s, bxy * bxy, bxz * bxz, byz * byz, bxw * bxw, byw * byw, bzw * bzw, p * p];
  // The reference fills r[i][j] and returns its transpose; these are the rows of that transpose.
  return Float64Array.from([
    -bxy2 - bxz2 - bxw2 + byz2 + byw2 + bzw2 - p2 + s2,
    2 * (bxy * s - bxz * byz - bxw * byw + bzw * p),
    2 * (bxy * byz + bxz * s - bxw * bzw - byw * p),
    2 * (bxy * byw + bxz * bzw + bxw * s + byz * p),

    -2 * (bxy * s + bxz * byz + bxw * byw + bzw * p),
    -bxy2 + bxz2 + bxw2 - byz2 - byw2 + bzw2 - p2 + s2,
    2 * (-bxy * bxz + bxw * p + byz * s - byw * bzw),
    2 * (-bxy * bxw - bxz * p + byz * bzw + byw * s),

    2 * (bxy * byz - bxz * s - bxw * bzw + byw * p),
    -2 * (bxy * bxz + bxw * p + byw * bzw + byz * s),
    bxy2 - bxz2 + bxw2 - byz2 + byw2 - bzw2 - p2 + s2,
    2 * (bxy * p - bxz * bxw - byw * byz + bzw * s),

    2 * (bxy * byw + bxz * bzw - bxw * s - byz * p),
    2 * (-bxy * bxw + bxz * p + byz * bzw - byw * s),
    -2 * (bxy * p + bxz * bxw + byz * byw + bzw * s),
    bxy2 + bxz2 - bxw2 + byz2 - byw2 - bzw2 - p2 + s2,
  ]);
}

/** The isoclinic pair [q_l, q_r] of the same rotation as a unit rotor (the map in the header). */
export function isoclinicFromRotor(rotor: ArrayLike<number>, offset = 0): Float64Array {
  const s = rotor[offset]!;
  const bxy = rotor[offset + 1]!;
  const bxz = rotor[offset + 2]!;
  const byz = rotor[offset + 3]!;
  const bxw = rotor[offset + 4]!;
  const byw = rotor[offset + 5]!;
  const bzw = rotor[offset + 6]!;
  const p = rotor[offset + 7]!;
  return Float64Array.from([s - p, bxy + bzw, byw - bxz, byz + bxw, s + p, bxy - bzw, -bxz - byw, byz - bxw]);
}

/** The unit rotor of the same rotation as the isoclinic pair [q_l, q_r] (inverse of isoclinicFromRotor). */
export function rotorFromIsoclinic(pair: ArrayLike<number>, offset = 0): Float64Array {
  const l = (k: number) => pair[offset + k]!;
  const r = (k: number) => pair[offset + 4 + k]!;
  // s, b_xy, b_xz, b_yz, b_xw, b_yw, b_zw, b_xyzw
  return Float64Array.from([
    (l(0) + r(0)) / 2,
    (l(1) + r(1)) / 2,
    -(l(2) + r(2)) / 2,
    (l(3) + r(3)) / 2,
    (l(3) - r(3)) / 2,
    (l(2) - r(2)) / 2,
    (l(1) - r(1)) / 2,
    (r(0) - l(0)) / 2,
  ]);
}

/**
 * The isoclinic pair whose 4D rotation is diag(R₃(q), 1): the 3D rotation of quaternion q = (w, x, y, z)
 * (as 3DGS build_rotation) that leaves time alone. With time as the real part the rotation is
 * v ↦ q' v q̄' (q_l = q_r = q'), and the reversed axis order (x, y, z) = (k, j, i), a reflection, turns
 * q into q' = (w, −z, −y, −x).
 */
export function isoclinicFromQuaternion3(q: ArrayLike<number>, offset = 0): Float64Array {
  const w = q[offset]!;
  const x = q[offset + 1]!;
  const y = q[offset + 2]!;
  const z = q[offset + 3]!;
  return Float64Array.from([w, -z, -y, -x, w, -z, -y, -x]);
}
