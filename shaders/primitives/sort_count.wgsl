// Portable radix sort stage `count` (the up-sweep of reduce-then-scan), one digit pass.
//
// Reads:  keys, control.count / block_count, pass_params (digit = (key >> shift) & digit_mask).
// Writes: block_histograms[digit * block_count + block] = keys of the block with that digit.
//         Digit-major, so one exclusive scan of the whole array gives every (digit, block) its first
//         output slot: all keys with a smaller digit, plus keys with this digit in earlier blocks.
// Steps: clear the workgroup histograms; atomically count the block's keys (coalesced loads);
// sum the sub-histograms and write one column of block_histograms.
// Algorithm: LSD radix sort by reduce-then-scan (Merrill & Grimshaw 2011; b0nes164/GPUSorting
// DeviceRadixSort; brush-sort).

#include "primitives_grid"
#include "sort_control"

override WORKGROUP_SIZE: u32 = 64u;
override KEYS_PER_THREAD: u32 = 32u;

@group(0) @binding(0) var<storage, read> keys: array<u32>;
@group(0) @binding(1) var<storage, read_write> block_histograms: array<u32>;
@group(0) @binding(2) var<storage, read> control: SortControl;
@group(0) @binding(3) var<uniform> pass_params: PassParams;

// One histogram per 64 invocations: keys with equal digits (few distinct keys, all-equal keys)
// then contend on fewer atomics in the same word.
const INVOCATIONS_PER_HISTOGRAM = 64u;
var<workgroup> wg_histograms: array<atomic<u32>, RADIX * ((WORKGROUP_SIZE + 63u) / 64u)>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(local_invocation_index) local_index: u32,
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
) {
  let block_count = control.block_count;
  let block = linear_workgroup_index(workgroup_id, num_workgroups);
  if (block >= block_count) {
    return;
  }
  let histogram_count = (WORKGROUP_SIZE + INVOCATIONS_PER_HISTOGRAM - 1u) / INVOCATIONS_PER_HISTOGRAM;
  for (var i = local_index; i < RADIX * histogram_count; i += WORKGROUP_SIZE) {
    atomicStore(&wg_histograms[i], 0u);
  }
  workgroupBarrier();

  let count = control.count;
  let start = block * WORKGROUP_SIZE * KEYS_PER_THREAD;
  let histogram = local_index / INVOCATIONS_PER_HISTOGRAM * RADIX;
  for (var k = 0u; k < KEYS_PER_THREAD; k++) {
    let i = start + k * WORKGROUP_SIZE + local_index;
    if (i < count) {
      let digit = (keys[i] >> pass_params.shift) & pass_params.digit_mask;
      atomicAdd(&wg_histograms[histogram + digit], 1u);
    }
  }
  workgroupBarrier();

  for (var digit = local_index; digit < RADIX; digit += WORKGROUP_SIZE) {
    var sum = 0u;
    for (var h = 0u; h < histogram_count; h++) {
      sum += atomicLoad(&wg_histograms[h * RADIX + digit]);
    }
    block_histograms[digit * block_count + block] = sum;
  }
}
