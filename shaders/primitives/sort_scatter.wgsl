// Portable radix sort stage `scatter`, one digit pass: moves every key and value of one block to
// its place in the output, stably.
//
// Reads:  keys_in, values_in; block_offsets[digit * block_count + block] = exclusive scan of the
//         count stage's histograms = the first output slot of this block's keys with that digit;
//         control.count / block_count; pass_params (digit = (key >> shift) & digit_mask).
// Writes: keys_out, values_out at those slots.
// Steps:
//   1. Load the block's digits coalesced as entries (position in block << 8 | digit) into
//      workgroup memory; each invocation takes KEYS_PER_THREAD consecutive entries.
//   2. Sort the entries of the block stably by digit in workgroup memory: two stable passes over
//      the digit's 4-bit halves (low, then high; the high pass is skipped when the digit has at
//      most 4 bits). Each pass counts its nibbles per invocation in its own column of packed u16
//      counters and scans all counters in (nibble, invocation) order, so an entry's new position
//      is (entries with a smaller nibble) + (same nibble, lower invocation) + (same nibble,
//      earlier in this invocation); it moves the entries there.
//   3. Where the digit changes in the sorted block, record global slot − local position per digit.
//   4. Write keys and values in local order (consecutive addresses for equal digits), fetching
//      each from the block's input by the entry's original position.
// Stability: every step keeps input order among equal digits; the scan orders the blocks.
// Portability: no subgroups and a fixed number of barriers (16) whatever KEYS_PER_THREAD is.
// Few invocations with many keys each keep workgroup memory per invocation low: good for
// occupancy, and on SwiftShader a workgroup costs about invocations × workgroup words (measured;
// it seems to zero-initialise workgroup memory once per 4-wide SIMD group).
// Ranking after CUB's BlockRadixRank (Merrill & Grimshaw, "High Performance and Scalable Radix
// Sorting", 2011: per-thread packed digit counters and a raking block scan); passes after
// b0nes164/GPUSorting DeviceRadixSort (reduce-then-scan).

#include "primitives_grid"
#include "workgroup_scan"
#include "sort_control"

// A power of two from 16 to 256.
override WORKGROUP_SIZE: u32 = 64u;
// At most MAX_KEYS_PER_THREAD (the size of the per-invocation array); blocks of at most 4096
// keys, so positions fit the entries' 12 bits above the digit and the counters' 16 bits.
override KEYS_PER_THREAD: u32 = 32u;

const MAX_KEYS_PER_THREAD = 32u;
// 16 nibble counters per invocation, two u16 halves per word: nibble n in word n % 8, half n / 8.
const COUNTER_WORDS = 8u;
// Entries past the end of the input get the largest digit: stable sorting keeps them after every
// real key, so they never shift a real key's position.
const PAD_DIGIT = 0xffu;

@group(0) @binding(0) var<storage, read> keys_in: array<u32>;
@group(0) @binding(1) var<storage, read> values_in: array<u32>;
@group(0) @binding(2) var<storage, read_write> keys_out: array<u32>;
@group(0) @binding(3) var<storage, read_write> values_out: array<u32>;
@group(0) @binding(4) var<storage, read> block_offsets: array<u32>;
@group(0) @binding(5) var<storage, read> control: SortControl;
@group(0) @binding(6) var<uniform> pass_params: PassParams;

// Counter word w of invocation i at counter_index(w * WORKGROUP_SIZE + i): one padding word per 32
// keeps both the counting (one column per invocation) and the raking scan (8 consecutive words
// per invocation) free of bank conflicts.
var<workgroup> wg_counters: array<u32, COUNTER_WORDS * WORKGROUP_SIZE * 33u / 32u>;
// The block's entries, (position in block << 8) | digit.
var<workgroup> wg_entries: array<u32, WORKGROUP_SIZE * KEYS_PER_THREAD>;
// Per digit present in the block: its global slot minus its local position.
var<workgroup> wg_digit_base: array<u32, RADIX>;

fn counter_index(i: u32) -> u32 {
  return i + i / 32u;
}

