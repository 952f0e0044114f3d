// project: one thread per Gaussian (project_gaussians_2d_forward of XingtongGe/gsplat@bcca3ec
// forward2d.cu with compute_cov2d_bounds and get_tile_bbox of helpers.cuh;
// ../shared/docs/gaussians.md §3.2).
//
// Reads:  params (8 raw floats per Gaussian, as 2 vec4f: x y l11 l21 | l22 r g b), uniforms.
// Writes: projected[i] (centre, conic, colour), tile_rects[i] (packed [min, max) in tiles),
//         reach[i] (pixel box (min x, min y, max x, max y) outside which w < 1/255, for the
//         DIRECT rasterize_sum), tile_counts[i] = tiles covered (0 for a culled Gaussian; the scan that follows turns the
//         counts into each Gaussian's slots in the intersection list).
// Steps:
//   1. centre = ½W·tanh(x) + ½W (likewise y): no −0.5 offset and no low-pass filter, as the reference;
//   2. Σ = L Lᵀ with L = [[l11 + 0.5, 0], [l21, l22 + 0.5]]; cull when det Σ is 0 or not finite;
//   3. conic = Σ⁻¹; radius = ceil(3·√λmax) with λ = b̄ ± √max(0.1, b̄² − det), b̄ = (a + c)/2;
//   4. tile rectangle: (int)(centre/16 ∓ radius/16 (+1)) clamped to the grid, C-style truncation;
//   5. reach box: the bounding box of the ellipse σ = ½ dᵀ Q d ≤ t, t = ln(1 / WEIGHT_CUT), for the
//      f32 conic Q = [[A, B], [B, C]] exactly as stored: |dx| ≤ sqrt(2t C / det Q), |dy| ≤
//      sqrt(2t A / det Q). (It can reach past the tile rectangle, ceil(3σ) < 3.33σ: the tile lists
//      bound what a pixel sees anyway.)
// Why the box is safe (rasterize_sum DIRECT skips a Gaussian for the pixels outside it, so it must
// hold every pixel where rasterize's own f32 σ gives w ≥ 1/255; as raster_splats.wgsl of 3DGS):
// t gets REACH_MARGIN and the extents REACH_SLACK (relative and in pixels). The f32 det Q and the
// f32 σ lose precision only through cancellation, by about f32 epsilon × AC / det Q (at most ~400
// ulps of σ here, 4e-4 at σ = t); where det Q < MIN_DET_SHARE · AC (a thin, tilted Gaussian) that
// could approach the margin, and the box is left unbounded instead. So the box changes no pixel.

#include "gaussian_image_layout"

override WORKGROUP_SIZE: u32 = 256u;

const LN_INV_WEIGHT_CUT: f32 = 5.541263545158426; // ln(255): σ ≤ this ⇔ w = e^−σ ≥ 1/255
const REACH_MARGIN: f32 = 1e-3;
const REACH_SLACK: f32 = 1e-3;
const MIN_DET_SHARE: f32 = 1e-2;
const UNBOUNDED: f32 = 1e30;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> params: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> projected: array<ProjectedGaussian>;
@group(0) @binding(3) var<storage, read_write> tile_rects: array<vec2u>;
@group(0) @binding(4) var<storage, read_write> tile_counts: array<u32>;
@group(0) @binding(5) var<storage, read_write> reach: array<vec4f>;

// (int)(v) clamped to [0, limit]. Clamping in float first keeps the conversion in range.
fn trunc_clamp(v: f32, limit: u32) -> u32 {
  return u32(clamp(v, 0.0, f32(limit)));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn project(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let i = (workgroup_id.y * num_workgroups.x + workgroup_id.x) * WORKGROUP_SIZE + local_index;
  if i >= uniforms.gaussian_count {
    return;
  }
  let p0 = params[2u * i];
  let p1 = params[2u * i + 1u];
  let size = vec2f(uniforms.image_size);

  // Step 1. tanh of |x| > 10 is ±1 in f32 anyway; clamping keeps exp-based tanh away from inf/inf.
  let center = 0.5 * size * tanh(clamp(p0.xy, vec2f(-10.0), vec2f(10.0))) + 0.5 * size;

  // Step 2.
  let l11 = p0.z + CHOLESKY_BOUND.x;
  let l21 = p0.w + CHOLESKY_BOUND.y;
  let l22 = p1.x + CHOLESKY_BOUND.z;
  let a = l11 * l11;
  let b = l11 * l21;
  let c = l21 * l21 + l22 * l22;
  let det = a * c - b * b;
  // NaN fails every comparison, so a non-finite parameter culls the Gaussian too.
  let valid = det > 0.0 && det < 3.0e38 && all(abs(center) < vec2f(3.0e38));
  if !valid {
    tile_counts[i] = 0u;
    tile_rects[i] = vec2u(0u);
    reach[i] = vec4f(1.0, 1.0, -1.0, -1.0);
    return;
  }

  // Step 3.
  let conic = vec3f(c, -b, a) / det;
  let mid = 0.5 * (a + c);
  let spread = sqrt(max(0.1, mid * mid - det));
  let radius = ceil(3.0 * sqrt(max(mid + spread, mid - spread)));

  // Step 4.
  let tile_center = center / f32(TILE_SIZE);
  let tile_radius = radius / f32(TILE_SIZE);
  let grid = uniforms.tile_grid;
  let rect_min = vec2u(trunc_clamp(tile_center.x - tile_radius, grid.x), trunc_clamp(tile_center.y - tile_radius, grid.y));
  let rect_max = vec2u(trunc_clamp(tile_center.x + tile_radius + 1.0, grid.x), trunc_clamp(tile_center.y + tile_radius + 1.0, grid.y));
  let extent = rect_max - rect_min;

  projected[i] = ProjectedGaussian(vec4f(center, conic.xy), vec4f(conic.z, p1.yzw));
  tile_rects[i] = vec2u(rect_min.x | (rect_min.y << 16u), rect_max.x | (rect_max.y << 16u));
  tile_counts[i] = extent.x * extent.y;

  // Step 5.
  let conic_det = conic.x * conic.z - conic.y * conic.y;
  var box = vec4f(vec2f(-UNBOUNDED), vec2f(UNBOUNDED));
  if conic_det >= MIN_DET_SHARE * conic.x * conic.z {
    let t = LN_INV_WEIGHT_CUT + REACH_MARGIN;
    let half_size = sqrt(2.0 * t * vec2f(conic.z, conic.x) / conic_det) * (1.0 + REACH_SLACK) + REACH_SLACK;
    box = vec4f(center - half_size, center + half_size);
  }
  reach[i] = box;
}
