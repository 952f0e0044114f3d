// The per-splat part of 3DGS preprocessCUDA (include "gaussians3d_project_splat"), shared by
// project.wgsl and the kernels of other methods that turn their splats into 3D Gaussians first
// (4D slicing in shaders/gaussians4d/), so every projection writes exactly the same records.
// graphdeco-inria diff-gaussian-rasterization forward.cu; constants in ../shared/docs/gaussians.md §1.1-1.6.
//
// The including shader declares `uniforms: FrameUniforms` at @binding(0) and, for the SH colour,
// `load_sh_coefficient(k) -> vec3f` of the splat being projected (see "gaussians3d_sh").
// Writes, for each visible splat at its compact id c (order of compaction is arbitrary):
//   global_from_compact_id[c] = splat index, depth_keys[c] = bits of view depth,
//   depth_order[c] = c (the values the depth sort permutes), projected[c], tile_rects[c];
//   counters[COUNTER_VISIBLE] = number of visible splats.
// Steps (project_gaussian, then store_projection):
//   1. view-space mean; cull at z <= 0.2 (near plane of in_frustum).
//   2. EWA: Σ2D = J W Σ3D Wᵀ Jᵀ with x/z, y/z clamped to 1.3·tan(fov/2), + 0.3 on the diagonal.
//   3. conic = Σ2D⁻¹ (cull det <= 0), radius = ceil(3·sqrt(λmax)), mean in pixels.
//   4. tile rectangle (getRect on 16×16 tiles); cull when it covers no tile.
//   5. SH colour along the direction from the camera centre to `color_origin`.
//   6. compaction: one atomic on the global counter per visible splat. No workgroup counter first:
//      GPU compilers aggregate same-address atomics across a subgroup themselves, and on CPU
//      emulation (SwiftShader) the barriers that a workgroup counter needs cost ~10x the whole
//      projection (each barrier is a coroutine switch per 4-lane group).

#include "gaussians3d_sh"

@group(0) @binding(3) var<storage, read_write> counters: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> global_from_compact_id: array<u32>;
@group(0) @binding(5) var<storage, read_write> depth_keys: array<u32>;
@group(0) @binding(6) var<storage, read_write> depth_order: array<u32>;
@group(0) @binding(7) var<storage, read_write> projected: array<ProjectedSplat>;
@group(0) @binding(8) var<storage, read_write> tile_rects: array<vec2u>;

const NEAR_CULL: f32 = 0.2;

struct Projection {
  record: ProjectedSplat,
  rect: vec2u,
  depth: f32,
}

// Steps 1-5 for a Gaussian with world-space `mean` and covariance `cov3d` (scale modifier applied);
// false when it is culled.
fn project_gaussian(mean: vec3f, cov3d: mat3x3f, opacity: f32, color_origin: vec3f, out: ptr<function, Projection>) -> bool {
  let view = vec3f(
    dot(uniforms.view_row0.xyz, mean) + uniforms.view_row0.w,
    dot(uniforms.view_row1.xyz, mean) + uniforms.view_row1.w,
    dot(uniforms.view_row2.xyz, mean) + uniforms.view_row2.w,
  );
  // `!(z > near)` also culls NaN depths.
  if !(view.z > NEAR_CULL) {
    return false;
  }

  let limit = 1.3 * uniforms.tan_half_fov;
  let inv_z = 1.0 / view.z;
  let tx = clamp(view.x * inv_z, -limit.x, limit.x) * view.z;
  let ty = clamp(view.y * inv_z, -limit.y, limit.y) * view.z;
  let f = uniforms.focal;
  // Rows of T = J W: J's first row is (fx/z, 0, −fx·tx/z²), its second (0, fy/z, −fy·ty/z²).
  let t0 = (f.x * inv_z) * uniforms.view_row0.xyz - (f.x * tx * inv_z * inv_z) * uniforms.view_row2.xyz;
  let t1 = (f.y * inv_z) * uniforms.view_row1.xyz - (f.y * ty * inv_z * inv_z) * uniforms.view_row2.xyz;
  let a = dot(t0, cov3d * t0) + 0.3;
  let b = dot(t0, cov3d * t1);
  let c = dot(t1, cov3d * t1) + 0.3;

  let det = a * c - b * b;
  if !(det > 0.0) {
    return false;
  }
  let inv_det = 1.0 / det;
  let mid = 0.5 * (a + c);
  let lambda_max = mid + sqrt(max(0.1, mid * mid - det));
  let radius = ceil(3.0 * sqrt(lambda_max));
  let xy = f * view.xy * inv_z + uniforms.pixel_offset;

  // getRect: (int) truncates toward zero, then clamps to the grid; max is exclusive.
  let grid = vec2i(uniforms.tile_grid);
  let rect_min = min(grid, max(vec2i(0), vec2i((xy - radius) / f32(TILE_SIZE))));
  let rect_max = min(grid, max(vec2i(0), vec2i((xy + radius + f32(TILE_SIZE - 1u)) / f32(TILE_SIZE))));
  let extent = rect_max - rect_min;
  if extent.x * extent.y == 0 {
    return false;
  }

  let rgb = eval_sh_color(uniforms.sh_degree, normalize(color_origin - uniforms.camera_center.xyz));

  (*out).record = ProjectedSplat(
    xy,
    vec2f(c * inv_det, -b * inv_det),
    a * inv_det,
    opacity,
    pack2x16float(rgb.rg),
    pack2x16float(vec2f(rgb.b, 0.0)),
  );
  let rmin = vec2u(rect_min);
  let rmax = vec2u(rect_max);
  (*out).rect = vec2u(rmin.x | (rmin.y << 16u), rmax.x | (rmax.y << 16u));
  (*out).depth = view.z;
  return true;
}

// Step 6 for splat i of this thread, when it is visible.
fn store_projection(i: u32, visible: bool, p: Projection) {
  if visible {
    let c = atomicAdd(&counters[COUNTER_VISIBLE], 1u);
    global_from_compact_id[c] = i;
    // View depth > 0.2 is a positive float, so its bits sort like its value.
    depth_keys[c] = bitcast<u32>(p.depth);
    depth_order[c] = c;
    projected[c] = p.record;
    tile_rects[c] = p.rect;
  }
}
