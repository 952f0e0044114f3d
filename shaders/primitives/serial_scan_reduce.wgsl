// Serial prefix scan stage `reduce`: one thread per block of BLOCK_SIZE elements.
//
// Reads:  input[0..control.count).
// Writes: block_sums[block] = the sum of the block's elements (u32, wrapping), for every block of
//         ceil(count / BLOCK_SIZE).
// No workgroup memory, barriers or atomics: see serialScan.ts.

#include "primitives_grid"
#include "sort_control"

override WORKGROUP_SIZE: u32 = 4u;
override BLOCK_SIZE: u32 = 1024u;

@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(1) var<storage, read_write> block_sums: array<u32>;
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
  var sum = 0u;
  for (var i = start; i < end; i++) {
    sum += input[i];
  }
  block_sums[block] = sum;
}
