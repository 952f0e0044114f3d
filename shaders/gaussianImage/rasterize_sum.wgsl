// rasterizeSum: one 16×16 workgroup per tile, one thread per pixel: GaussianImage's "accumulated
// summation" (rasterize_forward_sum of XingtongGe/gsplat@bcca3ec forward.cu; paper: Zhang et al.,
// GaussianImage, ECCV 2024, eq. 6; ../shared/docs/gaussians.md §3.3).
//
// Reads:  tile_ranges[tile] = [start, end) of the tile's entries in the tile-sorted lists,
//         gaussian_from_isect (sorted values), projected, uniforms.
// Writes: default: decoded_image (rgba8unorm) = clamp(C, 0, 1), alpha 1.
//         TRAINING: image[pixel] = clamp(C, 0, 1); pixel_grad[pixel] = (dL/dC for the L2 loss, zero
//         where the clamp is active as torch.clamp's gradient; |clamp(C) − target|² in w, which
//         tile_loss.wgsl sums per tile when the loss is reported).
// Each pixel walks the tile's list (capped at uniforms.tile_entry_cap) and adds c·w for every
// Gaussian with σ ≥ 0 and w = exp(−σ) ≥ 1/255. No sort and no transmittance: the sum does not
// depend on the order of the list, and no pixel finishes early.
//
// Gaussians are read straight from storage, not staged in workgroup memory in batches as the CUDA
// kernel does: every thread of the workgroup reads the same entry at the same time (a broadcast
// from cache on GPUs), and on SwiftShader the staged version measured 7× slower (274 ms against
// 40 ms for a 128×96 image with 500 Gaussians), its barriers and workgroup loads being expensive.
//
// The reference kernel's quirk: its batch loop sets `done` after the first batch, so it sums only
// the first 256 entries of each tile. We diverge by default (tile_entry_cap = 0xffffffff, every
// entry is summed, which is the paper's formula) and reproduce it with tile_entry_cap = 256; the
// backward pass honours the same cap, so training stays consistent either way.

#include "gaussian_image_layout"

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> tile_ranges: array<vec2u>;
@group(0) @binding(2) var<storage, read> gaussian_from_isect: array<u32>;
@group(0) @binding(3) var<storage, read> projected: array<ProjectedGaussian>;
#ifdef TRAINING
@group(0) @binding(4) var<storage, read> target_image: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> image: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> pixel_grad: array<vec4f>;
#else
@group(0) @binding(4) var decoded_image: texture_storage_2d<rgba8unorm, write>;
#endif

@compute @workgroup_size(TILE_SIZE, TILE_SIZE)
fn rasterize_sum(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(local_invocation_id) local_id: vec3u,
) {
  let pixel = workgroup_id.xy * TILE_SIZE + local_id.xy;
  let inside = all(pixel < uniforms.image_size);
  let pixel_f = vec2f(pixel);
  let tile = workgroup_id.y * uniforms.tile_grid.x + workgroup_id.x;
  let range = tile_ranges[tile];
  // range.x + cap could wrap for the "no cap" value, so cap the length instead.
  let end = range.x + min(range.y - range.x, uniforms.tile_entry_cap);

  var color = vec3f(0.0);
  for (var entry = range.x; entry < end; entry++) {
    let g = projected[gaussian_from_isect[entry]];
    let d = g.center_conic_ab.xy - pixel_f;
    let sigma = 0.5 * (g.center_conic_ab.z * d.x * d.x + g.conic_c_color.x * d.y * d.y) + g.center_conic_ab.w * d.x * d.y;
    if sigma < 0.0 {
      continue;
    }
    let w = exp(-sigma);
    if w < WEIGHT_CUT {
      continue;
    }
    color += g.conic_c_color.yzw * w;
  }
  let clamped = clamp(color, vec3f(0.0), vec3f(1.0));

#ifdef TRAINING
  if inside {
    let index = pixel.y * uniforms.image_size.x + pixel.x;
    let error = clamped - target_image[index].rgb;
    let passes = (color >= vec3f(0.0)) & (color <= vec3f(1.0));
    image[index] = vec4f(clamped, 1.0);
    pixel_grad[index] = vec4f(select(vec3f(0.0), uniforms.pixel_grad_scale * error, passes), dot(error, error));
  }
#else
  if inside {
    textureStore(decoded_image, pixel, vec4f(clamped, 1.0));
  }
#endif
}
