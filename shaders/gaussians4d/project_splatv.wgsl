// projectSplatv: one thread per .splatv splat. Evaluates splaTV's time model at the frame's time,
// then projects the resulting 3D Gaussian exactly as the 3DGS project stage does.
// antimatter15/splaTV hybrid.js vertex shader; ../shared/docs/gaussians.md §2.9; record layout in
// src/methods/gaussians4d/splatv.ts.
//
// Reads:  uniforms (FrameUniforms; sh_degree is 0: the colour is direct), slice (SliceUniforms: time),
//         records (SPLATV_RECORD_WORDS u32 per splat, exactly as in the file).
// Writes: what the 3DGS project stage writes (include "gaussians3d_project_splat").
// Steps:
//   1. dt = t − trbf_center; temporal opacity exp(−(dt / trbf_scale)²); cull below 0.02.
//   2. position = xyz + m0-2·dt + m3-5·dt² + m6-8·dt³; rotation = normalize(rot + ω·dt).
//   3. Σ = R S Sᵀ Rᵀ (3DGS computeCov3D; the 3DGS scene does this on the CPU, here it changes
//      every frame), times the scale modifier squared.
//   4. opacity·temporal opacity, the RGBA8 colour as an SH DC term, the 3DGS projection and compaction.

#include "gaussians3d_layout"
#include "gaussians4d_layout"

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> records: array<u32>;
@group(0) @binding(9) var<uniform> slice: SliceUniforms;

// The colour of the splat being projected; SH degree 0 with DC (rgb − 0.5)/C0 gives back rgb.
var<private> splat_rgb: vec3f;

fn load_sh_coefficient(k: u32) -> vec3f {
  return (splat_rgb - 0.5) / SH_C0;
}

#include "gaussians3d_project_splat"

fn word(i: u32, w: u32) -> u32 {
  return records[i * SPLATV_RECORD_WORDS + w];
}

fn halves(i: u32, w: u32) -> vec2f {
  return unpack2x16float(word(i, w));
}

// Row-major rotation of unit quaternion (w, x, y, z), as 3DGS build_rotation.
fn quaternion_matrix(q: vec4f) -> mat3x3f {
  let r = q.x;
  let x = q.y;
  let y = q.z;
  let z = q.w;
  // mat3x3f takes columns: these are the columns of the row-major matrix of projection.ts.
  return mat3x3f(
    vec3f(1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + r * z), 2.0 * (x * z - r * y)),
    vec3f(2.0 * (x * y - r * z), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z + r * x)),
    vec3f(2.0 * (x * z + r * y), 2.0 * (y * z - r * x), 1.0 - 2.0 * (x * x + y * y)),
  );
}

// Steps 1-4 (projection part) for splat i; false when it is culled.
fn evaluate_and_project(i: u32, out: ptr<function, Projection>) -> bool {
  let trbf = halves(i, SPLATV_WORD_TRBF);
  let dt = slice.time - trbf.x;
  let temporal_opacity = exp(-(dt / trbf.y) * (dt / trbf.y));
  // `!(o >= cut)` also culls NaN (splaTV keeps o == 0.02: `if (topacity < 0.02) return;`).
  if !(temporal_opacity >= SPLATV_OPACITY_CULL) {
    return false;
  }
  let p = SPLATV_WORD_POSITION;
  let xyz = vec3f(bitcast<f32>(word(i, p)), bitcast<f32>(word(i, p + 1u)), bitcast<f32>(word(i, p + 2u)));
  let m01 = halves(i, SPLATV_WORD_MOTION);
  let m23 = halves(i, SPLATV_WORD_MOTION + 1u);
  let m45 = halves(i, SPLATV_WORD_MOTION + 2u);
  let m67 = halves(i, SPLATV_WORD_MOTION + 3u);
  let m8 = halves(i, SPLATV_WORD_MOTION + 4u);
  let mean = xyz + vec3f(m01, m23.x) * dt + vec3f(m23.y, m45) * dt * dt + vec3f(m67, m8.x) * dt * dt * dt;

  let omega = vec4f(halves(i, SPLATV_WORD_OMEGA), halves(i, SPLATV_WORD_OMEGA + 1u));
  let q = vec4f(halves(i, SPLATV_WORD_ROTATION), halves(i, SPLATV_WORD_ROTATION + 1u)) + omega * dt;
  let length2 = dot(q, q);
  // A quaternion that drifted through zero has no rotation left: identity, as the CPU reference.
  let unit_q = select(vec4f(1.0, 0.0, 0.0, 0.0), q * inverseSqrt(length2), length2 > 0.0);
  let sxy = halves(i, SPLATV_WORD_SCALE);
  let scale = vec3f(sxy, halves(i, SPLATV_WORD_SCALE + 1u).x);
  // M = R S (columns of R scaled); Σ = M Mᵀ.
  let rotation = quaternion_matrix(unit_q);
  let m = mat3x3f(rotation[0] * scale.x, rotation[1] * scale.y, rotation[2] * scale.z);
  let cov3d = uniforms.scale_modifier_sq * (m * transpose(m));

  let rgba = unpack4x8unorm(word(i, SPLATV_WORD_RGBA));
  splat_rgb = rgba.rgb;
  return project_gaussian(mean, cov3d, rgba.a * temporal_opacity, mean, out);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn project_splatv(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let i = (workgroup_id.y * num_workgroups.x + workgroup_id.x) * WORKGROUP_SIZE + local_index;
  var p: Projection;
  var visible = false;
  if i < uniforms.splat_count {
    visible = evaluate_and_project(i, &p);
  }
  store_projection(i, visible, p);
}
