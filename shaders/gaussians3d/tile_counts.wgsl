// tileCounts: one thread per visible splat, in depth order (first kernel of scanTileCounts).
//
// Reads:  counters[COUNTER_VISIBLE], depth_order (compact ids sorted front to back), tile_rects.
// Writes: tile_counts[k] = tiles covered by the k-th nearest splat; the prefix scan that follows
//         turns them into each splat's first slot in the intersection list.

#include "gaussians3d_layout"

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<storage, read> counters: array<u32>;
@group(0) @binding(1) var<storage, read> depth_order: array<u32>;
@group(0) @binding(2) var<storage, read> tile_rects: array<vec2u>;
@group(0) @binding(3) var<storage, read_write> tile_counts: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn tile_counts_main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let k = (workgroup_id.y * num_workgroups.x + workgroup_id.x) * WORKGROUP_SIZE + local_index;
  if k >= counters[COUNTER_VISIBLE] {
    return;
  }
  let rect = tile_rects[depth_order[k]];
  let extent = (rect.y & 0xffffu) - (rect.x & 0xffffu);
  let rows = (rect.y >> 16u) - (rect.x >> 16u);
  tile_counts[k] = extent * rows;
}
