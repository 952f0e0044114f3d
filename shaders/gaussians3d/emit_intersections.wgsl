// emitIntersections: one thread per visible splat in depth order (duplicateWithKeys of the
// reference, ../shared/docs/gaussians.md §1.7, without the 64-bit key).
//
// Reads:  counters (visible, overflow), uniforms (tile grid, splat count), depth_order, tile_rects,
//         projected, tile_offsets (inclusive prefix sums of tile counts in depth order).
// Writes: for the k-th nearest splat, at slots [offsets[k−1], offsets[k]), one entry per tile of
//         its rectangle in the same runs of columns tile_counts counted (include
//         "gaussians3d_tile_cull"): tile_id_from_isect = tile index (row-major),
//         splat_id_from_isect = compact id. The list is therefore in depth order; the stable tile
//         sort that follows keeps that order inside each tile, which is what the reference gets
//         from its (tile << 32 | depth) key. Nothing is written on overflow (the host grows the
//         buffers and the frame is drawn again).
// The two kernels run the same f32 code on the same inputs, so they agree; should a compiler still
// make them differ, the slot range stays authoritative: extra tiles are dropped and missing ones
// are filled with the null splat (compact id = splat_count, opacity 0), which rasterize skips.

#include "gaussians3d_layout"
#include "gaussians3d_tile_cull"

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> counters: array<u32>;
@group(0) @binding(2) var<storage, read> depth_order: array<u32>;
@group(0) @binding(3) var<storage, read> tile_rects: array<vec2u>;
@group(0) @binding(4) var<storage, read> projected: array<ProjectedSplat>;
@group(0) @binding(5) var<storage, read> tile_offsets: array<u32>;
@group(0) @binding(6) var<storage, read_write> tile_id_from_isect: array<u32>;
@group(0) @binding(7) var<storage, read_write> splat_id_from_isect: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn emit_intersections(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let k = (workgroup_id.y * num_workgroups.x + workgroup_id.x) * WORKGROUP_SIZE + local_index;
  if k >= counters[COUNTER_VISIBLE] || counters[COUNTER_OVERFLOW] != 0u {
    return;
  }
  let compact_id = depth_order[k];
  let rect = tile_rects[compact_id];
  let rect_min = vec2u(rect.x & 0xffffu, rect.x >> 16u);
  let rect_max = vec2u(rect.y & 0xffffu, rect.y >> 16u);
  let splat = projected[compact_id];
  let t = reach_limit(splat.opacity);
  var slot = 0u;
  if k > 0u {
    slot = tile_offsets[k - 1u];
  }
  let end = tile_offsets[k];
  for (var y = rect_min.y; y < rect_max.y; y++) {
    let run = reached_columns(splat, t, y, vec2u(rect_min.x, rect_max.x));
    for (var x = run.x; x < run.y && slot < end; x++) {
      tile_id_from_isect[slot] = y * uniforms.tile_grid.x + x;
      splat_id_from_isect[slot] = compact_id;
      slot++;
    }
  }
  for (; slot < end; slot++) {
    tile_id_from_isect[slot] = rect_min.y * uniforms.tile_grid.x + rect_min.x;
    splat_id_from_isect[slot] = uniforms.splat_count;
  }
}
