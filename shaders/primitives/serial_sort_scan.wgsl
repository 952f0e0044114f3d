// Serial radix sort stage `scan`, one digit pass: one thread per digit.
//
// Reads:  block_histograms (digit-major rows, from serial_sort_count), control.count.
// Writes: each row turned into its exclusive prefix sum in place (the block's first slot among the
//         keys with this digit), and digit_totals[digit] = the row's sum. The scatter stage adds
//         the totals of the smaller digits.

#include "primitives_grid"
#include "sort_control"

override WORKGROUP_SIZE: u32 = 4u;
override BLOCK_KEYS: u32 = 1024u;

@group(0) @binding(0) var<storage, read_write> block_histograms: array<u32>;
@group(0) @binding(1) var<storage, read_write> digit_totals: array<u32>;
@group(0) @binding(2) var<storage, read> control: SortControl;
@group(0) @binding(3) var<uniform> pass_params: PassParams;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u) {
  let digit = global_id.x;
  if (digit > pass_params.digit_mask) {
    return;
  }
  let blocks = div_ceil(control.count, BLOCK_KEYS);
  var sum = 0u;
  for (var block = 0u; block < blocks; block++) {
    let i = digit * blocks + block;
    let keys_here = block_histograms[i];
    block_histograms[i] = sum;
    sum += keys_here;
  }
  digit_totals[digit] = sum;
}
