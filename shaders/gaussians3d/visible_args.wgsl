// visibleArgs: one thread. Turns the visible count that project left in counters into the
// indirect workgroup counts of the per-visible-splat kernels (tile counts, emit intersections).
//
// Reads:  counters[COUNTER_VISIBLE].
// Writes: dispatch[DISPATCH_PER_VISIBLE + 0..2] = workgroups (x, y, 1), split over y when x would
//         exceed maxComputeWorkgroupsPerDimension; kernels rebuild the linear id as y·num_x + x.

#include "gaussians3d_layout"

override WORKGROUP_SIZE: u32 = 256u;
override MAX_WORKGROUPS_PER_DIMENSION: u32 = 65535u;

@group(0) @binding(0) var<storage, read> counters: array<u32>;
@group(0) @binding(1) var<storage, read_write> dispatch: array<u32>;

@compute @workgroup_size(1)
fn visible_args() {
  let workgroups = (counters[COUNTER_VISIBLE] + WORKGROUP_SIZE - 1u) / WORKGROUP_SIZE;
  var grid = vec2u(workgroups, 1u);
  if workgroups > MAX_WORKGROUPS_PER_DIMENSION {
    grid.y = (workgroups + MAX_WORKGROUPS_PER_DIMENSION - 1u) / MAX_WORKGROUPS_PER_DIMENSION;
    grid.x = (workgroups + grid.y - 1u) / grid.y;
  }
  dispatch[DISPATCH_PER_VISIBLE] = grid.x;
  dispatch[DISPATCH_PER_VISIBLE + 1u] = grid.y;
  dispatch[DISPATCH_PER_VISIBLE + 2u] = 1u;
}
