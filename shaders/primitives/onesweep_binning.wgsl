// Onesweep sort, stage 3: DigitBinning, one dispatch per 8-bit digit pass. Each workgroup sorts
// one partition of PARTITION_SIZE keys by the pass's digit, finds where each digit's run of this
// partition goes globally with a decoupled look-back, and scatters keys and values there.
//
// Reads:  params (shift, digit mask and width, pass index), info (count, partitions), src_keys,
//         src_values, counters (bump counter of this pass), pass_hist (look-back slots of this
//         pass; slot 0 = global digit offsets from the scan kernel).
// Writes: dst_keys, dst_values (stable by digit), pass_hist slot partition + 1 (first this
//         partition's digit counts, FLAG_REDUCTION, then the inclusive prefix, FLAG_INCLUSIVE).
//
// Steps:
//   1. Subgroups register in workgroup memory: a subgroup's registration order fixes which block of
//      the partition it loads, so nothing depends on how invocation indices map to subgroups (WGSL
//      does not define that) nor on the subgroup size. The partition id comes from an atomic bump
//      counter, not the workgroup id: partitions are then taken in the order workgroups start, so a
//      workgroup only ever looks back at partitions whose workgroups have already started.
//   2. Each invocation loads KEYS_PER_THREAD keys of its subgroup's contiguous block; keys past the
//      count become 0xffffffff padding, whose digit is the largest of the pass.
//   3. Stable rank in the partition (warp-level multisplit): per key, one ballot per digit bit
//      finds the lanes holding the same digit; the highest of them adds their number to the
//      subgroup's private digit histogram (a "slot") and shuffles the old value to its peers. Up to
//      SLOT_COUNT subgroups rank at once; more subgroups (small subgroup sizes) go in waves.
//      Between waves each invocation scans its digits over the slots, in registration order,
//      continuing from the previous wave, which turns each subgroup's histogram into its offsets.
//   4. Each invocation owns DIGITS_PER_INVOCATION consecutive digits: it publishes the partition's
//      counts of them as FLAG_REDUCTION, and a workgroup scan gives each digit's first local index.
//   5. Keys go to workgroup memory in partition-sorted order.
//   6. Decoupled look-back with fallback (Merrill & Garland 2016; Smith, Levien & Owens,
//      "Decoupled Fallback"): for each of its digits an invocation walks back over the
//      predecessors' words, adding FLAG_REDUCTION counts, until a FLAG_INCLUSIVE prefix. A walk
//      that sees a NOT_READY word for MAX_SPIN polls stops; the workgroup then recomputes the digit
//      histogram of the latest stalled predecessor from its keys and inserts it with atomicMax
//      (never replacing a published word). No workgroup waits on another being scheduled, which
//      WebGPU does not promise. FORCE_FALLBACK (tests only) sends every step through recomputation.
//   7. The inclusive prefixes are published for the successors.
//   8. Keys, then values (loaded into workgroup memory at the same local index), are written from
//      workgroup memory to their global position; consecutive invocations write consecutive
//      addresses within a digit run.
//
// Shape: 256 invocations × 15 keys, one digit each, by default. SMALL_WORKGROUP (chosen when
// subgroups are at most 8 wide, e.g. SwiftShader's 4) uses 64 invocations × 60 keys and 4 digits
// each: the same partition with a quarter of the subgroups, so ranking needs one wave instead of
// four and per-subgroup costs (zero-initialising workgroup memory on SwiftShader) shrink.
//
// Source: Adinets & Merrill, "Onesweep" (arXiv 2206.01784); structure of b0nes164/GPUSorting's
// DigitBinningPass; fallback after b0nes164/GPUPrefixSums csdldf.

enable subgroups;
// Subgroup operations in step 3 run under `sg_wave == wave`, which is uniform within each subgroup
// (all lanes of a subgroup share its registration) but not across the workgroup.
diagnostic(off, subgroup_uniformity);

#include "onesweep_layout"
#include "onesweep_common"

