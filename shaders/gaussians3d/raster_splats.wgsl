// rasterSplats (first dispatch of the rasterize stage): one thread per visible splat.
//
// Reads:  counters[COUNTER_VISIBLE], projected (ProjectedSplat per compact id; the null splat, opacity
//         0, at index uniforms.splat_count).
// Writes: raster_splats[compact id] and raster_reach[compact id] (include
//         "gaussians3d_raster_splat"), and the null splat's at index splat_count (thread 0), so every
//         id the intersection list holds is valid.
// Steps: the conic's quadratic form and ln(opacity) for the blend loop; the reach box, the bounding
// box of the ellipse power ≥ ln(1 / (255 o)): with t = ln(255 o), power = −½ dᵀ Σ⁻¹ d ≥ −t holds
// only for |dx| ≤ sqrt(2t Σ₀₀), |dy| ≤ sqrt(2t Σ₁₁), where Σ = (Σ⁻¹)⁻¹ has Σ₀₀ = c / det and
// Σ₁₁ = a / det.
// Why the box is safe: rasterize skips a splat for pixels outside it, so it must contain every pixel
// where rasterize's own f32 arithmetic reaches alpha 1/255. t gets REACH_MARGIN (1e-3 in the
// exponent) and the extents REACH_SLACK (relative and in pixels). Both the f32 det = ac − b² and
// rasterize's f32 power lose precision only through cancellation, by about f32 epsilon × ac / det;
// where det < MIN_DET_SHARE · ac (a thin, tilted splat) that could approach the margins, and the box
// is left unbounded instead. So skipping by the box changes no pixel.

#include "gaussians3d_layout"
#include "gaussians3d_raster_splat"

override WORKGROUP_SIZE: u32 = 256u;

const REACH_MARGIN: f32 = 1e-3;
const REACH_SLACK: f32 = 1e-3;
const MIN_DET_SHARE: f32 = 1e-2;
const UNBOUNDED: f32 = 1e30;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> counters: array<u32>;
@group(0) @binding(2) var<storage, read> projected: array<ProjectedSplat>;
@group(0) @binding(3) var<storage, read_write> raster_splats: array<RasterSplat>;
@group(0) @binding(4) var<storage, read_write> raster_reach: array<vec4f>;

fn write_raster_splat(index: u32) {
  let s = projected[index];
  let a = s.conic_xy.x;
  let b = s.conic_xy.y;
  let c = s.conic_z;
  var log_opacity = NEVER_LOG_OPACITY;
  var reach = vec4f(1.0, 1.0, -1.0, -1.0);
  if s.opacity > 0.0 {
    log_opacity = log(s.opacity);
    let t = log_opacity + log(255.0) + REACH_MARGIN;
    let det = a * c - b * b;
    if t > 0.0 && det >= MIN_DET_SHARE * a * c {
      let extent = sqrt(2.0 * t * vec2f(c, a) / det) * (1.0 + REACH_SLACK) + REACH_SLACK;
      reach = vec4f(s.xy - extent, s.xy + extent);
    } else if t > 0.0 {
      reach = vec4f(vec2f(-UNBOUNDED), vec2f(UNBOUNDED));
    }
  }
  raster_splats[index] = RasterSplat(s.xy, -0.5 * vec2f(a, c), -b, log_opacity, s.color_rg, s.color_b);
  raster_reach[index] = reach;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn raster_splats_main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let k = (workgroup_id.y * num_workgroups.x + workgroup_id.x) * WORKGROUP_SIZE + local_index;
  if k == 0u {
    write_raster_splat(uniforms.splat_count);
  }
  if k < counters[COUNTER_VISIBLE] {
    write_raster_splat(k);
  }
}
