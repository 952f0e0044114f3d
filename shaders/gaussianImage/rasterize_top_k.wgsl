// rasterizeTopK: one 16×16 workgroup per tile, one thread per pixel: Image-GS's top-K normalised
// rendering (nd_rasterize_forward_topk_norm of NYU-ICL/image-gs; Zhang et al., Image-GS,
// SIGGRAPH 2025; ../shared/docs/gaussians.md §4), offered as a second decoding mode.
//
// Reads:  tile_ranges, gaussian_from_isect, projected, uniforms.
// Writes: decoded_image (rgba8unorm) = clamp(Σ_topK c·w / (Σ_topK w + 1e-4), 0, 1).
// Each pixel walks the tile's whole list (no cap, no 1/255 cut) and keeps the K = 10 largest
// weights w = exp(−σ) it has seen (σ < 0 and non-finite σ skipped) with their colours, replacing
// the smallest kept one when a larger one arrives. Gaussians are read straight from storage, as in
// rasterize_sum.wgsl (see there why they are not staged in workgroup memory).
// The result is normalised, so a Gaussian's colour is a colour rather than a summand: models
// fitted by accumulated summation look different (darker where few Gaussians overlap) in this mode.

#include "gaussian_image_layout"

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> tile_ranges: array<vec2u>;
@group(0) @binding(2) var<storage, read> gaussian_from_isect: array<u32>;
@group(0) @binding(3) var<storage, read> projected: array<ProjectedGaussian>;
@group(0) @binding(4) var decoded_image: texture_storage_2d<rgba8unorm, write>;

@compute @workgroup_size(TILE_SIZE, TILE_SIZE)
fn rasterize_top_k(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(local_invocation_id) local_id: vec3u,
) {
  let pixel = workgroup_id.xy * TILE_SIZE + local_id.xy;
  let pixel_f = vec2f(pixel);
  let range = tile_ranges[workgroup_id.y * uniforms.tile_grid.x + workgroup_id.x];

  var kept_weight: array<f32, TOP_K>;
  var kept_color: array<vec3f, TOP_K>;
  var kept = 0u;
  // Index and value of the smallest kept weight, valid once all K slots are filled.
  var smallest = 0u;
  var smallest_weight = 0.0;

  for (var entry = range.x; entry < range.y; entry++) {
    let g = projected[gaussian_from_isect[entry]];
    let d = g.center_conic_ab.xy - pixel_f;
    let sigma = 0.5 * (g.center_conic_ab.z * d.x * d.x + g.conic_c_color.x * d.y * d.y) + g.center_conic_ab.w * d.x * d.y;
    // `sigma >= 0 && sigma <= max f32` is false for NaN and ±inf as well.
    if !(sigma >= 0.0 && sigma <= 3.4e38) {
      continue;
    }
    let w = exp(-sigma);
    var slot = kept;
    if kept == TOP_K {
      if w <= smallest_weight {
        continue;
      }
      slot = smallest;
    } else {
      kept++;
    }
    kept_weight[slot] = w;
    kept_color[slot] = g.conic_c_color.yzw;
    if kept == TOP_K {
      smallest = 0u;
      for (var k = 1u; k < TOP_K; k++) {
        if kept_weight[k] < kept_weight[smallest] {
          smallest = k;
        }
      }
      smallest_weight = kept_weight[smallest];
    }
  }

  var weight_sum = 0.0;
  var color = vec3f(0.0);
  for (var k = 0u; k < kept; k++) {
    weight_sum += kept_weight[k];
    color += kept_color[k] * kept_weight[k];
  }
  if all(pixel < uniforms.image_size) {
    textureStore(decoded_image, pixel, vec4f(clamp(color / (weight_sum + TOP_K_EPSILON), vec3f(0.0), vec3f(1.0)), 1.0));
  }
}
