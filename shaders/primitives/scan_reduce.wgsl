// PrefixScan stage `reduce` (the up-sweep of reduce-then-scan), one level.
//
// Reads:  input (this level's elements), level_count.
// Writes: block_sums[b] = sum of elements [b * BLOCK, (b + 1) * BLOCK) of the level, u32 wrapping.
// Steps: each invocation sums ELEMENTS_PER_THREAD elements at stride WORKGROUP_SIZE (coalesced
// loads), then a workgroup scan gives the block total. Workgroups past the last block (the 2D grid
// may round up) return at once.
// Algorithm: reduce-then-scan (Merrill & Garland, "Single-pass Parallel Prefix Scan with Decoupled
// Look-back", NVIDIA TR 2016, section 3), as in b0nes164/GPUPrefixSums and brush-prefix-sum.

#include "primitives_grid"
#include "workgroup_scan"

override WORKGROUP_SIZE: u32 = 64u;
override ELEMENTS_PER_THREAD: u32 = 32u;

@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(1) var<storage, read_write> block_sums: array<u32>;
@group(0) @binding(2) var<storage, read> level_count: u32;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(local_invocation_index) local_index: u32,
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
) {
  let block_size = WORKGROUP_SIZE * ELEMENTS_PER_THREAD;
  let count = level_count;
  let block = linear_workgroup_index(workgroup_id, num_workgroups);
  if (block >= div_ceil(count, block_size)) {
    return;
  }
  let start = block * block_size;
  var sum = 0u;
  for (var k = 0u; k < ELEMENTS_PER_THREAD; k++) {
    let i = start + k * WORKGROUP_SIZE + local_index;
    if (i < count) {
      sum += input[i];
    }
  }
  let total = workgroup_exclusive_scan(local_index, sum).y;
  if (local_index == 0u) {
    block_sums[block] = total;
  }
}
