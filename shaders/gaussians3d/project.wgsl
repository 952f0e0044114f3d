// project: one thread per splat of one scene chunk. 3DGS preprocessCUDA (graphdeco-inria
// diff-gaussian-rasterization forward.cu, constants in ../shared/docs/gaussians.md §1.1-1.6).
//
// Reads:  uniforms, chunk (its first upload index and the splats to project this frame: the splat
//         budget may end inside it), geometry and sh of the chunk, in the storage format of
//         src/methods/gaussians3d/splatStorage.ts: 'full' (f32 SplatGeometry with Σ, f32 SH) or,
//         with COMPACT_STORAGE, CompactSplatGeometry (snorm16 quaternion, f16 scales) and f16 DC /
//         snorm8 higher-order SH.
// Writes: the per-visible-splat records and the visible count (include "gaussians3d_project_splat",
//         which holds the projection steps 1-6; methods that first turn their splats into 3D
//         Gaussians, e.g. 4D slicing, share it). Splat ids written are upload indices.
// Means are relative to the scene origin and the uniforms hold the camera relative to it as well,
// so view-space positions never come from differences of two large f32 numbers.

#include "gaussians3d_layout"

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
#ifdef COMPACT_STORAGE
@group(0) @binding(1) var<storage, read> geometry: array<CompactSplatGeometry>;
@group(0) @binding(2) var<storage, read> sh: array<u32>;
#else
@group(0) @binding(1) var<storage, read> geometry: array<SplatGeometry>;
@group(0) @binding(2) var<storage, read> sh: array<f32>;
#endif
@group(0) @binding(9) var<uniform> chunk: SplatChunk;

// The splat whose SH the include evaluates (set before calling project_gaussian).
var<private> sh_base: u32;

#ifdef COMPACT_STORAGE
// Scale of the splat's snorm8 higher-order coefficients (word 1, high half).
var<private> sh_rest_scale: f32;

// Higher-order value j (coefficient 1 + j / 3, channel j % 3): byte j % 4 of word 2 + j / 4.
fn sh_rest_value(j: u32) -> f32 {
  return unpack4x8snorm(sh[sh_base + 2u + j / 4u])[j % 4u];
}

fn load_sh_coefficient(k: u32) -> vec3f {
  if k == 0u {
    return vec3f(unpack2x16float(sh[sh_base]), unpack2x16float(sh[sh_base + 1u]).x);
  }
  let j = 3u * (k - 1u);
  return sh_rest_scale * vec3f(sh_rest_value(j), sh_rest_value(j + 1u), sh_rest_value(j + 2u));
}

// u32 words per splat: the DC pair words, then 3(K − 1) snorm8 values four to a word.
fn sh_words() -> u32 {
  return 2u + (3u * (uniforms.sh_stride - 1u) + 3u) / 4u;
}

// Σ = R S Sᵀ Rᵀ from the stored rotation and scales (computeCov3D / build_rotation of the
// reference). The snorm16 quaternion is renormalised; M = R S is a Gram factor, so Σ stays
// positive semi-definite whatever the rounding.
fn covariance(g: CompactSplatGeometry) -> mat3x3f {
  let q = normalize(vec4f(unpack2x16snorm(g.rotation.x), unpack2x16snorm(g.rotation.y)));
  let r = q.x;
  let x = q.y;
  let y = q.z;
  let z = q.w;
  let s = vec3f(unpack2x16float(g.scale.x), unpack2x16float(g.scale.y).x);
  // Columns of R (row-major in the reference), each scaled by its axis' standard deviation.
  let m = mat3x3f(
    s.x * vec3f(1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + r * z), 2.0 * (x * z - r * y)),
    s.y * vec3f(2.0 * (x * y - r * z), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z + r * x)),
    s.z * vec3f(2.0 * (x * z + r * y), 2.0 * (y * z - r * x), 1.0 - 2.0 * (x * x + y * y)),
  );
  return m * transpose(m);
}
#else
fn load_sh_coefficient(k: u32) -> vec3f {
  let o = sh_base + 3u * k;
  return vec3f(sh[o], sh[o + 1u], sh[o + 2u]);
}

fn sh_words() -> u32 {
  return uniforms.sh_stride * 3u;
}

// Σ3D as stored (computed in float64 on the CPU); symmetric, so columns and rows coincide.
fn covariance(g: SplatGeometry) -> mat3x3f {
  return mat3x3f(
    vec3f(g.cov_a.x, g.cov_a.y, g.cov_a.z),
    vec3f(g.cov_a.y, g.cov_a.w, g.cov_b.x),
    vec3f(g.cov_a.z, g.cov_b.x, g.cov_b.y),
  );
}
#endif

#include "gaussians3d_project_splat"

@compute @workgroup_size(WORKGROUP_SIZE)
fn project(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  // Large chunks split the dispatch over x and y (workgroupGrid in src/gpu/pass.ts).
  let i = (workgroup_id.y * num_workgroups.x + workgroup_id.x) * WORKGROUP_SIZE + local_index;
  var p: Projection;
  var visible = false;
  if i < chunk.count {
    let g = geometry[i];
    sh_base = i * sh_words();
#ifdef COMPACT_STORAGE
    sh_rest_scale = unpack2x16float(sh[sh_base + 1u]).y;
#endif
    let cov3d = uniforms.scale_modifier_sq * covariance(g);
    visible = project_gaussian(g.position_opacity.xyz, cov3d, g.position_opacity.w, g.position_opacity.xyz, &p);
  }
  store_projection(chunk.first + i, visible, p);
}
