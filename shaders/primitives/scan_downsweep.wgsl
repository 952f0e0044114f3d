// PrefixScan stage `downsweep` (the scan of reduce-then-scan), one level.
//
// Reads:  input (or data, IN_PLACE), block_offsets[b] = exclusive prefix of the blocks before b
//         (the scanned sums of the level above; a single zero for the top level), level_count.
// Writes: output (or data) = exclusive (or INCLUSIVE) prefix sums of the level, u32 wrapping;
//         nothing at or past level_count.
// Steps:
//   1. Load the block coalesced into workgroup memory (zeros past the end).
//   2. Each invocation sums its ELEMENTS_PER_THREAD consecutive elements; a workgroup scan of
//      those sums gives each invocation's offset within the block.
//   3. Each invocation rewrites its elements as running sums from block offset + its offset.
//   4. Store the block coalesced.
// IN_PLACE binds one read_write buffer, because WebGPU forbids binding the same buffer as both
// read-only and writable storage in one dispatch; each workgroup reads its block before writing it,
// so the in-place scan is safe.

#include "primitives_grid"
#include "workgroup_scan"

override WORKGROUP_SIZE: u32 = 64u;
override ELEMENTS_PER_THREAD: u32 = 32u;
override INCLUSIVE: bool = false;

#ifdef IN_PLACE
@group(0) @binding(0) var<storage, read_write> data: array<u32>;
#else
@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(1) var<storage, read_write> output: array<u32>;
#endif
@group(0) @binding(2) var<storage, read> block_offsets: array<u32>;
@group(0) @binding(3) var<storage, read> level_count: u32;

// Step 2 reads each invocation's consecutive elements: one padding word per 32 spreads them over
// all 32 banks instead of ELEMENTS_PER_THREAD-way bank conflicts.
var<workgroup> wg_tile: array<u32, WORKGROUP_SIZE * ELEMENTS_PER_THREAD * 33u / 32u>;

fn tile_index(i: u32) -> u32 {
  return i + i / 32u;
}

fn load(i: u32) -> u32 {
#ifdef IN_PLACE
  return data[i];
#else
  return input[i];
#endif
}

fn store(i: u32, value: u32) {
#ifdef IN_PLACE
  data[i] = value;
#else
  output[i] = value;
#endif
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(local_invocation_index) local_index: u32,
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
) {
  let block_size = WORKGROUP_SIZE * ELEMENTS_PER_THREAD;
  let count = level_count;
  let block = linear_workgroup_index(workgroup_id, num_workgroups);
  if (block >= div_ceil(count, block_size)) {
    return;
  }
  let start = block * block_size;

  // 1. Coalesced load.
  for (var k = 0u; k < ELEMENTS_PER_THREAD; k++) {
    let local = k * WORKGROUP_SIZE + local_index;
    var value = 0u;
    if (start + local < count) {
      value = load(start + local);
    }
    wg_tile[tile_index(local)] = value;
  }
  workgroupBarrier();

  // 2. This invocation's sum, and its offset within the block.
  let first = local_index * ELEMENTS_PER_THREAD;
  var thread_sum = 0u;
  for (var k = 0u; k < ELEMENTS_PER_THREAD; k++) {
    thread_sum += wg_tile[tile_index(first + k)];
  }
  var running = block_offsets[block] + workgroup_exclusive_scan(local_index, thread_sum).x;

  // 3. Running sums over this invocation's own elements (no other invocation touches them here).
  for (var k = 0u; k < ELEMENTS_PER_THREAD; k++) {
    let j = tile_index(first + k);
    let value = wg_tile[j];
    if (INCLUSIVE) {
      running += value;
      wg_tile[j] = running;
    } else {
      wg_tile[j] = running;
      running += value;
    }
  }
  workgroupBarrier();

  // 4. Coalesced store.
  for (var k = 0u; k < ELEMENTS_PER_THREAD; k++) {
    let local = k * WORKGROUP_SIZE + local_index;
    if (start + local < count) {
      store(start + local, wg_tile[tile_index(local)]);
    }
  }
}
