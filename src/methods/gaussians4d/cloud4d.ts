/**
 * A loaded 4D Gaussian scene (XYZT Gaussians, Yang et al. ICLR 2024 / 4D-Rotor GS) on the CPU, in
 * activated form: what the 4D .ply loader produces and the GPU upload and the CPU reference consume.
 *
 * Per splat i (N = count, M = SH coefficients per colour channel, see sh4d.ts):
 * | array      | length | slot layout                                          | meaning                                      |
 * |------------|--------|------------------------------------------------------|----------------------------------------------|
 * | positions  | 4N     | [4i + 0..3] = x, y, z, t                             | mean in space (file frame) and time          |
 * | scales     | 4N     | [4i + 0..3] = σx, σy, σz, σt                          | linear std-dev per 4D axis (exp of log-scale)|
 * | rotations  | 8N     | isoclinic: [8i + 0..3] q_l, [8i + 4..7] q_r (w,x,y,z)  | unit quaternions (rotation4d.ts)             |
 * |            |        | rotor: [8i + 0..7] s, b_xy, b_xz, b_yz, b_xw, b_yw, b_zw, b_xyzw | unit rotor (rotornorm applied)  |
 * | opacities  | N      | [i]                                                  | sigmoid(logit), in [0, 1]                    |
 * | sh         | 3MN    | [(i·M + m)·3 + c], c = R, G, B                        | 4D SH, m = 16·j + k (temporal order j)       |
 *
 * Colour at time t seen along unit direction d: max(0, 0.5 + Σ_j cos(2π·j·(μ_t − t)/T) Σ_k Y_k(d) sh[16j + k])
 * with T = timeDuration[1] − timeDuration[0] (§2.4).
 */
import type { ShDegree } from '../gaussians3d/splatCloud';
import { sh4dCoefficientCount, type TemporalShDegree } from './sh4d';

export type Rotation4dKind = 'isoclinic' | 'rotor';

export interface Gaussian4dCloud {
  count: number;
  /** Spatial SH degree stored. */
  shDegree: ShDegree;
  /** Temporal SH degree stored; > 0 only with spatial degree 3 (the layout the reference code trains). */
  shDegreeT: TemporalShDegree;
  /** [t0, t1]: the training time span; T = t1 − t0 is the period of the temporal SH. */
  timeDuration: [number, number];
  rotationKind: Rotation4dKind;
  positions: Float32Array;
  scales: Float32Array;
  rotations: Float32Array;
  opacities: Float32Array;
  sh: Float32Array;
  /** Things a user should know about the load (splats dropped for NaN, assumed time span, …). */
  warnings: string[];
}

/** An empty cloud with arrays allocated for `count` splats. */
export function allocateGaussian4dCloud(
  count: number,
  shDegree: ShDegree,
  shDegreeT: TemporalShDegree,
  rotationKind: Rotation4dKind,
  timeDuration: [number, number],
): Gaussian4dCloud {
  const m = sh4dCoefficientCount(shDegree, shDegreeT);
  return {
    count,
    shDegree,
    shDegreeT,
    timeDuration,
    rotationKind,
    positions: new Float32Array(4 * count),
    scales: new Float32Array(4 * count),
    rotations: new Float32Array(8 * count),
    opacities: new Float32Array(count),
    sh: new Float32Array(3 * m * count),
    warnings: [],
  };
}
