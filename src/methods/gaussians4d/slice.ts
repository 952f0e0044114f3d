/**
 * Slicing a 4D Gaussian at time t into a 3D one, in float64 (../shared/docs/gaussians.md §2.2-2.3;
 * fudan-zvg/4d-gaussian-splatting computeCov3D_conditional, 4D-Rotor GS slice_4d):
 *
 *   Σ4 = R diag(σ²) Rᵀ = [[Σ_xyz, Σ_xt], [Σ_xtᵀ, Σ_tt]]      (σ = scales × modifier)
 *   dt = t − μ_t
 *   marginal = exp(−½ dt² / Σ_tt)           unnormalised; the splat is culled unless marginal > 0.05
 *   opacity(t) = opacity · marginal
 *   μ(t) = μ_xyz + (Σ_xt / Σ_tt) · dt        the mean moves at a constant velocity
 *   Σ(t) = Σ_xyz − Σ_xt Σ_xtᵀ / Σ_tt         the conditional covariance does not depend on t
 *
 * Everything but the mean shift and the marginal is constant per splat, so `conditionalSlice` is
 * computed once (the GPU upload stores its result) and only the time-dependent part runs per frame.
 */
import type { Vec3 } from '../../camera/camera';
import type { Gaussian4dCloud } from './cloud4d';
import { isoclinicToMatrix, rotorToMatrix, type Mat4 } from './rotation4d';

/** A splat whose temporal marginal is not above this is culled (the reference's mask). */
export const MARGINAL_CULL = 0.05;

/** The 4D rotation of splat i of `cloud`, whichever parameterization it was stored in. */
export function splatRotation(cloud: Gaussian4dCloud, i: number): Mat4 {
  return cloud.rotationKind === 'rotor' ? rotorToMatrix(cloud.rotations, 8 * i) : isoclinicToMatrix(cloud.rotations, 8 * i);
}

/** Σ4 = R diag(s²) Rᵀ (row-major 4×4) for std-devs `scales` (4 values from `offset`) times `modifier`. */
export function covariance4D(rotation: Mat4, scales: ArrayLike<number>, offset = 0, modifier = 1): Float64Array {
  const variance = [0, 1, 2, 3].map((k) => (modifier * scales[offset + k]!) ** 2);
  const out = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    for (let j = i; j < 4; j++) {
      let sum = 0;
      for (let k = 0; k < 4; k++) sum += rotation[4 * i + k]! * variance[k]! * rotation[4 * j + k]!;
      out[4 * i + j] = out[4 * j + i] = sum;
    }
  }
  return out;
}

/** The time-independent part of the slice of a 4D covariance. */
export interface ConditionalSlice {
  /** Σ(t) upper triangle [Σ00, Σ01, Σ02, Σ11, Σ12, Σ22], as the 3DGS computeCov3D stores it. */
  cov3: [number, number, number, number, number, number];
  /** Σ_xt / Σ_tt: the mean's velocity per unit of time. */
  velocity: Vec3;
  /** Σ_tt, the variance of the temporal marginal. */
  varianceT: number;
}

export function conditionalSlice(cov4: ArrayLike<number>): ConditionalSlice {
  const c = (i: number, j: number) => cov4[4 * i + j]!;
  const varianceT = c(3, 3);
  const velocity: Vec3 = [c(0, 3) / varianceT, c(1, 3) / varianceT, c(2, 3) / varianceT];
  const cond = (i: number, j: number) => c(i, j) - c(i, 3) * velocity[j]!;
  return { cov3: [cond(0, 0), cond(0, 1), cond(0, 2), cond(1, 1), cond(1, 2), cond(2, 2)], velocity, varianceT };
}

/** Splat i of `cloud` at time t. */
export interface SlicedSplat extends ConditionalSlice {
  /** False when the temporal marginal is not above MARGINAL_CULL (NaN included). */
  visible: boolean;
  /** μ(t). */
  mean: Vec3;
  /** exp(−½ dt² / Σ_tt). */
  marginal: number;
  /** opacity · marginal. */
  opacity: number;
  /** t − μ_t. */
  dt: number;
}

export function sliceSplat(cloud: Gaussian4dCloud, i: number, time: number, modifier = 1): SlicedSplat {
  const slice = conditionalSlice(covariance4D(splatRotation(cloud, i), cloud.scales, 4 * i, modifier));
  const p = cloud.positions;
  const dt = time - p[4 * i + 3]!;
  const marginal = Math.exp((-0.5 * dt * dt) / slice.varianceT);
  const v = slice.velocity;
  return {
    ...slice,
    visible: marginal > MARGINAL_CULL,
    mean: [p[4 * i]! + v[0] * dt, p[4 * i + 1]! + v[1] * dt, p[4 * i + 2]! + v[2] * dt],
    marginal,
    opacity: cloud.opacities[i]! * marginal,
    dt,
  };
}
