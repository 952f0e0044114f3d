/**
 * Tile binning of 2D Gaussians, the stages between `project` and the rasterizers:
 *
 *   scanTileCounts → emitIntersections → tileSort → tileRanges
 *
 * The same scheme as the 3DGS renderer (count tiles per splat → scan → emit (tile id, value) →
 * stable tile sort → tile ranges) on the shared primitives (PrefixScan, RadixSort, TileRanges),
 * minus the depth sort: GaussianImage's depth is 0 for every Gaussian, and the sum it renders does
 * not depend on the order, so the list is emitted in Gaussian-id order and the stable tile sort
 * keeps that order inside each tile.
 *
 * The intersection count stays on the GPU: the sort and the tile ranges read it from `counters`.
 * The capacity is set by the owner (from a CPU estimate or read-back counters); entries past it are
 * dropped on the GPU and flagged, never written out of bounds.
 */
import { GpuMemory } from '../../../gpu/memory';
import { beginComputePass, bufferEntries, createComputePipeline, workgroupGrid } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import { RadixSort } from '../../../primitives/radixSort';
import { PrefixScan } from '../../../primitives/scan';
import { TileRanges } from '../../../primitives/tileRanges';
import type { ImageFrame } from '../frame';
import { Counter } from '../layout';
import type { ProjectPass } from './projectPass';
import emitSource from '../../../../shaders/gaussianImage/emit_intersections.wgsl?raw';

const WORKGROUP_SIZE = 256;

export const TILE_BINNING_PASS_NAMES = ['scanTileCounts', 'emitIntersections', 'tileSort', 'tileRanges'] as const;

export class TileBinning {
  /** Sort keys: tile id per intersection, ascending after `tileSort`. */
  tileIdFromIsect: GPUBuffer | null = null;
  /** Sort values: the Gaussian id of each entry. */
  gaussianFromIsect: GPUBuffer | null = null;
  capacity = 0;

  private readonly memory: GpuMemory;
  private scanTileCounts: PrefixScan | null;
  private readonly emitPipeline: GPUComputePipeline;
  private emitBindGroup: GPUBindGroup | null = null;
  private tileSort: RadixSort | null = null;
  private tileRanges: TileRanges | null;
  private readonly sortBits: number;

  constructor(
    private readonly device: GPUDevice,
    private readonly frame: ImageFrame,
    private readonly project: ProjectPass,
    maxGaussians: number,
    capacity: number,
  ) {
    this.memory = GpuMemory.of(device);
    this.scanTileCounts = new PrefixScan(device, { label: 'scanTileCounts', maxCount: maxGaussians, inclusive: true });
    this.emitPipeline = createComputePipeline(device, { label: 'GaussianImageBinning.emitPipeline', code: emitSource, constants: { WORKGROUP_SIZE } });
    this.tileRanges = new TileRanges(device, { label: 'GaussianImageBinning.tileRanges', tileCount: frame.tileCount });
    // Tile ids are below tileCount, so only their bit length is sorted on (2 digit passes up to 65536 tiles).
    this.sortBits = Math.max(1, 32 - Math.clz32(frame.tileCount - 1));
    this.setCapacity(capacity);
  }

  /** [start, end) of each tile's entries in the sorted lists. */
  get ranges(): GPUBuffer {
    return this.tileRanges!.ranges!;
  }

  /** Reallocates the intersection lists for `capacity` entries (their contents are per frame). */
  setCapacity(capacity: number): void {
    const bytes = Math.max(1, capacity) * 4;
    if (bytes > this.device.limits.maxStorageBufferBindingSize) {
      throw new Error(
        `GaussianImage needs ${capacity} tile intersections, more than this GPU binds in one buffer ` +
          `(maxStorageBufferBindingSize ${this.device.limits.maxStorageBufferBindingSize} B). Use fewer or smaller Gaussians.`,
      );
    }
    for (const buffer of [this.tileIdFromIsect, this.gaussianFromIsect]) this.memory.release(buffer);
    const list = (field: string) =>
      this.memory.createBuffer({ label: `GaussianImageBinning.${field}`, size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    this.tileIdFromIsect = list('tileIdFromIsect');
    this.gaussianFromIsect = list('gaussianFromIsect');
    this.capacity = capacity;

    const sortedCount = { buffer: this.frame.counters!, offset: Counter.sortedIntersections * 4 };
    this.tileSort?.destroy();
    this.tileSort = new RadixSort(this.device, { label: 'tileSort', maxCount: Math.max(1, capacity) });
    this.tileSort.setInputs(this.tileIdFromIsect, this.gaussianFromIsect, sortedCount);
    this.tileRanges!.setInputs(this.tileIdFromIsect, sortedCount);
    this.emitBindGroup = this.device.createBindGroup({
      label: 'GaussianImageBinning.emitBindGroup',
      layout: this.emitPipeline.getBindGroupLayout(0),
      entries: bufferEntries(
        this.frame.uniforms!, // uniforms
        this.project.tileRects!, // tile_rects
        this.project.tileOffsets!, // tile_offsets
        this.tileIdFromIsect, // tile_id_from_isect
        this.gaussianFromIsect, // gaussian_from_isect
        this.frame.counters!, // counters
      ),
    });
  }

  /** Applies the frame's Gaussian count to the scan (call when it changes). */
  setGaussianCount(count: number): void {
    this.scanTileCounts!.setInputs(this.project.tileOffsets!, this.project.tileOffsets!, count);
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    this.scanTileCounts!.encode(encoder, timer);

    const [x, y] = workgroupGrid(Math.ceil(this.frame.gaussianCount / WORKGROUP_SIZE), this.device.limits.maxComputeWorkgroupsPerDimension);
    const pass = beginComputePass(encoder, 'emitIntersections', timer);
    pass.setPipeline(this.emitPipeline);
    pass.setBindGroup(0, this.emitBindGroup!);
    pass.dispatchWorkgroups(x, y);
    pass.end();

    this.tileSort!.encode(encoder, this.sortBits, timer);
    this.tileRanges!.encode(encoder, timer);
  }

  destroy(): void {
    this.scanTileCounts?.destroy();
    this.tileSort?.destroy();
    this.tileRanges?.destroy();
    this.scanTileCounts = this.tileSort = this.tileRanges = null;
    for (const buffer of [this.tileIdFromIsect, this.gaussianFromIsect]) this.memory.release(buffer);
    this.tileIdFromIsect = this.gaussianFromIsect = null;
    this.emitBindGroup = null;
  }
}
