// PrefixScan stage `prepare`, run only when the element count lives in a GPU buffer.
//
// Reads:  count_source, a binding whose last word is the count an earlier pass wrote.
// Writes: control (layout `ScanControlLayout` in src/primitives/scan.ts):
//   word level * REGION_WORDS  element count of each level, read by that level's kernels;
//   word LEVELS * REGION_WORDS a zero, the block offset of the top level;
//   words ARGS_WORD + 4 * level  indirect dispatch arguments (x, y, z) of each level.
// Level 0 is the input; level l + 1 holds one sum per BLOCK_SIZE-element block of level l.
// A count above MAX_COUNT is clamped to it, so a bad count can never address past the buffers.

#include "primitives_grid"

override LEVELS: u32;
override BLOCK_SIZE: u32;
override MAX_COUNT: u32;
override REGION_WORDS: u32;
override ARGS_WORD: u32;
override MAX_WORKGROUPS_PER_DIMENSION: u32;

@group(0) @binding(0) var<storage, read> count_source: array<u32>;
@group(0) @binding(1) var<storage, read_write> control: array<u32>;

@compute @workgroup_size(1)
fn main() {
  var count = min(count_source[arrayLength(&count_source) - 1u], MAX_COUNT);
  for (var level = 0u; level < LEVELS; level++) {
    let workgroups = div_ceil(count, BLOCK_SIZE);
    let grid = grid_for_workgroups(workgroups, MAX_WORKGROUPS_PER_DIMENSION);
    control[level * REGION_WORDS] = count;
    control[ARGS_WORD + 4u * level] = grid.x;
    control[ARGS_WORD + 4u * level + 1u] = grid.y;
    control[ARGS_WORD + 4u * level + 2u] = grid.z;
    count = workgroups;
  }
  control[LEVELS * REGION_WORDS] = 0u;
}
