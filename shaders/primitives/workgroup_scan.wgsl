// Workgroup-wide exclusive prefix sum of one u32 per invocation (include "workgroup_scan").
//
// The including shader declares `override WORKGROUP_SIZE: u32` (a power of two).
// Raking scan: WORKGROUP_SIZE / SEGMENT invocations each scan SEGMENT consecutive values serially,
// one invocation scans the segment totals, and everyone adds its segment's offset. Four barriers
// whatever the size, against log2(WORKGROUP_SIZE) + 2 for Kogge-Stone: barriers dominate on
// software adapters (SwiftShader), and the serial steps over a few hundred values are negligible
// on GPUs. No subgroup operations, so it runs on every WebGPU device.

const SEGMENT = 16u;

var<workgroup> wg_scan_values: array<u32, WORKGROUP_SIZE>;
// Exclusive offsets of the segments, then the workgroup total.
var<workgroup> wg_scan_segments: array<u32, WORKGROUP_SIZE / SEGMENT + 2u>;

// Returns (sum of `value` over invocations with a lower index, sum over the whole workgroup).
// Call from uniform control flow; the buffers are free for the next call when it returns.
fn workgroup_exclusive_scan(local_index: u32, value: u32) -> vec2u {
  let segment_count = max(1u, WORKGROUP_SIZE / SEGMENT);
  let segment_length = min(SEGMENT, WORKGROUP_SIZE);
  wg_scan_values[local_index] = value;
  workgroupBarrier();
  if (local_index < segment_count) {
    let first = local_index * segment_length;
    var sum = 0u;
    for (var i = 0u; i < segment_length; i++) {
      let v = wg_scan_values[first + i];
      wg_scan_values[first + i] = sum;
      sum += v;
    }
    wg_scan_segments[local_index] = sum;
  }
  workgroupBarrier();
  if (local_index == 0u) {
    var sum = 0u;
    for (var s = 0u; s < segment_count; s++) {
      let v = wg_scan_segments[s];
      wg_scan_segments[s] = sum;
      sum += v;
    }
    wg_scan_segments[segment_count] = sum;
  }
  workgroupBarrier();
  let exclusive = wg_scan_values[local_index] + wg_scan_segments[local_index / segment_length];
  let total = wg_scan_segments[segment_count];
  workgroupBarrier();
  return vec2u(exclusive, total);
}
