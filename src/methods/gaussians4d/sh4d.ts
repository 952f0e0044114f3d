/**
 * 4D "spherindrical" harmonics of Yang et al. (fudan-zvg/4d-gaussian-splatting computeColorFromSH_4D
 * and utils/sh_utils.py eval_shfs_4d; ../shared/docs/gaussians.md §2.4): the 16 real SH basis terms
 * of the 3DGS reference (sh.ts) times temporal cosines,
 *
 *   rgb = max(0, 0.5 + Σ_k Y_k(dir)·sh[k] + cos(2π·Δt/T)·Σ_k Y_k(dir)·sh[16 + k] + cos(4π·Δt/T)·Σ_k Y_k(dir)·sh[32 + k])
 *
 * with Δt = μ_t − t (the sign does not matter: cos is even), T the training time span and dir the
 * unit direction from the camera centre to the splat's *unshifted* mean μ_xyz (the CUDA code uses
 * orig_points). The reference evaluates the temporal terms only inside `if (deg > 2)`, so they need
 * spatial degree 3; a lower evaluated degree drops them, as there.
 *
 * Because the temporal factors do not depend on dir, this equals 3D SH with per-time coefficients
 * c_k(t) = sh[k] + cos₁·sh[16 + k] + cos₂·sh[32 + k]: the GPU kernel feeds exactly those to the
 * shared 3DGS SH code.
 */
import { evalSH } from '../gaussians3d/sh';
import { shCoefficientCount, type ShDegree } from '../gaussians3d/splatCloud';

export type TemporalShDegree = 0 | 1 | 2;

/** Coefficients per colour channel: (degree + 1)² spatial, times (degreeT + 1) temporal orders. */
export function sh4dCoefficientCount(degree: ShDegree, degreeT: TemporalShDegree): number {
  if (degreeT > 0 && degree !== 3) throw new Error(`4D SH with temporal degree ${degreeT} needs spatial degree 3 (got ${degree})`);
  return shCoefficientCount(degree) * (degreeT + 1);
}

/** cos(2π·j·Δt/T) for temporal orders j = 1, 2 (the factors of sh[16 + k] and sh[32 + k]). */
export function temporalFactors(dt: number, period: number): [number, number] {
  const phase = (2 * Math.PI * dt) / period;
  return [Math.cos(phase), Math.cos(2 * phase)];
}

/**
 * The 3D SH coefficients the 4D SH of one splat reduce to at time offset `dt` = μ_t − t: (degree + 1)²
 * RGB triples laid out as SplatCloud.sh. `coeffs` holds the splat's sh4dCoefficientCount(degree,
 * degreeT) triples from `offset` on. Temporal orders above `evalDegreeT` are left out.
 */
export function sliceSH4D(
  degree: ShDegree,
  degreeT: TemporalShDegree,
  coeffs: ArrayLike<number>,
  dt: number,
  period: number,
  offset = 0,
  evalDegreeT: number = degreeT,
): Float64Array {
  const k = shCoefficientCount(degree);
  const out = new Float64Array(3 * k);
  for (let i = 0; i < 3 * k; i++) out[i] = coeffs[offset + i]!;
  const orders = Math.min(degreeT, evalDegreeT);
  if (orders > 0) {
    const factors = temporalFactors(dt, period);
    for (let j = 1; j <= orders; j++) {
      const f = factors[j - 1]!;
      for (let i = 0; i < 3 * k; i++) out[i]! += f * coeffs[offset + 3 * k * j + i]!;
    }
  }
  return out;
}

/**
 * RGB of one splat (max(0, 0.5 + …), clamped below only) seen along unit `dir`, evaluated up to
 * spatial degree `evalDegree` and temporal degree `evalDegreeT` (each clamped to what is stored;
 * temporal terms only at spatial degree 3, as the reference).
 */
export function evalSH4D(
  degree: ShDegree,
  degreeT: TemporalShDegree,
  coeffs: ArrayLike<number>,
  dir: readonly [number, number, number],
  dt: number,
  period: number,
  offset = 0,
  evalDegree: number = degree,
  evalDegreeT: number = degreeT,
): [number, number, number] {
  const spatial = Math.max(0, Math.min(degree, Math.floor(evalDegree))) as ShDegree;
  const temporal = spatial === 3 ? Math.max(0, Math.min(degreeT, Math.floor(evalDegreeT))) : 0;
  const sliced = sliceSH4D(degree, degreeT, coeffs, dt, period, offset, temporal);
  return evalSH(spatial, sliced, dir);
}
