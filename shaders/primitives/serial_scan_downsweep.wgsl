// Serial prefix scan stage `downsweep`: one thread per block of BLOCK_SIZE elements.
//
// Reads:  input (or data, IN_PLACE), block_sums (each block's first value, from serial_scan_blocks),
//         control.count.
// Writes: output (or data) = the running sum from the block's first value: exclusive, or inclusive
//         when INCLUSIVE is 1. In place, each element is read before it is written.

#include "primitives_grid"
#include "sort_control"

override WORKGROUP_SIZE: u32 = 4u;
override BLOCK_SIZE: u32 = 1024u;
override INCLUSIVE: u32 = 0u;

#ifdef IN_PLACE
@group(0) @binding(0) var<storage, read_write> data: array<u32>;
#else
@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(3) var<storage, read_write> output: array<u32>;
#endif
@group(0) @binding(1) var<storage, read> block_sums: array<u32>;
@group(0) @binding(2) var<storage, read> control: SortControl;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(local_invocation_index) local_index: u32,
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
) {
  let count = control.count;
  let block = linear_workgroup_index(workgroup_id, num_workgroups) * WORKGROUP_SIZE + local_index;
  if (block >= div_ceil(count, BLOCK_SIZE)) {
    return;
  }
  let start = block * BLOCK_SIZE;
  let end = min(start + BLOCK_SIZE, count);
  var running = block_sums[block];
  for (var i = start; i < end; i++) {
#ifdef IN_PLACE
    let value = data[i];
#else
    let value = input[i];
#endif
    let exclusive = running;
    running += value;
#ifdef IN_PLACE
    data[i] = select(exclusive, running, INCLUSIVE == 1u);
#else
    output[i] = select(exclusive, running, INCLUSIVE == 1u);
#endif
  }
}