// Polls of a NOT_READY look-back word before falling back to recomputing the predecessor (0 acts
// as 1). Real GPUs that do schedule the predecessor publish within a few polls.
override MAX_SPIN: u32 = 64u;
// Tests only: treat every look-back word past slot 0 as stalled.
override FORCE_FALLBACK: bool = false;

@group(0) @binding(0) var<uniform> params: PassParams;
@group(0) @binding(1) var<storage, read> info: array<u32, INFO_WORDS>;
@group(0) @binding(2) var<storage, read> src_keys: array<u32>;
@group(0) @binding(3) var<storage, read> src_values: array<u32>;
@group(0) @binding(4) var<storage, read_write> dst_keys: array<u32>;
@group(0) @binding(5) var<storage, read_write> dst_values: array<u32>;
@group(0) @binding(6) var<storage, read_write> pass_hist: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> counters: array<atomic<u32>, COUNTERS_WORDS>;

#ifdef SMALL_WORKGROUP
const WORKGROUP_SIZE = 64u;
#else
const WORKGROUP_SIZE = 256u;
#endif
const KEYS_PER_THREAD = PARTITION_SIZE / WORKGROUP_SIZE;
const DIGITS_PER_INVOCATION = RADIX / WORKGROUP_SIZE;
const SCRATCH_WORDS = max(SLOT_COUNT * RADIX, PARTITION_SIZE);
// WGSL subgroups have at least 4 invocations.
const MAX_SUBGROUPS = WORKGROUP_SIZE / 4u;
const MAX_WAVES = (MAX_SUBGROUPS + SLOT_COUNT - 1u) / SLOT_COUNT;
const PAD_KEY = 0xffffffffu;

// Step 3: SLOT_COUNT per-subgroup digit histograms; steps 5 and 8: the partition's keys, then values.
var<workgroup> scratch: array<atomic<u32>, SCRATCH_WORDS>;
// (subgroups registered << 16) | invocations registered; starts at zero like all workgroup memory.
var<workgroup> wg_registration: atomic<u32>;
// (partition id, registered subgroups), made uniform by workgroupUniformLoad.
var<workgroup> wg_partition: vec2u;
var<workgroup> wg_subgroup_sums: array<u32, MAX_SUBGROUPS>;
// Per digit: its first local index (steps 4-5), then the global index of local index 0 of its run,
// global prefix - local offset mod 2^32 (steps 7-8).
var<workgroup> wg_digit_offset: array<u32, RADIX>;
var<workgroup> wg_fallback_counts: array<atomic<u32>, RADIX>;
var<workgroup> wg_stall_vote: atomic<u32>;
var<workgroup> wg_stall_slot: u32;

// Lane masks of a subgroup ballot. Up to 32 lanes one word is enough; WIDE_SUBGROUPS (chosen when
// the device may use subgroups of 64 or 128) keeps all four.
#ifdef WIDE_SUBGROUPS
alias LaneMask = vec4u;

fn ballot(predicate: bool) -> LaneMask {
  return subgroupBallot(predicate);
}

fn lanes_below(lane: u32) -> LaneMask {
  let word = vec4u(0u, 1u, 2u, 3u);
  let full = select(vec4u(0u), vec4u(0xffffffffu), word < vec4u(lane >> 5u));
  let partial = select(vec4u(0u), vec4u((1u << (lane & 31u)) - 1u), word == vec4u(lane >> 5u));
  return full | partial;
}

fn count_lanes(mask: LaneMask) -> u32 {
  let counts = countOneBits(mask);
  return counts.x + counts.y + counts.z + counts.w;
}

fn highest_lane(mask: LaneMask) -> u32 {
  if (mask.w != 0u) {
    return 96u + firstLeadingBit(mask.w);
  }
  if (mask.z != 0u) {
    return 64u + firstLeadingBit(mask.z);
  }
  if (mask.y != 0u) {
    return 32u + firstLeadingBit(mask.y);
  }
  return firstLeadingBit(mask.x);
}
#else
alias LaneMask = u32;

fn ballot(predicate: bool) -> LaneMask {
  return subgroupBallot(predicate).x;
}

