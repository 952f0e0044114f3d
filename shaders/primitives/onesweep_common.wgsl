// Helpers shared by the Onesweep radix sort kernels (include "onesweep_common").
//
// The numbers these use (RADIX, PARTITION_SIZE, the INFO_* and COUNTERS_* word indices, the
// PassParams struct) come from the generated include "onesweep_layout", whose single definition
// is `onesweepLayout` in src/primitives/onesweepSort.ts.
//
// Look-back words in `pass_hist` pack a 30-bit count with a 2-bit flag: value << 2 | FLAG_*.
// FLAG_INCLUSIVE > FLAG_REDUCTION > FLAG_NOT_READY, and an inclusive prefix is never smaller than
// the same partition's own count, so `atomicMax` can insert any of them without ever replacing a
// word with a less informative one.

// ceil(n / d) without the overflow of (n + d - 1) / d for n close to 2^32.
fn div_ceil(n: u32, d: u32) -> u32 {
  return n / d + select(0u, 1u, n % d != 0u);
}

// Linear workgroup index of a 1D job spread over a 2D grid (see `grid_for_workgroups`).
fn linear_workgroup_index(workgroup_id: vec3u, num_workgroups: vec3u) -> u32 {
  return workgroup_id.y * num_workgroups.x + workgroup_id.x;
}

// Indirect dispatch arguments (x, y, z) for `workgroups` workgroups with at most `max_per_dimension`
// along x or y: the split of `workgroupGrid` in src/gpu/pass.ts, except that 0 stays 0 (an empty
// indirect dispatch is valid). x * y may exceed `workgroups` by up to y - 1; kernels skip those.
fn grid_for_workgroups(workgroups: u32, max_per_dimension: u32) -> vec3u {
  if (workgroups <= max_per_dimension) {
    return vec3u(workgroups, 1u, 1u);
  }
  let y = div_ceil(workgroups, max_per_dimension);
  return vec3u(div_ceil(workgroups, y), y, 1u);
}

// Index of (look-back slot, digit) in `pass_hist`. Each digit pass owns a segment of
// partitions + 1 slots of RADIX words (partitions of this sort, so segments are packed and no
// pipeline depends on maxCount): slot 0 holds the pass's global digit offsets (written inclusive
// by the scan kernel), slot k > 0 the digit counts of partition k - 1.
fn pass_hist_index(pass_index: u32, slot: u32, digit: u32, partitions: u32) -> u32 {
  return (pass_index * (partitions + 1u) + slot) * RADIX + digit;
}
