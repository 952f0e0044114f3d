// Onesweep sort, stage 1: GlobalHistogram. One read of the keys counts the digits of every digit
// pass at once, and clears the look-back slots the digit-binning passes will fill.
//
// Reads:  params (entry of pass 0: pass_count and the last pass's digit mask), info (count,
//         partitions, workgroups), keys.
// Writes: counters[p * RADIX + d] += number of keys whose digit of pass p is d (all passes
//         p < pass_count); pass_hist slots 1..partitions of every pass set to FLAG_NOT_READY (0).
//
// Steps (HISTOGRAM_PARTITION_SIZE keys per workgroup):
//   1. grid-stride zeroing of this sort's look-back slots (their count is only known on the GPU);
//   2. each invocation counts its keys into workgroup histograms with workgroup atomics;
//   3. the nonzero bins are added to the global histograms.
//
// Source: the GlobalHistogram kernel of Onesweep (Adinets & Merrill 2022, arXiv 2206.01784) as
// structured in b0nes164/GPUSorting.

#include "onesweep_layout"
#include "onesweep_common"

@group(0) @binding(0) var<uniform> params: PassParams;
@group(0) @binding(1) var<storage, read> info: array<u32, INFO_WORDS>;
@group(0) @binding(2) var<storage, read> keys: array<u32>;
@group(0) @binding(3) var<storage, read_write> counters: array<atomic<u32>, COUNTERS_WORDS>;
@group(0) @binding(4) var<storage, read_write> pass_hist: array<u32>;

// 64 invocations: on SwiftShader, zero-initialising wg_histograms costs per subgroup, and 4-wide
// subgroups would make 256 invocations four times as expensive; real GPUs do not mind.
const WORKGROUP_SIZE = 64u;

var<workgroup> wg_histograms: array<atomic<u32>, MAX_DIGIT_PASSES * RADIX>;

// The digit of `key` in pass `pass_index`; only the last pass is masked to the requested bits.
fn digit_of_pass(key: u32, pass_index: u32) -> u32 {
  let mask = select(RADIX - 1u, params.last_digit_mask, pass_index + 1u == params.pass_count);
  return (key >> (pass_index * DIGIT_BITS)) & mask;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let workgroup = linear_workgroup_index(workgroup_id, num_workgroups);
  let workgroups = info[INFO_HISTOGRAM_WORKGROUPS];
  // Uniform: the grid's spare workgroups (2D split) leave together.
  if (workgroup >= workgroups) {
    return;
  }

  // 1. Slots 1..partitions of each pass segment; slot 0 is the scan kernel's.
  let partitions = info[INFO_PARTITIONS];
  let slot_words = partitions * RADIX;
  for (var pass_index = 0u; pass_index < params.pass_count; pass_index++) {
    let first = pass_hist_index(pass_index, 1u, 0u, partitions);
    for (var i = workgroup * WORKGROUP_SIZE + local_index; i < slot_words; i += workgroups * WORKGROUP_SIZE) {
      pass_hist[first + i] = FLAG_NOT_READY;
    }
  }

  // 2. Workgroup memory starts zeroed (WGSL zero-initialises workgroup variables).
  let count = info[INFO_COUNT];
  let start = workgroup * HISTOGRAM_PARTITION_SIZE;
  let end = min(start + HISTOGRAM_PARTITION_SIZE, count);
  for (var i = start + local_index; i < end; i += WORKGROUP_SIZE) {
    let key = keys[i];
    for (var pass_index = 0u; pass_index < params.pass_count; pass_index++) {
      atomicAdd(&wg_histograms[pass_index * RADIX + digit_of_pass(key, pass_index)], 1u);
    }
  }
  workgroupBarrier();

  // 3. One global atomic per nonzero bin: few when keys are clustered, as depth and tile keys are.
  for (var bin = local_index; bin < params.pass_count * RADIX; bin += WORKGROUP_SIZE) {
    let n = atomicLoad(&wg_histograms[bin]);
    if (n != 0u) {
      atomicAdd(&counters[COUNTERS_HISTOGRAMS + bin], n);
    }
  }
}
