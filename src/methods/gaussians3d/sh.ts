/**
 * View-dependent colour from real spherical harmonics of degree 0-3, exactly as the reference
 * rasterizer's computeColorFromSH (graphdeco-inria/diff-gaussian-rasterization forward.cu; constants
 * in ../shared/docs/gaussians.md §1.6): the signs of the basis are folded into the terms below,
 * 0.5 is added and the result is clamped below at 0 (never above).
 */
import { SH_C0, type ShDegree } from './splatCloud';

export { SH_C0 };
export const SH_C1 = 0.4886025119029199;
export const SH_C2 = [1.0925484305920792, -1.0925484305920792, 0.31539156525252005, -1.0925484305920792, 0.5462742152960396] as const;
export const SH_C3 = [
  -0.5900435899266435, 2.890611442640554, -0.4570457994644658, 0.3731763325901154, -0.4570457994644658, 1.445305721320277,
  -0.5900435899266435,
] as const;

/**
 * The (degree + 1)² basis values Y_k(dir) with the reference's signs, so colour = 0.5 + Σ_k Y_k · sh_k.
 * `dir` must be a unit vector (the reference normalises mean − camera centre before evaluating).
 */
export function shBasis(degree: ShDegree, dir: readonly [number, number, number]): number[] {
  const [x, y, z] = dir;
  const basis = [SH_C0];
  if (degree < 1) return basis;
  basis.push(-SH_C1 * y, SH_C1 * z, -SH_C1 * x);
  if (degree < 2) return basis;
  const xx = x * x;
  const yy = y * y;
  const zz = z * z;
  const xy = x * y;
  const yz = y * z;
  const xz = x * z;
  basis.push(SH_C2[0] * xy, SH_C2[1] * yz, SH_C2[2] * (2 * zz - xx - yy), SH_C2[3] * xz, SH_C2[4] * (xx - yy));
  if (degree < 3) return basis;
  basis.push(
    SH_C3[0] * y * (3 * xx - yy),
    SH_C3[1] * xy * z,
    SH_C3[2] * y * (4 * zz - xx - yy),
    SH_C3[3] * z * (2 * zz - 3 * xx - 3 * yy),
    SH_C3[4] * x * (4 * zz - xx - yy),
    SH_C3[5] * z * (xx - yy),
    SH_C3[6] * x * (xx - 3 * yy),
  );
  return basis;
}

/**
 * RGB of one splat seen along unit direction `dir`: max(0, 0.5 + Σ_k Y_k(dir) · coeffs[k]).
 * `coeffs` holds (degree + 1)² RGB triples from `offset` on, laid out [(k · 3 + c)] as in SplatCloud.sh.
 */
export function evalSH(
  degree: ShDegree,
  coeffs: ArrayLike<number>,
  dir: readonly [number, number, number],
  offset = 0,
): [number, number, number] {
  const basis = shBasis(degree, dir);
  let r = 0;
  let g = 0;
  let b = 0;
  for (let k = 0; k < basis.length; k++) {
    const y = basis[k]!;
    r += y * coeffs[offset + k * 3]!;
    g += y * coeffs[offset + k * 3 + 1]!;
    b += y * coeffs[offset + k * 3 + 2]!;
  }
  return [Math.max(0, r + 0.5), Math.max(0, g + 0.5), Math.max(0, b + 0.5)];
}
