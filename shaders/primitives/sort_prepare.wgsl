// Radix sort stage `prepare` (portable and serial back-ends), run only when the key count lives in
// a GPU buffer.
//
// Reads:  count_source, a binding whose last word is the count an earlier pass wrote.
// Writes: control (struct SortControl): the count clamped to MAX_COUNT (so a bad count can never
//         address past the buffers), the block count, the histogram scan's count, and the
//         indirect dispatch grids of the block kernels (BLOCKS_PER_WORKGROUP blocks each) and of
//         the copy-back kernel.

#include "primitives_grid"
#include "sort_control"

override MAX_COUNT: u32;
override KEYS_PER_BLOCK: u32;
override COPY_WORKGROUP_SIZE: u32;
override MAX_WORKGROUPS_PER_DIMENSION: u32;
override BLOCKS_PER_WORKGROUP: u32 = 1u;

@group(0) @binding(0) var<storage, read> count_source: array<u32>;
@group(0) @binding(1) var<storage, read_write> control: SortControl;

@compute @workgroup_size(1)
fn main() {
  let count = min(count_source[arrayLength(&count_source) - 1u], MAX_COUNT);
  let block_count = div_ceil(count, KEYS_PER_BLOCK);
  control.count = count;
  control.block_count = block_count;
  control.histogram_count = RADIX * block_count;
  control.unused = 0u;
  control.block_grid = vec4u(grid_for_workgroups(div_ceil(block_count, BLOCKS_PER_WORKGROUP), MAX_WORKGROUPS_PER_DIMENSION), 0u);
  control.copy_grid = vec4u(grid_for_workgroups(div_ceil(count, COPY_WORKGROUP_SIZE), MAX_WORKGROUPS_PER_DIMENSION), 0u);
}
