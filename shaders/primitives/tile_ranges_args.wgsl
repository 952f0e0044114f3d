// tileRangesArgs: one thread. Indirect workgroup counts for tile_ranges from an element count that
// an earlier pass left on the GPU (so nothing is read back).
//
// Reads:  count[COUNT_INDEX] (the number of sorted entries).
// Writes: dispatch = (x, y, 1) workgroups covering the entries, split over y when x would exceed
//         maxComputeWorkgroupsPerDimension; tile_ranges rebuilds the linear id as y·num_x + x.

override WORKGROUP_SIZE: u32 = 256u;
override MAX_WORKGROUPS_PER_DIMENSION: u32 = 65535u;
// Word of `count` holding the element count (the ElementCount offset / 4).
override COUNT_INDEX: u32 = 0u;

@group(0) @binding(0) var<storage, read> count: array<u32>;
@group(0) @binding(1) var<storage, read_write> dispatch: array<u32>;

@compute @workgroup_size(1)
fn tile_ranges_args() {
  let workgroups = (count[COUNT_INDEX] + WORKGROUP_SIZE - 1u) / WORKGROUP_SIZE;
  var grid = vec2u(workgroups, 1u);
  if workgroups > MAX_WORKGROUPS_PER_DIMENSION {
    grid.y = (workgroups + MAX_WORKGROUPS_PER_DIMENSION - 1u) / MAX_WORKGROUPS_PER_DIMENSION;
    grid.x = (workgroups + grid.y - 1u) / grid.y;
  }
  dispatch[0] = grid.x;
  dispatch[1] = grid.y;
  dispatch[2] = 1u;
}
