// tileLoss: one thread per tile, on the training steps whose loss is reported. Sums the squared
// errors that rasterize_sum (TRAINING) left in pixel_grad.w over the tile's pixels; the host adds
// the per-tile sums in f64. A serial loop per tile rather than a workgroup tree reduction: no
// barrier, which SwiftShader runs far faster, and 256 additions per thread are nothing on a GPU.
//
// Reads:  pixel_grad (w = Σ over channels of (clamp(C) − target)²), uniforms.
// Writes: tile_loss[tile].

#include "gaussian_image_layout"

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> pixel_grad: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> tile_loss: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn tile_loss_sum(@builtin(global_invocation_id) global_id: vec3u) {
  let tile = global_id.x;
  let grid = uniforms.tile_grid;
  if tile >= grid.x * grid.y {
    return;
  }
  let origin = vec2u(tile % grid.x, tile / grid.x) * TILE_SIZE;
  let end = min(origin + TILE_SIZE, uniforms.image_size);
  var sum = 0.0;
  for (var y = origin.y; y < end.y; y++) {
    for (var x = origin.x; x < end.x; x++) {
      sum += pixel_grad[y * uniforms.image_size.x + x].w;
    }
  }
  tile_loss[tile] = sum;
}
