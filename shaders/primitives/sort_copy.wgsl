// Portable radix sort stage `copyBack`: after an odd number of digit passes the sorted pairs are in
// the temporary buffers; this copies the first control.count of them back into the caller's
// buffers. A kernel rather than copyBufferToBuffer, because the count may only be known on the GPU
// (indirect dispatch), and so the caller's buffers need no COPY_DST usage.

#include "primitives_grid"
#include "sort_control"

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<storage, read> source_keys: array<u32>;
@group(0) @binding(1) var<storage, read> source_values: array<u32>;
@group(0) @binding(2) var<storage, read_write> keys: array<u32>;
@group(0) @binding(3) var<storage, read_write> values: array<u32>;
@group(0) @binding(4) var<storage, read> control: SortControl;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(local_invocation_index) local_index: u32,
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
) {
  let i = linear_workgroup_index(workgroup_id, num_workgroups) * WORKGROUP_SIZE + local_index;
  if (i < control.count) {
    keys[i] = source_keys[i];
    values[i] = source_values[i];
  }
}
