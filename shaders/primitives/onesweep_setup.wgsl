// Onesweep sort, stage 0: Setup. One workgroup, before anything else of a sort.
//
// Reads:  count_source (the requested element count is its LAST word: the binding is cut to end
//         right after it, so a count at any 4-byte offset of a caller's buffer can be bound with a
//         256-byte aligned offset), keys and values (only their bound lengths, as a safety clamp).
// Writes: info (the clamped count, partition and workgroup counts, and the indirect dispatch
//         arguments of every later stage), counters (zeroed: the global digit histograms and the
//         per-pass partition-id bump counters).
//
// Steps:
//   1. every invocation zeroes a stride of `counters`;
//   2. invocation 0 clamps the count to MAX_COUNT and to the bound key/value lengths, and writes
//      the sizes and dispatch grids (2D when a dimension would exceed the device limit).
//
// Nothing is read back: the sort's size lives on the GPU from here on.

#include "onesweep_layout"
#include "onesweep_common"

override MAX_COUNT: u32;
override MAX_WORKGROUPS_PER_DIMENSION: u32;

@group(0) @binding(0) var<storage, read> count_source: array<u32>;
@group(0) @binding(1) var<storage, read> keys: array<u32>;
@group(0) @binding(2) var<storage, read> values: array<u32>;
@group(0) @binding(3) var<storage, read_write> info: array<u32, INFO_WORDS>;
@group(0) @binding(4) var<storage, read_write> counters: array<u32, COUNTERS_WORDS>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) local_index: u32) {
  for (var i = local_index; i < COUNTERS_WORDS; i += 256u) {
    counters[i] = 0u;
  }
  if (local_index != 0u) {
    return;
  }
  let requested = count_source[arrayLength(&count_source) - 1u];
  let count = min(min(requested, MAX_COUNT), min(arrayLength(&keys), arrayLength(&values)));
  let partitions = div_ceil(count, PARTITION_SIZE);
  let histogram_workgroups = div_ceil(count, HISTOGRAM_PARTITION_SIZE);
  info[INFO_COUNT] = count;
  info[INFO_PARTITIONS] = partitions;
  info[INFO_HISTOGRAM_WORKGROUPS] = histogram_workgroups;
  let histogram_grid = grid_for_workgroups(histogram_workgroups, MAX_WORKGROUPS_PER_DIMENSION);
  let binning_grid = grid_for_workgroups(partitions, MAX_WORKGROUPS_PER_DIMENSION);
  let copy_grid = grid_for_workgroups(div_ceil(count, COPY_PARTITION_SIZE), MAX_WORKGROUPS_PER_DIMENSION);
  for (var axis = 0u; axis < 3u; axis++) {
    info[INFO_HISTOGRAM_ARGS + axis] = histogram_grid[axis];
    info[INFO_BINNING_ARGS + axis] = binning_grid[axis];
    info[INFO_COPY_ARGS + axis] = copy_grid[axis];
  }
}
