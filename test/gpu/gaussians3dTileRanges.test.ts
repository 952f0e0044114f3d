/**
 * TileRanges (src/primitives/tileRanges.ts), the tile-range extraction every tile rasterizer shares,
 * against a CPU reference: sorted tile ids in, [start, end) per tile out, exactly. Covers a CPU and
 * a GPU-resident count, empty tiles (whose stale ranges must be cleared), a count of 0, and the
 * 2D dispatch grid (with the per-dimension limit lowered to 4 workgroups).
 */
import { describe, expect } from 'vitest';
import { gpuTest } from '../helpers/gpu';
import { GpuMemory } from '../../src/gpu/memory';
import { readBuffer } from '../../src/gpu/readback';
import { TileRanges } from '../../src/primitives/tileRanges';
import type { ElementCount } from '../../src/primitives/count';

/** [start, end) per tile of a sorted id list; [0, 0) for tiles without entries. */
function referenceRanges(sortedIds: Uint32Array, tileCount: number): Uint32Array {
  const ranges = new Uint32Array(2 * tileCount);
  for (let i = 0; i < sortedIds.length; i++) {
    const tile = sortedIds[i]!;
    if (i === 0 || sortedIds[i - 1] !== tile) ranges[2 * tile] = i;
    ranges[2 * tile + 1] = i + 1;
  }
  return ranges;
}

/** Sorted tile ids with runs of random length and gaps (empty tiles), from a fixed seed. */
function sortedTileIds(tileCount: number, entries: number, seed: number): Uint32Array {
  let state = seed;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const ids = Uint32Array.from({ length: entries }, () => Math.floor(random() * random() * tileCount));
  return ids.sort();
}

async function run(device: GPUDevice, ids: Uint32Array, tileCount: number, gpuCount: boolean, maxWorkgroupsPerDimension?: number): Promise<Uint32Array> {
  const memory = GpuMemory.of(device);
  const idBuffer = memory.createBufferWithData({ label: 'test.tileIds', usage: GPUBufferUsage.STORAGE }, ids.length ? ids : new Uint32Array(1));
  // The count sits at word 3 of its buffer, as in the 3DGS frame counters.
  const countBuffer = memory.createBufferWithData({ label: 'test.count', usage: GPUBufferUsage.STORAGE }, new Uint32Array([7, 7, 7, ids.length]));
  const count: ElementCount = gpuCount ? { buffer: countBuffer, offset: 12 } : ids.length;
  const tileRanges = new TileRanges(device, { label: 'test.tileRanges', tileCount, maxWorkgroupsPerDimension });
  // Stale ranges from an earlier frame must not survive into this one.
  device.queue.writeBuffer(tileRanges.ranges!, 0, new Uint32Array(2 * tileCount).fill(12345));
  tileRanges.setInputs(idBuffer, count);
  const encoder = device.createCommandEncoder();
  tileRanges.encode(encoder);
  device.queue.submit([encoder.finish()]);
  const ranges = new Uint32Array(await readBuffer(device, tileRanges.ranges!, 0, 8 * tileCount));
  tileRanges.destroy();
  memory.release(idBuffer);
  memory.release(countBuffer);
  return ranges;
}

function expectEqual(got: Uint32Array, want: Uint32Array): void {
  const mismatches = [...want.keys()].filter((i) => got[i] !== want[i]);
  const show = (i: number | undefined) => (i === undefined ? 'none' : `tile ${i >> 1} ${i & 1 ? 'end' : 'start'}: gpu ${got[i]} cpu ${want[i]}`);
  expect(mismatches.length, `first ${show(mismatches[0])}; last ${show(mismatches.at(-1))}`).toBe(0);
}

describe('TileRanges', () => {
  gpuTest('matches the CPU reference for CPU and GPU counts, with empty tiles and an empty list', async ({ gpu }) => {
    const cases: Array<[tiles: number, entries: number]> = [
      [1, 1],
      [48, 3000],
      [3600, 20000],
      [300, 0],
    ];
    for (const [tiles, entries] of cases) {
      const ids = sortedTileIds(tiles, entries, tiles + entries);
      const want = referenceRanges(ids, tiles);
      expectEqual(await run(gpu.device, ids, tiles, false), want);
      expectEqual(await run(gpu.device, ids, tiles, true), want);
    }
    // 20,000 entries are 79 workgroups: a 20 × 4 grid when one dimension holds only 4.
    const ids = sortedTileIds(3600, 20000, 7);
    expectEqual(await run(gpu.device, ids, 3600, true, 4), referenceRanges(ids, 3600));
  });

  gpuTest('grows for a larger tile grid and frees everything', async ({ gpu }) => {
    const memory = GpuMemory.of(gpu.device);
    const baseline = memory.totalBytes;
    const tileRanges = new TileRanges(gpu.device, { label: 'test.tileRanges', tileCount: 4 });
    tileRanges.setTileCount(1000);
    expect(tileRanges.ranges!.size).toBeGreaterThanOrEqual(8000);
    expect(() => tileRanges.setTileCount(0)).toThrow(/positive integer/);
    tileRanges.destroy();
    expect(memory.totalBytes).toBe(baseline);
  });
});
