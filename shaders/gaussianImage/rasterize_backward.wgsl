// rasterizeBackward: one 256-thread workgroup per tile; one thread per tile-list entry (not per
// pixel). Gradient of the L2 loss through accumulated summation (the backward of
// rasterize_forward_sum, XingtongGe/gsplat@bcca3ec backward.cu; ../shared/docs/gaussians.md §3.3).
//
// Reads:  pixel_grad (dL/dC per pixel from the training forward), tile_ranges, gaussian_from_isect,
//         projected, tile_rects and tile_offsets (to find each entry's slot), uniforms.
// Writes: isect_grad[slot] for every entry of the tile's list: the Gaussian's gradient restricted
//         to this tile's pixels, as (d centre x, d centre y, d A, d B | d C, d r, d g, d b). The
//         slot of Gaussian g in tile t is the one emit_intersections gave it: offsets[g − 1] plus
//         t's row-major index inside g's tile rectangle. Entries past the tile-entry cap get zeros
//         (the forward did not sum them).
// Each thread takes entries local_index, +256, ... and walks the image pixels of the tile inside
// the box that bounds the Gaussian's {w ≥ 1/255} ellipse, accumulating in registers:
//   w = exp(−σ) (skip σ < 0 or w < 1/255, exactly as the forward), g = dL/dC,
//   dc += g·w;   dσ = −w·(g·c);   dA += ½dx²·dσ;  dB += dx·dy·dσ;  dC += ½dy²·dσ;
//   dcentre += (A·dx + B·dy, B·dx + C·dy)·dσ    (d = centre − pixel).
// Pixel gradients are read from storage rather than staged in workgroup memory: no barrier keeps
// SwiftShader out of its slow barrier-capable execution mode (see rasterize_sum.wgsl).
//
// Why per entry and not per pixel: without transmittance every (pixel, Gaussian) term is
// independent, so a thread can own one Gaussian's sum over the tile and no cross-thread reduction
// or float atomic (WGSL has none) is needed. Each (tile, Gaussian) record goes to its own slot; a
// Gaussian's slots are contiguous, and param_gradients sums them in a fixed order, so the whole
// backward pass is deterministic.

#include "gaussian_image_layout"

// ln 255: w = exp(−σ) ≥ 1/255 ⇔ σ ≤ ln 255. The box is widened by 1% and half a pixel so f32
// rounding of σ near the cut can never leave out a pixel the forward summed.
const SIGMA_CUT: f32 = 5.541264;
const BOX_SCALE: f32 = 1.01;
const BOX_MARGIN: f32 = 0.5;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> tile_ranges: array<vec2u>;
@group(0) @binding(2) var<storage, read> gaussian_from_isect: array<u32>;
@group(0) @binding(3) var<storage, read> projected: array<ProjectedGaussian>;
@group(0) @binding(4) var<storage, read> tile_rects: array<vec2u>;
@group(0) @binding(5) var<storage, read> tile_offsets: array<u32>;
@group(0) @binding(6) var<storage, read> pixel_grad: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> isect_grad: array<vec4f>;

// The intersection slot emit_intersections gave Gaussian `id` in tile `tile`.
fn slot_of(id: u32, tile: vec2u) -> u32 {
  let rect = tile_rects[id];
  let rect_min = vec2u(rect.x & 0xffffu, rect.x >> 16u);
  let rect_width = (rect.y & 0xffffu) - rect_min.x;
  var first = 0u;
  if id > 0u {
    first = tile_offsets[id - 1u];
  }
  return first + (tile.y - rect_min.y) * rect_width + (tile.x - rect_min.x);
}

@compute @workgroup_size(TILE_PIXELS)
fn rasterize_backward(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let origin = workgroup_id.xy * TILE_SIZE;
  let range = tile_ranges[workgroup_id.y * uniforms.tile_grid.x + workgroup_id.x];
  let end = range.x + min(range.y - range.x, uniforms.tile_entry_cap);

  // The last pixel of the tile inside the image.
  let last_pixel = min(origin + TILE_SIZE, uniforms.image_size) - 1u;
  for (var entry = range.x + local_index; entry < range.y; entry += TILE_PIXELS) {
    let id = gaussian_from_isect[entry];
    let slot = slot_of(id, workgroup_id.xy);
    if entry >= end {
      isect_grad[2u * slot] = vec4f(0.0);
      isect_grad[2u * slot + 1u] = vec4f(0.0);
      continue;
    }
    let g = projected[id];
    let center = g.center_conic_ab.xy;
    let conic = vec3f(g.center_conic_ab.zw, g.conic_c_color.x);
    let color = g.conic_c_color.yzw;

    // The ellipse σ ≤ SIGMA_CUT spans ±√(2·SIGMA_CUT·Σxx) in x and ±√(2·SIGMA_CUT·Σyy) in y,
    // with Σ = conic⁻¹: Σxx = C / det, Σyy = A / det.
    let conic_det = conic.x * conic.z - conic.y * conic.y;
    let half_box = BOX_SCALE * sqrt(2.0 * SIGMA_CUT * vec2f(conic.z, conic.x) / conic_det) + BOX_MARGIN;
    let lo = clamp(ceil(center - half_box), vec2f(origin), vec2f(last_pixel));
    let hi = clamp(floor(center + half_box), vec2f(origin), vec2f(last_pixel));

    var d_center = vec2f(0.0);
    var d_conic = vec3f(0.0);
    var d_color = vec3f(0.0);
    for (var py = u32(lo.y); py <= u32(hi.y); py++) {
      for (var px = u32(lo.x); px <= u32(hi.x); px++) {
        let d = center - vec2f(f32(px), f32(py));
        let sigma = 0.5 * (conic.x * d.x * d.x + conic.z * d.y * d.y) + conic.y * d.x * d.y;
        if sigma < 0.0 {
          continue;
        }
        let w = exp(-sigma);
        if w < WEIGHT_CUT {
          continue;
        }
        let pixel_g = pixel_grad[py * uniforms.image_size.x + px].rgb;
        d_color += pixel_g * w;
        let d_sigma = -w * dot(pixel_g, color);
        d_conic += vec3f(0.5 * d.x * d.x, d.x * d.y, 0.5 * d.y * d.y) * d_sigma;
        d_center += vec2f(conic.x * d.x + conic.y * d.y, conic.y * d.x + conic.z * d.y) * d_sigma;
      }
    }
    isect_grad[2u * slot] = vec4f(d_center, d_conic.xy);
    isect_grad[2u * slot + 1u] = vec4f(d_conic.z, d_color);
  }
}
