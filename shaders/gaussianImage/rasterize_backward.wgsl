// rasterizeBackward: one workgroup of THREADS threads per tile; one thread per tile-list entry at a
// time (not per pixel). Gradient of the L2 loss through accumulated summation (the backward of
// rasterize_forward_sum, XingtongGe/gsplat@bcca3ec backward.cu; ../shared/docs/gaussians.md §3.3).
//
// Reads:  pixel_grad (dL/dC per pixel from the training forward), tile_ranges, gaussian_from_isect,
//         projected, tile_rects and tile_offsets (to find each entry's slot), uniforms.
// Writes: isect_grad[slot] for every entry of the tile's list: the Gaussian's gradient restricted
//         to this tile's pixels, as (d centre x, d centre y, d A, d B | d C, d r, d g, d b). The
//         slot of Gaussian g in tile t is the one emit_intersections gave it: offsets[g − 1] plus
//         t's row-major index inside g's tile rectangle. Entries past the tile-entry cap get zeros
//         (the forward did not sum them).
// Each thread takes entries local_index, + THREADS, ... and walks, row-major, the image pixels of
// the tile inside the box that bounds the Gaussian's {w ≥ 1/255} ellipse, accumulating in registers:
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

// Threads per tile. A tile list holds ~40 entries (kodim03, 2,000 Gaussians), so 256 threads left
// most SIMD groups idle. Each thread walks one row of its entry's box per outer iteration and takes
// its next entry as soon as its box is done, so the lanes of a SIMD group (which run a loop until
// all are done) do not each wait at every entry for the lane with the largest box.
override THREADS: u32;

@compute @workgroup_size(THREADS)
fn rasterize_backward(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let origin = workgroup_id.xy * TILE_SIZE;
  let range = tile_ranges[workgroup_id.y * uniforms.tile_grid.x + workgroup_id.x];
  let end = range.x + min(range.y - range.x, uniforms.tile_entry_cap);

  // The last pixel of the tile inside the image.
  let last_pixel = min(origin + TILE_SIZE, uniforms.image_size) - 1u;
  var entry = range.x + local_index;
  var started = false;
  var slot = 0u;
  var center = vec2f(0.0);
  var conic = vec3f(0.0);
  var color = vec3f(0.0);
  // The box rows py..y_hi still to walk and its columns x_lo..x_hi (empty: no entry yet).
  var py = 1u;
  var y_hi = 0u;
  var x_lo = 1u;
  var x_hi = 0u;
  var d_center = vec2f(0.0);
  var d_conic = vec3f(0.0);
  var d_color = vec3f(0.0);
  loop {
    if py > y_hi {
      // The entry's rows are done: store its sums and take the next entry.
      if started {
        isect_grad[2u * slot] = vec4f(d_center, d_conic.xy);
        isect_grad[2u * slot + 1u] = vec4f(d_conic.z, d_color);
        entry += THREADS;
      }
      started = true;
      if entry >= range.y {
        break;
      }
      let id = gaussian_from_isect[entry];
      slot = slot_of(id, workgroup_id.xy);
      d_center = vec2f(0.0);
      d_conic = vec3f(0.0);
      d_color = vec3f(0.0);
      // Entries past the cap get zeros (the forward did not sum them): an empty box.
      py = 1u;
      y_hi = 0u;
      x_lo = 1u;
      x_hi = 0u;
      if entry < end {
        let g = projected[id];
        center = g.center_conic_ab.xy;
        conic = vec3f(g.center_conic_ab.zw, g.conic_c_color.x);
        color = g.conic_c_color.yzw;
        // The ellipse σ ≤ SIGMA_CUT spans ±√(2·SIGMA_CUT·Σxx) in x and ±√(2·SIGMA_CUT·Σyy) in y,
        // with Σ = conic⁻¹: Σxx = C / det, Σyy = A / det.
        let conic_det = conic.x * conic.z - conic.y * conic.y;
        let half_box = BOX_SCALE * sqrt(2.0 * SIGMA_CUT * vec2f(conic.z, conic.x) / conic_det) + BOX_MARGIN;
        let lo = clamp(ceil(center - half_box), vec2f(origin), vec2f(last_pixel));
        let hi = clamp(floor(center + half_box), vec2f(origin), vec2f(last_pixel));
        py = u32(lo.y);
        y_hi = u32(hi.y);
        x_lo = u32(lo.x);
        x_hi = u32(hi.x);
      }
    }
    // Branch-free (both sides of a branch would run on a CPU SIMD group anyway): every pixel of
    // the row is evaluated and select leaves the sums untouched where the per-pixel reference
    // skips (σ < 0 or w < 1/255; a NaN σ adds, as there), so the same terms are added in the
    // same order and the sums are the same to the bit. The box lies inside the tile and the image,
    // so every load is in bounds.
    let row_start = py * uniforms.image_size.x;
    for (var px = x_lo; px <= x_hi; px++) {
      let d = center - vec2f(f32(px), f32(py));
      let sigma = 0.5 * (conic.x * d.x * d.x + conic.z * d.y * d.y) + conic.y * d.x * d.y;
      let w = exp(-sigma);
      let adds = !(sigma < 0.0) && !(w < WEIGHT_CUT);
      let pixel_g = pixel_grad[row_start + px].rgb;
      d_color = select(d_color, d_color + pixel_g * w, adds);
      let d_sigma = -w * dot(pixel_g, color);
      d_conic = select(d_conic, d_conic + vec3f(0.5 * d.x * d.x, d.x * d.y, 0.5 * d.y * d.y) * d_sigma, adds);
      d_center = select(d_center, d_center + vec2f(conic.x * d.x + conic.y * d.y, conic.y * d.x + conic.z * d.y) * d_sigma, adds);
    }
    py++;
  }
}
