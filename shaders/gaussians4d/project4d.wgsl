// project4d: one thread per 4D Gaussian. Slices it at the frame's time into a 3D Gaussian, then
// projects it exactly as the 3DGS project stage does, so every later 3DGS pass runs unchanged.
// Yang et al., 4D Gaussian Splatting (ICLR 2024), fudan-zvg/4d-gaussian-splatting
// computeCov3D_conditional and computeColorFromSH_4D; ../shared/docs/gaussians.md §2.3-2.4.
//
// Reads:  uniforms (FrameUniforms), slice (SliceUniforms), geometry (Splat4dGeometry per splat:
//         the time-independent part of the slice, precomputed in float64 by GpuScene4d),
//         sh (sh_stride = 16·(temporal degree + 1) RGB coefficients per splat).
// Writes: what the 3DGS project stage writes (include "gaussians3d_project_splat").
// Steps:
//   1. dt = t − μ_t; temporal marginal exp(−½ dt² / (m²·Σ_tt)); cull unless it is above 0.05.
//   2. μ(t) = μ_xyz + velocity·dt, Σ(t) = m²·(Σ_xyz − Σ_xt Σ_xtᵀ / Σ_tt), opacity·marginal.
//   3. 4D SH as 3D SH with per-time coefficients c_k + cos(2π·dt/T)·c_16+k + cos(4π·dt/T)·c_32+k,
//      seen along the direction to the *unshifted* mean (the reference uses orig_points).
//   4. the 3DGS projection (EWA, conic, radius, tiles) and compaction.

#include "gaussians3d_layout"
#include "gaussians4d_layout"

override WORKGROUP_SIZE: u32 = 256u;

const TWO_PI: f32 = 6.283185307179586;
// Coefficients per temporal order: the 16 spatial terms of degree 3 (the only layout with time terms).
const SPATIAL_TERMS: u32 = 16u;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> geometry: array<Splat4dGeometry>;
@group(0) @binding(2) var<storage, read> sh: array<f32>;
@group(0) @binding(9) var<uniform> slice: SliceUniforms;

// The splat whose SH load_sh_coefficient reads, and its temporal factors (cos(2π·dt/T), cos(4π·dt/T)).
var<private> sh_base: u32;
var<private> temporal: vec2f;

fn load_sh_coefficient(k: u32) -> vec3f {
  let o = sh_base + 3u * k;
  var c = vec3f(sh[o], sh[o + 1u], sh[o + 2u]);
  if slice.sh_degree_t > 0u {
    let o1 = o + 3u * SPATIAL_TERMS;
    c += temporal.x * vec3f(sh[o1], sh[o1 + 1u], sh[o1 + 2u]);
    if slice.sh_degree_t > 1u {
      let o2 = o1 + 3u * SPATIAL_TERMS;
      c += temporal.y * vec3f(sh[o2], sh[o2 + 1u], sh[o2 + 2u]);
    }
  }
  return c;
}

#include "gaussians3d_project_splat"

// Steps 1-4 (projection part) for splat i; false when it is culled.
fn slice_and_project(i: u32, out: ptr<function, Projection>) -> bool {
  let g = geometry[i];
  let dt = slice.time - g.velocity_time.w;
  let marginal = exp(-0.5 * dt * dt / (uniforms.scale_modifier_sq * g.cov_b.z));
  // `!(m > cull)` also culls a NaN marginal.
  if !(marginal > MARGINAL_CULL) {
    return false;
  }
  let mean = g.mean_opacity.xyz + g.velocity_time.xyz * dt;
  // Σ(t) is symmetric, so columns and rows coincide.
  let cov3d = uniforms.scale_modifier_sq * mat3x3f(
    vec3f(g.cov_a.x, g.cov_a.y, g.cov_a.z),
    vec3f(g.cov_a.y, g.cov_a.w, g.cov_b.x),
    vec3f(g.cov_a.z, g.cov_b.x, g.cov_b.y),
  );
  let phase = TWO_PI * dt / slice.sh_period;
  temporal = vec2f(cos(phase), cos(2.0 * phase));
  sh_base = i * uniforms.sh_stride * 3u;
  return project_gaussian(mean, cov3d, g.mean_opacity.w * marginal, g.mean_opacity.xyz, out);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn project4d(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  // Large scenes split the dispatch over x and y (workgroupGrid in src/gpu/pass.ts).
  let i = (workgroup_id.y * num_workgroups.x + workgroup_id.x) * WORKGROUP_SIZE + local_index;
  var p: Projection;
  var visible = false;
  if i < uniforms.splat_count {
    visible = slice_and_project(i, &p);
  }
  store_projection(i, visible, p);
}
