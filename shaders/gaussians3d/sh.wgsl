// Spherical-harmonics colour of one splat, degrees 0-3 (include "gaussians3d_sh").
//
// Reads: coefficient k of the splat through `load_sh_coefficient(k) -> vec3f`, which the including
// shader defines (it knows the buffer and the splat). Returns max(0, 0.5 + Σ_k Y_k(dir)·sh_k),
// clamped below only, exactly as computeColorFromSH in graphdeco-inria/diff-gaussian-rasterization
// forward.cu (constants from ../shared/docs/gaussians.md §1.6). `dir` is the normalised direction
// from the camera centre to the splat's world-space mean.

const SH_C0: f32 = 0.28209479177387814;
const SH_C1: f32 = 0.4886025119029199;
const SH_C2 = array<f32, 5>(1.0925484305920792, -1.0925484305920792, 0.31539156525252005, -1.0925484305920792, 0.5462742152960396);
const SH_C3 = array<f32, 7>(-0.5900435899266435, 2.890611442640554, -0.4570457994644658, 0.3731763325901154,
                            -0.4570457994644658, 1.445305721320277, -0.5900435899266435);

fn eval_sh_color(degree: u32, dir: vec3f) -> vec3f {
  var result = SH_C0 * load_sh_coefficient(0u);
  if degree > 0u {
    let x = dir.x;
    let y = dir.y;
    let z = dir.z;
    result += -SH_C1 * y * load_sh_coefficient(1u) + SH_C1 * z * load_sh_coefficient(2u) - SH_C1 * x * load_sh_coefficient(3u);
    if degree > 1u {
      let xx = x * x;
      let yy = y * y;
      let zz = z * z;
      result += SH_C2[0] * x * y * load_sh_coefficient(4u)
              + SH_C2[1] * y * z * load_sh_coefficient(5u)
              + SH_C2[2] * (2.0 * zz - xx - yy) * load_sh_coefficient(6u)
              + SH_C2[3] * x * z * load_sh_coefficient(7u)
              + SH_C2[4] * (xx - yy) * load_sh_coefficient(8u);
      if degree > 2u {
        result += SH_C3[0] * y * (3.0 * xx - yy) * load_sh_coefficient(9u)
                + SH_C3[1] * x * y * z * load_sh_coefficient(10u)
                + SH_C3[2] * y * (4.0 * zz - xx - yy) * load_sh_coefficient(11u)
                + SH_C3[3] * z * (2.0 * zz - 3.0 * xx - 3.0 * yy) * load_sh_coefficient(12u)
                + SH_C3[4] * x * (4.0 * zz - xx - yy) * load_sh_coefficient(13u)
                + SH_C3[5] * z * (xx - yy) * load_sh_coefficient(14u)
                + SH_C3[6] * x * (xx - 3.0 * yy) * load_sh_coefficient(15u);
      }
    }
  }
  // The reference adds 0.5 and clamps below only; colours above 1 saturate at the 8-bit store.
  return max(result + 0.5, vec3f(0.0));
}
