// emitIntersections: one thread per Gaussian, after the inclusive scan of the tile counts
// (map_gaussian_to_intersects of gsplat, ../shared/docs/gaussians.md §3.2, without the 64-bit key:
// every depth is 0 in GaussianImage, so the key is the tile id alone).
//
// Reads:  tile_rects, tile_offsets (inclusive prefix sums of the tile counts), uniforms.
// Writes: for Gaussian i, slots s in [offsets[i − 1], offsets[i]), one per covered tile in row-major
//         order of its rectangle: tile_id_from_isect[s] = tile id (the tile sort's keys),
//         gaussian_from_isect[s] = i (its values). The list is therefore in Gaussian-id order, and
//         the stable tile sort keeps that order inside each tile: the first 256 entries of a tile
//         are its 256 lowest-id Gaussians (deterministic, which matters for the reference's cap).
//         The backward pass recomputes a (tile, Gaussian) pair's slot from the same rectangle and
//         offsets (see rasterize_backward.wgsl).
//         Thread 0 writes the counters: intersections asked for, entries kept (at most the
//         capacity; slots past it are dropped and the overflow flag is set for the host to grow).

#include "gaussian_image_layout"

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> tile_rects: array<vec2u>;
@group(0) @binding(2) var<storage, read> tile_offsets: array<u32>;
@group(0) @binding(3) var<storage, read_write> tile_id_from_isect: array<u32>;
@group(0) @binding(4) var<storage, read_write> gaussian_from_isect: array<u32>;
@group(0) @binding(5) var<storage, read_write> counters: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn emit_intersections(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let i = (workgroup_id.y * num_workgroups.x + workgroup_id.x) * WORKGROUP_SIZE + local_index;
  let count = uniforms.gaussian_count;
  let capacity = uniforms.intersection_capacity;
  if i == 0u {
    let total = tile_offsets[count - 1u];
    counters[COUNTER_INTERSECTIONS] = total;
    counters[COUNTER_SORTED_INTERSECTIONS] = min(total, capacity);
    counters[COUNTER_OVERFLOW] = select(0u, 1u, total > capacity);
  }
  if i >= count {
    return;
  }
  let rect = tile_rects[i];
  let rect_min = vec2u(rect.x & 0xffffu, rect.x >> 16u);
  let rect_max = vec2u(rect.y & 0xffffu, rect.y >> 16u);
  var slot = 0u;
  if i > 0u {
    slot = tile_offsets[i - 1u];
  }
  for (var y = rect_min.y; y < rect_max.y; y++) {
    for (var x = rect_min.x; x < rect_max.x; x++) {
      if slot >= capacity {
        return;
      }
      tile_id_from_isect[slot] = y * uniforms.tile_grid.x + x;
      gaussian_from_isect[slot] = i;
      slot++;
    }
  }
}
