// Onesweep sort, stage 4 (only after an odd number of digit passes): CopyBack. The last digit pass
// left the sorted keys and values in the sort's temporaries; copy the first `count` of each back
// into the caller's buffers, so the sort is in place. Sized by the GPU count (indirect dispatch).
//
// Reads:  info (count), sorted_keys, sorted_values (the temporaries).
// Writes: keys[i], values[i] for i < count; nothing past the count is touched.

#include "onesweep_layout"
#include "onesweep_common"

@group(0) @binding(0) var<storage, read> info: array<u32, INFO_WORDS>;
@group(0) @binding(1) var<storage, read> sorted_keys: array<u32>;
@group(0) @binding(2) var<storage, read> sorted_values: array<u32>;
@group(0) @binding(3) var<storage, read_write> keys: array<u32>;
@group(0) @binding(4) var<storage, read_write> values: array<u32>;

const WORKGROUP_SIZE = 256u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let count = info[INFO_COUNT];
  let start = linear_workgroup_index(workgroup_id, num_workgroups) * COPY_PARTITION_SIZE;
  // Consecutive invocations touch consecutive words (coalesced).
  for (var i = 0u; i < COPY_PARTITION_SIZE / WORKGROUP_SIZE; i++) {
    let index = start + i * WORKGROUP_SIZE + local_index;
    if (index < count) {
      keys[index] = sorted_keys[index];
      values[index] = sorted_values[index];
    }
  }
}
