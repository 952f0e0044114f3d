// Serial radix sort stage `count`, one digit pass: one thread per block of BLOCK_KEYS keys.
//
// Reads:  keys[0..control.count), pass_params (digit = (key >> shift) & digit_mask).
// Writes: block_histograms[digit * blocks + block] = keys of the block with that digit, for every
//         digit ≤ digit_mask (blocks = ceil(count / BLOCK_KEYS)). Digit-major, as the portable
//         sort's count stage, so scanning each digit's row gives each block its first slot.
// The thread counts its block in order into a private histogram: no workgroup memory, barriers or
// atomics, whose cost dominates on devices that emulate them (see serialSort.ts).

#include "primitives_grid"
#include "sort_control"

override WORKGROUP_SIZE: u32 = 4u;
override BLOCK_KEYS: u32 = 1024u;

@group(0) @binding(0) var<storage, read> keys: array<u32>;
@group(0) @binding(1) var<storage, read_write> block_histograms: array<u32>;
@group(0) @binding(2) var<storage, read> control: SortControl;
@group(0) @binding(3) var<uniform> pass_params: PassParams;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(local_invocation_index) local_index: u32,
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
) {
  let count = control.count;
  let blocks = div_ceil(count, BLOCK_KEYS);
  let block = linear_workgroup_index(workgroup_id, num_workgroups) * WORKGROUP_SIZE + local_index;
  if (block >= blocks) {
    return;
  }
  // Function-scope variables start at zero.
  var histogram: array<u32, RADIX>;
  let start = block * BLOCK_KEYS;
  let end = min(start + BLOCK_KEYS, count);
  for (var i = start; i < end; i++) {
    histogram[(keys[i] >> pass_params.shift) & pass_params.digit_mask] += 1u;
  }
  for (var digit = 0u; digit <= pass_params.digit_mask; digit++) {
    block_histograms[digit * blocks + block] = histogram[digit];
  }
}
