/**
 * Tile-range extraction: from a list of intersections sorted by tile id, the [start, end) span of
 * each tile, which the tile rasterizers of every splatting method (3DGS, 4DGS, GaussianImage) read
 * to find their splats. The entry count may live on the GPU (ElementCount), so the dispatch is
 * indirect and nothing is read back.
 *
 * Output `ranges`: vec2u per tile (8 B), [first entry, one past the last); empty tiles are [0, 0).
 */
import { GpuMemory } from '../gpu/memory';
import { beginComputePass, bufferEntries, createComputePipeline } from '../gpu/pass';
import type { GpuTimer } from '../gpu/timing';
import { isGpuCount, type ElementCount } from './count';
import argsSource from '../../shaders/primitives/tile_ranges_args.wgsl?raw';
import rangesSource from '../../shaders/primitives/tile_ranges.wgsl?raw';

const WORKGROUP_SIZE = 256;
const RANGE_BYTES = 8;

export interface TileRangesOptions {
  /** Owner label for GPU objects (`label.ranges`, ...). */
  label: string;
  /** Tiles in the image grid; `setTileCount` changes it later. */
  tileCount: number;
  /** Name of the timed compute pass. @default 'tileRanges' */
  passName?: string;
  /**
   * Workgroups per grid dimension before the dispatch spills into y. @default the device's
   * maxComputeWorkgroupsPerDimension. Lower it only to test the 2D-grid path on small inputs.
   */
  maxWorkgroupsPerDimension?: number;
}

export class TileRanges {
  readonly name: string;
  /** [start, end) per tile; valid after `encode` for the current tile count. */
  ranges: GPUBuffer | null = null;
  private tileCount = 0;
  private readonly memory: GpuMemory;
  private readonly dispatchArgs: GPUBuffer;
  /** Holds a CPU-side count so both kinds of ElementCount take the same indirect path. */
  private readonly hostCount: GPUBuffer;
  private readonly pipelines = new Map<number, { args: GPUComputePipeline; ranges: GPUComputePipeline }>();
  private bindGroups: { args: GPUBindGroup; ranges: GPUBindGroup; pipelines: { args: GPUComputePipeline; ranges: GPUComputePipeline } } | null = null;
  private inputs: { tileIds: GPUBuffer; countBuffer: GPUBuffer; countIndex: number; ranges: GPUBuffer } | null = null;
  private sortedTileIds: GPUBuffer | null = null;
  private count: ElementCount = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly options: TileRangesOptions,
  ) {
    this.name = options.passName ?? 'tileRanges';
    this.memory = GpuMemory.of(device);
    this.dispatchArgs = this.memory.createBuffer({
      label: `${options.label}.dispatchArgs`,
      size: 16,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT,
    });
    this.hostCount = this.memory.createBuffer({
      label: `${options.label}.hostCount`,
      size: 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    this.setTileCount(options.tileCount);
  }

  /** Resizes `ranges` for a new tile grid (grows only; the cleared span follows the count). */
  setTileCount(tileCount: number): void {
    if (!Number.isInteger(tileCount) || tileCount < 1) throw new Error(`TileRanges: tile count must be a positive integer, got ${tileCount}`);
    this.tileCount = tileCount;
    if (this.ranges && this.ranges.size >= tileCount * RANGE_BYTES) return;
    this.memory.release(this.ranges);
    this.ranges = this.memory.createBuffer({
      label: `${this.options.label}.ranges`,
      size: tileCount * RANGE_BYTES,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    });
  }

  /** The tile ids sorted ascending (only their first `count` entries are read). */
  setInputs(sortedTileIds: GPUBuffer, count: ElementCount): void {
    this.sortedTileIds = sortedTileIds;
    this.count = count;
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    if (!this.sortedTileIds || !this.ranges) throw new Error('TileRanges.encode before setInputs');
    let countBuffer = this.hostCount;
    let countIndex = 0;
    if (isGpuCount(this.count)) {
      if (this.count.offset % 4 !== 0) throw new Error('TileRanges: a GPU count offset must be a multiple of 4');
      countBuffer = this.count.buffer;
      countIndex = this.count.offset / 4;
    } else {
      this.device.queue.writeBuffer(this.hostCount, 0, new Uint32Array([this.count]));
    }
    this.updateBindGroups(countBuffer, countIndex);
    const { args, ranges, pipelines } = this.bindGroups!;

    encoder.clearBuffer(this.ranges, 0, this.tileCount * RANGE_BYTES);
    const pass = beginComputePass(encoder, this.name, timer);
    pass.setPipeline(pipelines.args);
    pass.setBindGroup(0, args);
    pass.dispatchWorkgroups(1);
    pass.setPipeline(pipelines.ranges);
    pass.setBindGroup(0, ranges);
    pass.dispatchWorkgroupsIndirect(this.dispatchArgs, 0);
    pass.end();
  }

  destroy(): void {
    this.memory.release(this.ranges);
    this.memory.release(this.dispatchArgs);
    this.memory.release(this.hostCount);
    this.ranges = null;
    this.bindGroups = null;
    this.inputs = null;
    this.pipelines.clear();
  }

  /** Pipelines are specialised on the count's word index (storage bindings cannot start at an odd offset). */
  private pipelinesFor(countIndex: number) {
    let pipelines = this.pipelines.get(countIndex);
    if (!pipelines) {
      const constants = { WORKGROUP_SIZE, COUNT_INDEX: countIndex };
      pipelines = {
        args: createComputePipeline(this.device, {
          label: `${this.options.label}.argsPipeline`,
          code: argsSource,
          constants: {
            ...constants,
            MAX_WORKGROUPS_PER_DIMENSION: this.options.maxWorkgroupsPerDimension ?? this.device.limits.maxComputeWorkgroupsPerDimension,
          },
        }),
        ranges: createComputePipeline(this.device, { label: `${this.options.label}.rangesPipeline`, code: rangesSource, constants }),
      };
      this.pipelines.set(countIndex, pipelines);
    }
    return pipelines;
  }

  private updateBindGroups(countBuffer: GPUBuffer, countIndex: number): void {
    const tileIds = this.sortedTileIds!;
    const ranges = this.ranges!;
    const old = this.inputs;
    if (old && old.tileIds === tileIds && old.countBuffer === countBuffer && old.countIndex === countIndex && old.ranges === ranges) return;
    const pipelines = this.pipelinesFor(countIndex);
    this.bindGroups = {
      pipelines,
      args: this.device.createBindGroup({
        label: `${this.options.label}.argsBindGroup`,
        layout: pipelines.args.getBindGroupLayout(0),
        entries: bufferEntries(countBuffer, this.dispatchArgs),
      }),
      ranges: this.device.createBindGroup({
        label: `${this.options.label}.rangesBindGroup`,
        layout: pipelines.ranges.getBindGroupLayout(0),
        entries: bufferEntries(countBuffer, tileIds, ranges),
      }),
    };
    this.inputs = { tileIds, countBuffer, countIndex, ranges };
  }
}
