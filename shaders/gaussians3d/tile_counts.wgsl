// tileCounts: one thread per visible splat, in depth order (first kernel of scanTileCounts).
//
// Reads:  counters[COUNTER_VISIBLE], depth_order (compact ids sorted front to back), tile_rects,
//         projected (mean, conic, opacity).
// Writes: tile_counts[k] = tiles of the k-th nearest splat's 3-sigma rectangle in which it can
//         reach alpha 1/255 (include "gaussians3d_tile_cull": one run of columns per tile row); the
//         prefix scan that follows turns them into each splat's slots in the intersection list.
//         emit_intersections walks the same runs.

#include "gaussians3d_layout"
#include "gaussians3d_tile_cull"

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<storage, read> counters: array<u32>;
@group(0) @binding(1) var<storage, read> depth_order: array<u32>;
@group(0) @binding(2) var<storage, read> tile_rects: array<vec2u>;
@group(0) @binding(3) var<storage, read> projected: array<ProjectedSplat>;
@group(0) @binding(4) var<storage, read_write> tile_counts: array<u32>;

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
  let compact_id = depth_order[k];
  let rect = tile_rects[compact_id];
  let splat = projected[compact_id];
  let t = reach_limit(splat.opacity);
  let columns = vec2u(rect.x & 0xffffu, rect.y & 0xffffu);
  var count = 0u;
  for (var y = rect.x >> 16u; y < (rect.y >> 16u); y++) {
    let run = reached_columns(splat, t, y, columns);
    count += run.y - run.x;
  }
  tile_counts[k] = count;
}