fn lanes_below(lane: u32) -> LaneMask {
  return (1u << lane) - 1u;
}

fn count_lanes(mask: LaneMask) -> u32 {
  return countOneBits(mask);
}

fn highest_lane(mask: LaneMask) -> u32 {
  return firstLeadingBit(mask);
}
#endif

fn digit_of(key: u32) -> u32 {
  return (key >> params.shift) & params.digit_mask;
}

// The active lanes whose `digit` equals this lane's: one ballot per significant digit bit.
fn match_digit(digit: u32) -> LaneMask {
  var peers = ballot(true);
  for (var bit = 0u; bit < params.digit_bits; bit++) {
    let bit_set = ((digit >> bit) & 1u) != 0u;
    let vote = ballot(bit_set);
    peers &= select(~vote, vote, bit_set);
  }
  return peers;
}

// A look-back walk of one digit: the next slot to read, the counts added so far, and whether an
// inclusive word ended it.
struct Walk {
  slot: u32,
  prefix: u32,
  found: bool,
}

// Continues `walk` towards slot 0. Stops at an inclusive word, or at a word that stayed NOT_READY
// for MAX_SPIN polls, which it votes for (slot 0 is always inclusive, so a stalled slot is >= 1).
fn walk_back(digit: u32, partitions: u32, start: Walk) -> Walk {
  var walk = start;
  var spins = 0u;
  loop {
    if (FORCE_FALLBACK && walk.slot != 0u) {
      break;
    }
    let word = atomicLoad(&pass_hist[pass_hist_index(params.pass_index, walk.slot, digit, partitions)]);
    let flag = word & FLAG_MASK;
    if (flag == FLAG_INCLUSIVE) {
      walk.prefix += word >> 2u;
      walk.found = true;
      return walk;
    }
    if (flag == FLAG_REDUCTION) {
      walk.prefix += word >> 2u;
      walk.slot -= 1u;
      spins = 0u;
      continue;
    }
    spins += 1u;
    if (spins >= MAX_SPIN) {
      break;
    }
  }
  atomicMax(&wg_stall_vote, walk.slot);
  return walk;
}

