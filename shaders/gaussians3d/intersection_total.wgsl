// intersectionTotal: one thread, after the inclusive scan of tile counts.
//
// Reads:  counters[COUNTER_VISIBLE], tile_offsets (inclusive prefix sums of tile counts),
//         uniforms.intersection_capacity.
// Writes: counters[COUNTER_INTERSECTIONS] = total tile intersections of this frame;
//         counters[COUNTER_OVERFLOW] = 1 when the total does not fit the intersection buffers
//         (then nothing is emitted, sorted or drawn, and the host grows the buffers after reading
//         the counters back); counters[COUNTER_SORTED_INTERSECTIONS] = entries to sort (0 on overflow).

#include "gaussians3d_layout"

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> tile_offsets: array<u32>;
@group(0) @binding(2) var<storage, read_write> counters: array<u32>;

@compute @workgroup_size(1)
fn intersection_total() {
  let visible = counters[COUNTER_VISIBLE];
  var total = 0u;
  if visible > 0u {
    total = tile_offsets[visible - 1u];
  }
  let overflow = total > uniforms.intersection_capacity;
  counters[COUNTER_INTERSECTIONS] = total;
  counters[COUNTER_OVERFLOW] = select(0u, 1u, overflow);
  counters[COUNTER_SORTED_INTERSECTIONS] = select(total, 0u, overflow);
}
