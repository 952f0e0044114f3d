// Onesweep sort, stage 2: Scan. One workgroup per digit pass turns that pass's global digit
// histogram into exclusive offsets and seeds the pass's look-back chain with them.
//
// Reads:  info (partitions), counters[pass * RADIX + d] (from GlobalHistogram).
// Writes: pass_hist slot 0 of the pass: (exclusive offset of digit d) << 2 | FLAG_INCLUSIVE, so the
//         look-back of partition 0 (and every walk that reaches slot 0) ends there.
//
// Steps: Kogge-Stone inclusive scan of 256 bins in workgroup memory (8 steps, one barrier each,
// double-buffered), then exclusive = inclusive - own count.

#include "onesweep_layout"
#include "onesweep_common"

@group(0) @binding(0) var<storage, read> info: array<u32, INFO_WORDS>;
@group(0) @binding(1) var<storage, read> counters: array<u32, COUNTERS_WORDS>;
@group(0) @binding(2) var<storage, read_write> pass_hist: array<u32>;

var<workgroup> wg_scan: array<u32, 2u * RADIX>;

@compute @workgroup_size(RADIX)
fn main(@builtin(workgroup_id) workgroup_id: vec3u, @builtin(local_invocation_index) digit: u32) {
  let pass_index = workgroup_id.x;
  let own = counters[COUNTERS_HISTOGRAMS + pass_index * RADIX + digit];
  var source = 0u;
  wg_scan[digit] = own;
  workgroupBarrier();
  for (var offset = 1u; offset < RADIX; offset <<= 1u) {
    var sum = wg_scan[source + digit];
    if (digit >= offset) {
      sum += wg_scan[source + digit - offset];
    }
    // Write the other half so no one reads this step's values before the barrier.
    let other_half = RADIX - source;
    wg_scan[other_half + digit] = sum;
    source = other_half;
    workgroupBarrier();
  }
  let exclusive = wg_scan[source + digit] - own;
  pass_hist[pass_hist_index(pass_index, 0u, digit, info[INFO_PARTITIONS])] = (exclusive << 2u) | FLAG_INCLUSIVE;
}
