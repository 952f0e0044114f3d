/**
 * A loaded 3D Gaussian scene on the CPU, in activated form, whatever file it came from. Every
 * loader produces this and every exporter and the GPU upload consume it.
 *
 * Per splat i (N = count, K = (shDegree + 1)² coefficients per colour channel):
 * | array      | length | slot layout                                  | meaning                                   |
 * |------------|--------|----------------------------------------------|-------------------------------------------|
 * | positions  | 3N     | [3i + 0..2] = x, y, z                        | world space (the file's frame)            |
 * | scales     | 3N     | [3i + 0..2]                                  | linear std-dev per axis (exp of log-scale)|
 * | rotations  | 4N     | [4i + 0..3] = w, x, y, z                     | unit quaternion                           |
 * | opacities  | N      | [i]                                          | sigmoid(logit), in [0, 1]                 |
 * | sh         | 3KN    | [(i·K + k)·3 + c], k = 0..K-1, c = R,G,B      | SH coefficients, k = 0 is DC (f_dc)       |
 *
 * Colour = max(0, 0.5 + Σ_k Y_k(dir) · sh[k]) as in the reference rasterizer.
 */
export type ShDegree = 0 | 1 | 2 | 3;

export interface SplatCloud {
  count: number;
  shDegree: ShDegree;
  positions: Float32Array;
  scales: Float32Array;
  rotations: Float32Array;
  opacities: Float32Array;
  sh: Float32Array;
  /** Things a user should know about the load (e.g. splats dropped for NaN values). */
  warnings: string[];
}

export const SH_C0 = 0.28209479177387814;

export function shCoefficientCount(degree: ShDegree): number {
  return (degree + 1) * (degree + 1);
}

/** An empty cloud with arrays allocated for `count` splats. */
export function allocateSplatCloud(count: number, shDegree: ShDegree): SplatCloud {
  const k = shCoefficientCount(shDegree);
  return {
    count,
    shDegree,
    positions: new Float32Array(3 * count),
    scales: new Float32Array(3 * count),
    rotations: new Float32Array(4 * count),
    opacities: new Float32Array(count),
    sh: new Float32Array(3 * k * count),
    warnings: [],
  };
}
