// Serial prefix scan stage `blocks`: one thread.
//
// Reads:  block_sums (one per block, from serial_scan_reduce), control.count.
// Writes: block_sums turned into their exclusive prefix sums in place: each block's first value.

#include "primitives_grid"
#include "sort_control"

override BLOCK_SIZE: u32 = 1024u;

@group(0) @binding(0) var<storage, read_write> block_sums: array<u32>;
@group(0) @binding(1) var<storage, read> control: SortControl;

@compute @workgroup_size(1)
fn main() {
  let blocks = div_ceil(control.count, BLOCK_SIZE);
  var sum = 0u;
  for (var block = 0u; block < blocks; block++) {
    let block_sum = block_sums[block];
    block_sums[block] = sum;
    sum += block_sum;
  }
}
