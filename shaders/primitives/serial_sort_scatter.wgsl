// Serial radix sort stage `scatter`, one digit pass: one thread per block of BLOCK_KEYS keys.
//
// Reads:  keys_in, values_in; block_histograms (each row scanned by serial_sort_scan: the block's
//         first slot among the keys with that digit), digit_totals, control.count, pass_params.
// Writes: keys_out, values_out: every key and value of the block at its place in the output.
// Steps: the block's next slot per digit = (keys with a smaller digit: the sum of their totals)
// + the scanned row entry; then the block's keys in input order, each to the next slot of its
// digit. Taking the keys in order within the block and the blocks in order within each row makes
// the pass stable.

#include "primitives_grid"
#include "sort_control"

override WORKGROUP_SIZE: u32 = 4u;
override BLOCK_KEYS: u32 = 1024u;

@group(0) @binding(0) var<storage, read> keys_in: array<u32>;
@group(0) @binding(1) var<storage, read> values_in: array<u32>;
@group(0) @binding(2) var<storage, read_write> keys_out: array<u32>;
@group(0) @binding(3) var<storage, read_write> values_out: array<u32>;
@group(0) @binding(4) var<storage, read> block_histograms: array<u32>;
@group(0) @binding(5) var<storage, read> digit_totals: array<u32>;
@group(0) @binding(6) var<storage, read> control: SortControl;
@group(0) @binding(7) var<uniform> pass_params: PassParams;

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
  var next_slot: array<u32, RADIX>;
  var smaller_digits = 0u;
  for (var digit = 0u; digit <= pass_params.digit_mask; digit++) {
    next_slot[digit] = smaller_digits + block_histograms[digit * blocks + block];
    smaller_digits += digit_totals[digit];
  }
  let start = block * BLOCK_KEYS;
  let end = min(start + BLOCK_KEYS, count);
  for (var i = start; i < end; i++) {
    let key = keys_in[i];
    let digit = (key >> pass_params.shift) & pass_params.digit_mask;
    let slot = next_slot[digit];
    next_slot[digit] = slot + 1u;
    keys_out[slot] = key;
    values_out[slot] = values_in[i];
  }
}