// The latest look-back slot any walk of the workgroup stalled at (0: none), uniform, and the vote
// reset for the next round.
fn close_stall_vote(local_index: u32) -> u32 {
  workgroupBarrier();
  if (local_index == 0u) {
    wg_stall_slot = atomicExchange(&wg_stall_vote, 0u);
  }
  return workgroupUniformLoad(&wg_stall_slot);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(local_invocation_index) local_index: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  // 1. Register the subgroup: its order among subgroups and its first invocation slot.
  let lane_rank = subgroupExclusiveAdd(1u);
  let lane_count = subgroupAdd(1u);
  var registration = 0u;
  if (subgroupElect()) {
    registration = atomicAdd(&wg_registration, (1u << 16u) | lane_count);
  }
  registration = subgroupBroadcastFirst(registration);
  let subgroup_index = registration >> 16u;
  // The invocation's place in registration order: it owns digits vid * DIGITS_PER_INVOCATION + j
  // and word vid of every WORKGROUP_SIZE-wide stride below.
  let vid = (registration & 0xffffu) + lane_rank;
  let first_digit = vid * DIGITS_PER_INVOCATION;
  workgroupBarrier();
  if (local_index == 0u) {
    let partition_id = atomicAdd(&counters[COUNTERS_BUMP + params.pass_index], 1u);
    wg_partition = vec2u(partition_id, atomicLoad(&wg_registration) >> 16u);
  }
  let uniform_partition = workgroupUniformLoad(&wg_partition);
  let partition_id = uniform_partition.x;
  let subgroups = uniform_partition.y;
  let partitions = info[INFO_PARTITIONS];
  if (partition_id >= partitions) {
    return;
  }

  // 2. This subgroup's block: KEYS_PER_THREAD rows of lane_count keys, lanes adjacent in memory.
  let partition_start = partition_id * PARTITION_SIZE;
  let valid = min(info[INFO_COUNT] - partition_start, PARTITION_SIZE);
  let block_start = (registration & 0xffffu) * KEYS_PER_THREAD;
  var keys: array<u32, KEYS_PER_THREAD>;
  for (var i = 0u; i < KEYS_PER_THREAD; i++) {
    let local = block_start + i * lane_count + lane_rank;
    keys[i] = PAD_KEY;
    if (local < valid) {
      keys[i] = src_keys[partition_start + local];
    }
  }

  // 3. Rank: ranks[i] = number of keys of the partition before key i with the same digit.
  var ranks: array<u32, KEYS_PER_THREAD>;
  let below = lanes_below(lane);
  let sg_wave = subgroup_index / SLOT_COUNT;
  let slot_base = (subgroup_index % SLOT_COUNT) * RADIX;
  // Keys of each owned digit ranked so far; after the waves, the partition's count of the digit.
  var digit_counts: array<u32, DIGITS_PER_INVOCATION>;
  let waves = div_ceil(subgroups, SLOT_COUNT);
  // A constant trip count (1 for SMALL_WORKGROUP): SwiftShader runs barriers inside loops of
  // unknown length several times slower.
  for (var wave = 0u; wave < MAX_WAVES; wave++) {
    if (wave >= waves) {
      break;
    }
    if (wave > 0u) {
      // The slots still hold the previous wave's offsets.
      workgroupBarrier();
      for (var i = local_index; i < SLOT_COUNT * RADIX; i += WORKGROUP_SIZE) {
        atomicStore(&scratch[i], 0u);
      }
      workgroupBarrier();
    }
    if (sg_wave == wave) {
      for (var i = 0u; i < KEYS_PER_THREAD; i++) {
        let digit = digit_of(keys[i]);
        let peers = match_digit(digit);
        let top = highest_lane(peers);
        var earlier = 0u;
        if (lane == top) {
          earlier = atomicAdd(&scratch[slot_base + digit], count_lanes(peers));
        }
        ranks[i] = subgroupShuffle(earlier, top) + count_lanes(peers & below);
      }
    }
    workgroupBarrier();
    let slots_in_wave = min(SLOT_COUNT, subgroups - wave * SLOT_COUNT);
    for (var j = 0u; j < DIGITS_PER_INVOCATION; j++) {
      for (var slot = 0u; slot < slots_in_wave; slot++) {
        let word = slot * RADIX + first_digit + j;
        let n = atomicLoad(&scratch[word]);
        atomicStore(&scratch[word], digit_counts[j]);
        digit_counts[j] += n;
      }
    }
    workgroupBarrier();
    if (sg_wave == wave) {
      for (var i = 0u; i < KEYS_PER_THREAD; i++) {
        ranks[i] += atomicLoad(&scratch[slot_base + digit_of(keys[i])]);
      }
    }
  }

  // 4. Padding keys rank last among the largest digit; leaving them out of its count puts them at
  //    local indices >= valid. Then publish, and scan the counts over all digits.
  var owned_total = 0u;
  for (var j = 0u; j < DIGITS_PER_INVOCATION; j++) {
    if (first_digit + j == params.digit_mask) {
      digit_counts[j] -= PARTITION_SIZE - valid;
    }
    atomicMax(
      &pass_hist[pass_hist_index(params.pass_index, partition_id + 1u, first_digit + j, partitions)],
      (digit_counts[j] << 2u) | FLAG_REDUCTION,
    );
    owned_total += digit_counts[j];
  }
  let subgroup_offset = subgroupExclusiveAdd(owned_total);
  let subgroup_sum = subgroupAdd(owned_total);
  if (lane_rank == 0u) {
    wg_subgroup_sums[subgroup_index] = subgroup_sum;
  }
  workgroupBarrier();
  var local_offsets: array<u32, DIGITS_PER_INVOCATION>;
  var running = subgroup_offset;
  for (var s = 0u; s < subgroup_index; s++) {
    running += wg_subgroup_sums[s];
  }
  for (var j = 0u; j < DIGITS_PER_INVOCATION; j++) {
    local_offsets[j] = running;
    wg_digit_offset[first_digit + j] = running;
    running += digit_counts[j];
  }
  workgroupBarrier();

  // 5. ranks[] become local indices; the keys move to them (the slots are dead since step 4).
  for (var i = 0u; i < KEYS_PER_THREAD; i++) {
    ranks[i] += wg_digit_offset[digit_of(keys[i])];
    atomicStore(&scratch[ranks[i]], keys[i]);
  }

  // 6. Look-back for each owned digit: slot k of this pass holds partition k - 1's word. The first
  //    round is outside the loop: usually no walk stalls and the loop body never runs.
  var walks: array<Walk, DIGITS_PER_INVOCATION>;
  for (var j = 0u; j < DIGITS_PER_INVOCATION; j++) {
    walks[j] = walk_back(first_digit + j, partitions, Walk(partition_id, 0u, false));
  }
  var stall = close_stall_vote(local_index);
  while (stall != 0u) {
    // Fallback: count the digits of partition stall - 1 (a full partition: it precedes this one).
    for (var j = 0u; j < DIGITS_PER_INVOCATION; j++) {
      atomicStore(&wg_fallback_counts[first_digit + j], 0u);
    }
    workgroupBarrier();
    let stalled_start = (stall - 1u) * PARTITION_SIZE;
    for (var i = 0u; i < KEYS_PER_THREAD; i++) {
      atomicAdd(&wg_fallback_counts[digit_of(src_keys[stalled_start + i * WORKGROUP_SIZE + vid])], 1u);
    }
    workgroupBarrier();
    for (var j = 0u; j < DIGITS_PER_INVOCATION; j++) {
      var walk = walks[j];
      if (walk.found) {
        continue;
      }
      let digit = first_digit + j;
      if (walk.slot == stall) {
        let computed = (atomicLoad(&wg_fallback_counts[digit]) << 2u) | FLAG_REDUCTION;
        let previous = atomicMax(&pass_hist[pass_hist_index(params.pass_index, stall, digit, partitions)], computed);
        // The owner may have published meanwhile: an inclusive word ends the walk here.
        let word = max(previous, computed);
        walk.prefix += word >> 2u;
        walk.found = (word & FLAG_MASK) == FLAG_INCLUSIVE;
        walk.slot -= 1u;
      }
      if (!walk.found) {
        walk = walk_back(digit, partitions, walk);
      }
      walks[j] = walk;
    }
    stall = close_stall_vote(local_index);
  }

  // 7. Successors can stop here for these digits.
  for (var j = 0u; j < DIGITS_PER_INVOCATION; j++) {
    let digit = first_digit + j;
    atomicMax(
      &pass_hist[pass_hist_index(params.pass_index, partition_id + 1u, digit, partitions)],
      ((walks[j].prefix + digit_counts[j]) << 2u) | FLAG_INCLUSIVE,
    );
    wg_digit_offset[digit] = walks[j].prefix - local_offsets[j];
  }
  workgroupBarrier();

  // 8. Keys out; keys[] is reused for each word's destination, which the values reuse.
  for (var i = 0u; i < KEYS_PER_THREAD; i++) {
    let local = i * WORKGROUP_SIZE + vid;
    if (local < valid) {
      let key = atomicLoad(&scratch[local]);
      keys[i] = wg_digit_offset[digit_of(key)] + local;
      dst_keys[keys[i]] = key;
    }
  }
  workgroupBarrier();
  for (var i = 0u; i < KEYS_PER_THREAD; i++) {
    let local = block_start + i * lane_count + lane_rank;
    if (local < valid) {
      atomicStore(&scratch[ranks[i]], src_values[partition_start + local]);
    }
  }
  workgroupBarrier();
  for (var i = 0u; i < KEYS_PER_THREAD; i++) {
    let local = i * WORKGROUP_SIZE + vid;
    if (local < valid) {
      dst_values[keys[i]] = atomicLoad(&scratch[local]);
    }
  }
}
