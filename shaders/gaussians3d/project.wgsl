// project: one thread per splat. 3DGS preprocessCUDA (graphdeco-inria diff-gaussian-rasterization
// forward.cu, constants in ../shared/docs/gaussians.md §1.1-1.6).
//
// Reads:  uniforms, geometry (SplatGeometry per splat), sh (f32 coefficients per splat).
// Writes: the per-visible-splat records and the visible count (include "gaussians3d_project_splat",
//         which holds the projection steps 1-6; methods that first turn their splats into 3D
//         Gaussians, e.g. 4D slicing, share it).

#include "gaussians3d_layout"

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> geometry: array<SplatGeometry>;
@group(0) @binding(2) var<storage, read> sh: array<f32>;

// The splat whose SH the include evaluates (set before calling project_gaussian).
var<private> sh_base: u32;

fn load_sh_coefficient(k: u32) -> vec3f {
  let o = sh_base + 3u * k;
  return vec3f(sh[o], sh[o + 1u], sh[o + 2u]);
}

#include "gaussians3d_project_splat"

@compute @workgroup_size(WORKGROUP_SIZE)
fn project(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  // Large scenes split the dispatch over x and y (workgroupGrid in src/gpu/pass.ts).
  let i = (workgroup_id.y * num_workgroups.x + workgroup_id.x) * WORKGROUP_SIZE + local_index;
  var p: Projection;
  var visible = false;
  if i < uniforms.splat_count {
    let g = geometry[i];
    // Σ3D is symmetric, so columns and rows coincide.
    let cov3d = uniforms.scale_modifier_sq * mat3x3f(
      vec3f(g.cov_a.x, g.cov_a.y, g.cov_a.z),
      vec3f(g.cov_a.y, g.cov_a.w, g.cov_b.x),
      vec3f(g.cov_a.z, g.cov_b.x, g.cov_b.y),
    );
    sh_base = i * uniforms.sh_stride * 3u;
    visible = project_gaussian(g.position_opacity.xyz, cov3d, g.position_opacity.w, g.position_opacity.xyz, &p);
  }
  store_projection(i, visible, p, local_index);
}