// One stable pass over the 4-bit nibble at `nibble_shift` of the digit: reorders the
// invocation's consecutive entries `entries` and leaves the block's entries in wg_entries.
fn sort_by_nibble(local_index: u32, entries: ptr<function, array<u32, MAX_KEYS_PER_THREAD>>, nibble_shift: u32) {
  // Count this invocation's nibbles in its own column.
  for (var w = 0u; w < COUNTER_WORDS; w++) {
    wg_counters[counter_index(w * WORKGROUP_SIZE + local_index)] = 0u;
  }
  for (var k = 0u; k < KEYS_PER_THREAD; k++) {
    let nibble = ((*entries)[k] >> nibble_shift) & 0xfu;
    let i = counter_index((nibble % 8u) * WORKGROUP_SIZE + local_index);
    wg_counters[i] += 1u << (nibble / 8u * 16u);
  }
  workgroupBarrier();

  // Exclusive scan of all counters in (word, invocation) order; invocation i rakes words
  // [8i, 8i + 8). Packed halves scan together without carries (totals stay below 2^16); the
  // high halves (nibbles 8-15) then also need every low-half nibble before them.
  var sum = 0u;
  for (var j = 0u; j < COUNTER_WORDS; j++) {
    sum += wg_counters[counter_index(local_index * COUNTER_WORDS + j)];
  }
  let scan = workgroup_exclusive_scan(local_index, sum);
  var running = scan.x + ((scan.y & 0xffffu) << 16u);
  for (var j = 0u; j < COUNTER_WORDS; j++) {
    let i = counter_index(local_index * COUNTER_WORDS + j);
    let counters = wg_counters[i];
    wg_counters[i] = running;
    running += counters;
  }
  workgroupBarrier();

  // Each entry takes the next position of its nibble from this invocation's own column (no other
  // invocation touches it now), so equal nibbles keep their order.
  for (var k = 0u; k < KEYS_PER_THREAD; k++) {
    let nibble = ((*entries)[k] >> nibble_shift) & 0xfu;
    let i = counter_index((nibble % 8u) * WORKGROUP_SIZE + local_index);
    let half = nibble / 8u * 16u;
    let counters = wg_counters[i];
    wg_counters[i] = counters + (1u << half);
    wg_entries[(counters >> half) & 0xffffu] = (*entries)[k];
  }
  workgroupBarrier();
  for (var k = 0u; k < KEYS_PER_THREAD; k++) {
    (*entries)[k] = wg_entries[local_index * KEYS_PER_THREAD + k];
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(local_invocation_index) local_index: u32,
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
) {
  let block_count = control.block_count;
  let block = linear_workgroup_index(workgroup_id, num_workgroups);
  if (block >= block_count) {
    return;
  }
  let keys_per_block = WORKGROUP_SIZE * KEYS_PER_THREAD;
  let block_start = block * keys_per_block;
  let block_length = min(control.count - block_start, keys_per_block);

  // 1. Entries, loaded coalesced, then this invocation's consecutive ones.
  for (var k = 0u; k < KEYS_PER_THREAD; k++) {
    let position = k * WORKGROUP_SIZE + local_index;
    var digit = PAD_DIGIT;
    if (position < block_length) {
      digit = (keys_in[block_start + position] >> pass_params.shift) & pass_params.digit_mask;
    }
    wg_entries[position] = (position << 8u) | digit;
  }
  workgroupBarrier();
  var entries: array<u32, MAX_KEYS_PER_THREAD>;
  for (var k = 0u; k < KEYS_PER_THREAD; k++) {
    entries[k] = wg_entries[local_index * KEYS_PER_THREAD + k];
  }

  // 2. Stable local sort by digit, low nibble first.
  sort_by_nibble(local_index, &entries, 0u);
  if (pass_params.digit_mask > 0xfu) {
    sort_by_nibble(local_index, &entries, 4u);
  }

  // 3. The first position of each digit present gives its global slot minus local position.
  for (var k = 0u; k < KEYS_PER_THREAD; k++) {
    let position = k * WORKGROUP_SIZE + local_index;
    if (position < block_length) {
      let digit = wg_entries[position] & 0xffu;
      if (position == 0u || (wg_entries[position - 1u] & 0xffu) != digit) {
        wg_digit_base[digit] = block_offsets[digit * block_count + block] - position;
      }
    }
  }
  workgroupBarrier();

  // 4. Keys and values in local order; u32 wrap-around in the base cancels in the sum.
  for (var k = 0u; k < KEYS_PER_THREAD; k++) {
    let position = k * WORKGROUP_SIZE + local_index;
    if (position < block_length) {
      let entry = wg_entries[position];
      let source = block_start + (entry >> 8u);
      let destination = wg_digit_base[entry & 0xffu] + position;
      keys_out[destination] = keys_in[source];
      values_out[destination] = values_in[source];
    }
  }
}
