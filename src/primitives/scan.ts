/**
 * GPU prefix sum over u32 (exclusive or inclusive, wrapping mod 2^32) by reduce-then-scan over
 * levels: level 0 is the input; level l + 1 holds one sum per block of level l (BLOCK_SIZE
 * elements). `reduce` fills the levels upward, then `downsweep` scans them from the top (a single
 * block) down, each block starting from its scanned sum one level up.
 *
 * Why reduce-then-scan rather than a single-pass decoupled look-back/fallback scan: it needs no
 * inter-workgroup forward progress (WebGPU promises none, see shared/docs/gaussians.md §5.2) and no
 * subgroups, so one code path runs everywhere. It costs ~3n memory operations against ~2n, plus
 * two dispatches per level; at 2048 elements a block, up to 2^22 elements need 2 levels and up to
 * 2^33 need 3. The scans in a frame (tile counts, the sort's histograms) are small next to the sort.
 *
 * In place is allowed (`input === output`): each workgroup reads its block before writing it.
 *
 * The count is a CPU number or a u32 on the GPU (ElementCount). With a GPU count a one-thread
 * `prepare` kernel writes every level's count and indirect dispatch grid, nothing is read back, and
 * a count above maxCount is clamped to maxCount. A CPU count is written with queue.writeBuffer in
 * `setInputs`, so it applies to the work submitted after that call: to scan two CPU counts in one
 * submit, use two PrefixScans.
 */
import { GpuMemory } from '../gpu/memory';
import { beginComputePass, createComputePipeline, workgroupGrid } from '../gpu/pass';
import type { GpuTimer } from '../gpu/timing';
import {
  BINDING_ALIGNMENT,
  checkCount,
  checkElementBuffer,
  checkMaxCount,
  computeBindGroupLayout,
  countSourceBinding,
  pipelineLayout,
  sameCount,
} from './bindings';
import { isGpuCount, type ElementCount } from './count';
import './wgslIncludes';
import prepareSource from '../../shaders/primitives/scan_prepare.wgsl?raw';
import reduceSource from '../../shaders/primitives/scan_reduce.wgsl?raw';
import downsweepSource from '../../shaders/primitives/scan_downsweep.wgsl?raw';

const WORKGROUP_SIZE = 64;
const ELEMENTS_PER_THREAD = 32;
/** Elements per workgroup at every level. */
export const SCAN_BLOCK_SIZE = WORKGROUP_SIZE * ELEMENTS_PER_THREAD;
const BLOCK_CONSTANTS = { WORKGROUP_SIZE, ELEMENTS_PER_THREAD };

/**
 * The control buffer, in u32 words. Each level's count sits alone in a 256-byte region because the
 * level kernels bind it as `level_count` (binding offsets must be aligned); the zero after them is
 * the top level's block offset; the indirect dispatch grids (x, y, z, -) of the levels follow.
 * Written by scan_prepare.wgsl (GPU count) or by `setInputs` (CPU count).
 */
export class ScanControlLayout {
  static readonly regionWords = BINDING_ALIGNMENT / 4;
  constructor(readonly levels: number) {}
  levelCountWord(level: number): number {
    return level * ScanControlLayout.regionWords;
  }
  get zeroWord(): number {
    return this.levels * ScanControlLayout.regionWords;
  }
  get argsWord(): number {
    return (this.levels + 1) * ScanControlLayout.regionWords;
  }
  argsWordOf(level: number): number {
    return this.argsWord + 4 * level;
  }
  get byteSize(): number {
    return this.argsWordOf(this.levels) * 4;
  }
}

/** Element counts of the levels for `count` elements: count, ceil(count / B), ... (L entries). */
export function scanLevelCounts(count: number, levels: number): number[] {
  const counts: number[] = [];
  for (let level = 0, n = count; level < levels; level++, n = Math.ceil(n / SCAN_BLOCK_SIZE)) counts.push(n);
  return counts;
}

/** Levels needed so the top level fits in one block. */
export function scanLevelsFor(maxCount: number): number {
  let levels = 1;
  for (let n = maxCount; n > SCAN_BLOCK_SIZE; n = Math.ceil(n / SCAN_BLOCK_SIZE)) levels++;
  return levels;
}

export interface PrefixScanOptions {
  /** Owner label of the GPU objects and name of the timed compute pass. */
  label: string;
  /** Largest count this scan will be given; sizes the level buffers. */
  maxCount: number;
  /** output[i] = input[0] + ... + input[i] instead of input[0] + ... + input[i − 1]. @default false */
  inclusive?: boolean;
  /**
   * Workgroups per grid dimension before a dispatch spills into y. @default the device's
   * maxComputeWorkgroupsPerDimension. Lower it only to test the 2D-grid path on small inputs.
   */
  maxWorkgroupsPerDimension?: number;
}

export interface ScanInputs {
  input: GPUBuffer;
  output: GPUBuffer;
  count: ElementCount;
}

interface ScanBindGroups {
  prepare: GPUBindGroup | null;
  reduce: GPUBindGroup[];
  downsweep: GPUBindGroup[];
  /** Pipeline of level 0's downsweep (depends on in-place and inclusive). */
  outerDownsweep: GPUComputePipeline;
}

export class PrefixScan {
  readonly label: string;
  readonly maxCount: number;
  readonly inclusive: boolean;
  readonly levels: number;
  private readonly device: GPUDevice;
  private readonly memory: GpuMemory;
  private readonly layout: ScanControlLayout;
  private readonly maxPerDimension: number;
  private control: GPUBuffer | null;
  /** blockSums[l] holds level l + 1: one sum per block of level l. */
  private blockSums: GPUBuffer[];

  private readonly reduceLayout: GPUBindGroupLayout;
  private readonly downsweepLayout: GPUBindGroupLayout;
  private readonly inPlaceLayout: GPUBindGroupLayout;
  private readonly prepareLayout: GPUBindGroupLayout;
  private readonly reducePipeline: GPUComputePipeline;
  /** In-place exclusive downsweep: every level above 0. */
  private readonly innerDownsweepPipeline: GPUComputePipeline;
  private outOfPlacePipeline: GPUComputePipeline | null = null;
  private inPlaceInclusivePipeline: GPUComputePipeline | null = null;
  private preparePipeline: GPUComputePipeline | null = null;

  private inputs: ScanInputs | null = null;
  private bindGroups: ScanBindGroups | null = null;
  /** Dispatch grid per level for a CPU count (null: no workgroups). */
  private hostGrids: Array<[number, number] | null> = [];

  constructor(device: GPUDevice, options: PrefixScanOptions) {
    checkMaxCount(device, `PrefixScan '${options.label}'`, options.maxCount);
    this.device = device;
    this.memory = GpuMemory.of(device);
    this.label = options.label;
    this.maxCount = options.maxCount;
    this.inclusive = options.inclusive ?? false;
    this.maxPerDimension = options.maxWorkgroupsPerDimension ?? device.limits.maxComputeWorkgroupsPerDimension;
    this.levels = scanLevelsFor(this.maxCount);
    this.layout = new ScanControlLayout(this.levels);

    this.control = this.memory.createBuffer({
      label: `${this.label}.control`,
      size: this.layout.byteSize,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_DST,
    });
    const capacities = scanLevelCounts(Math.max(1, this.maxCount), this.levels);
    this.blockSums = capacities.slice(1).map((n, i) =>
      this.memory.createBuffer({ label: `${this.label}.blockSums${i + 1}`, size: n * 4, usage: GPUBufferUsage.STORAGE }),
    );

    // input, block_sums, level_count
    this.reduceLayout = computeBindGroupLayout(device, `${this.label}.reduceLayout`, ['read-only-storage', 'storage', 'read-only-storage']);
    // input, output, block_offsets, level_count
    this.downsweepLayout = computeBindGroupLayout(device, `${this.label}.downsweepLayout`, [
      'read-only-storage',
      'storage',
      'read-only-storage',
      'read-only-storage',
    ]);
    // data, -, block_offsets, level_count
    this.inPlaceLayout = computeBindGroupLayout(device, `${this.label}.inPlaceLayout`, ['storage', null, 'read-only-storage', 'read-only-storage']);
    // count_source, control
    this.prepareLayout = computeBindGroupLayout(device, `${this.label}.prepareLayout`, ['read-only-storage', 'storage']);

    this.reducePipeline = this.pipeline('reducePipeline', reduceSource, this.reduceLayout, [], BLOCK_CONSTANTS);
    this.innerDownsweepPipeline = this.pipeline('innerDownsweepPipeline', downsweepSource, this.inPlaceLayout, ['IN_PLACE'], {
      ...BLOCK_CONSTANTS,
      INCLUSIVE: 0,
    });
  }

  /**
   * Binds the buffers and the count. `input === output` scans in place. Buffers need STORAGE usage
   * and room for the count (for maxCount when the count is on the GPU); a GPU count buffer needs
   * STORAGE usage. Bind groups are rebuilt only when a buffer or the count's location changes.
   */
  setInputs(input: GPUBuffer, output: GPUBuffer, count: ElementCount): void {
    const owner = `PrefixScan '${this.label}'`;
    checkCount(owner, count, this.maxCount);
    checkElementBuffer(owner, 'input', input, count, this.maxCount);
    checkElementBuffer(owner, 'output', output, count, this.maxCount);
    const old = this.inputs;
    const sameBuffers = old?.input === input && old?.output === output;
    if (old && sameBuffers && sameCount(old.count, count)) return;
    // Bind groups depend on the buffers and on where a GPU count lives, not on a CPU count's value.
    const bindGroupsValid = old !== null && sameBuffers && !isGpuCount(old.count) && !isGpuCount(count);
    this.inputs = { input, output, count };
    if (!bindGroupsValid) this.bindGroups = this.createBindGroups(this.inputs);
    if (!isGpuCount(count)) this.writeHostCount(count);
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    if (!this.inputs || !this.bindGroups || !this.control) throw new Error(`PrefixScan '${this.label}': encode() before setInputs() or after destroy()`);
    const { count } = this.inputs;
    const gpuCount = isGpuCount(count);
    if (!gpuCount && count === 0) return;
    const groups = this.bindGroups;
    const pass = beginComputePass(encoder, this.label, timer);
    if (gpuCount) {
      pass.setPipeline(this.preparePipeline!);
      pass.setBindGroup(0, groups.prepare!);
      pass.dispatchWorkgroups(1);
    }
    pass.setPipeline(this.reducePipeline);
    for (let level = 0; level < this.levels - 1; level++) {
      pass.setBindGroup(0, groups.reduce[level]!);
      this.dispatchLevel(pass, level, gpuCount);
    }
    for (let level = this.levels - 1; level >= 0; level--) {
      pass.setPipeline(level === 0 ? groups.outerDownsweep : this.innerDownsweepPipeline);
      pass.setBindGroup(0, groups.downsweep[level]!);
      this.dispatchLevel(pass, level, gpuCount);
    }
    pass.end();
  }

  destroy(): void {
    this.memory.release(this.control);
    for (const buffer of this.blockSums) this.memory.release(buffer);
    this.control = null;
    this.blockSums = [];
    this.inputs = null;
    this.bindGroups = null;
  }

  private dispatchLevel(pass: GPUComputePassEncoder, level: number, gpuCount: boolean): void {
    if (gpuCount) {
      pass.dispatchWorkgroupsIndirect(this.control!, this.layout.argsWordOf(level) * 4);
      return;
    }
    const grid = this.hostGrids[level];
    if (grid) pass.dispatchWorkgroups(grid[0], grid[1]);
  }

  private writeHostCount(count: number): void {
    const words = new Uint32Array(this.layout.byteSize / 4);
    const counts = scanLevelCounts(count, this.levels);
    this.hostGrids = counts.map((n, level) => {
      words[this.layout.levelCountWord(level)] = n;
      const workgroups = Math.ceil(n / SCAN_BLOCK_SIZE);
      return workgroups === 0 ? null : workgroupGrid(workgroups, this.maxPerDimension);
    });
    words[this.layout.zeroWord] = 0;
    this.device.queue.writeBuffer(this.control!, 0, words);
  }

  private createBindGroups({ input, output, count }: ScanInputs): ScanBindGroups {
    const control = this.control!;
    const levelCount = (level: number): GPUBufferBinding => ({ buffer: control, offset: this.layout.levelCountWord(level) * 4, size: 4 });
    // The scanned sums one level up, or the zero word for the top level (a single block).
    const blockOffsets = (level: number): GPUBufferBinding =>
      level < this.levels - 1 ? { buffer: this.blockSums[level]! } : { buffer: control, offset: this.layout.zeroWord * 4, size: 4 };
    const levelData = (level: number): GPUBuffer => (level === 0 ? input : this.blockSums[level - 1]!);
    const bindGroup = (name: string, layout: GPUBindGroupLayout, entries: Array<[number, GPUBufferBinding]>) =>
      this.device.createBindGroup({
        label: `${this.label}.${name}`,
        layout,
        entries: entries.map(([binding, resource]) => ({ binding, resource })),
      });

    const reduce: GPUBindGroup[] = [];
    for (let level = 0; level < this.levels - 1; level++) {
      reduce.push(
        bindGroup(`reduceBindGroup${level}`, this.reduceLayout, [
          [0, { buffer: levelData(level) }], // input
          [1, { buffer: this.blockSums[level]! }], // block_sums
          [2, levelCount(level)], // level_count
        ]),
      );
    }
    const inPlace = input === output;
    const downsweep: GPUBindGroup[] = [];
    for (let level = 0; level < this.levels; level++) {
      const outOfPlace = level === 0 && !inPlace;
      downsweep.push(
        outOfPlace
          ? bindGroup('downsweepBindGroup0', this.downsweepLayout, [
              [0, { buffer: input }], // input
              [1, { buffer: output }], // output
              [2, blockOffsets(level)], // block_offsets
              [3, levelCount(level)], // level_count
            ])
          : bindGroup(`downsweepBindGroup${level}`, this.inPlaceLayout, [
              [0, { buffer: levelData(level) }], // data
              [2, blockOffsets(level)], // block_offsets
              [3, levelCount(level)], // level_count
            ]),
      );
    }

    let outerDownsweep: GPUComputePipeline;
    if (!inPlace) {
      outerDownsweep = this.outOfPlacePipeline ??= this.pipeline('downsweepPipeline', downsweepSource, this.downsweepLayout, [], {
        ...BLOCK_CONSTANTS,
        INCLUSIVE: Number(this.inclusive),
      });
    } else if (this.inclusive) {
      outerDownsweep = this.inPlaceInclusivePipeline ??= this.pipeline('inPlaceDownsweepPipeline', downsweepSource, this.inPlaceLayout, ['IN_PLACE'], {
        ...BLOCK_CONSTANTS,
        INCLUSIVE: 1,
      });
    } else {
      outerDownsweep = this.innerDownsweepPipeline;
    }

    let prepare: GPUBindGroup | null = null;
    if (isGpuCount(count)) {
      this.preparePipeline ??= this.pipeline('preparePipeline', prepareSource, this.prepareLayout, [], {
        LEVELS: this.levels,
        BLOCK_SIZE: SCAN_BLOCK_SIZE,
        MAX_COUNT: this.maxCount,
        REGION_WORDS: ScanControlLayout.regionWords,
        ARGS_WORD: this.layout.argsWord,
        MAX_WORKGROUPS_PER_DIMENSION: this.maxPerDimension,
      });
      prepare = bindGroup('prepareBindGroup', this.prepareLayout, [
        [0, countSourceBinding(count)], // count_source
        [1, { buffer: control }], // control
      ]);
    }
    return { prepare, reduce, downsweep, outerDownsweep };
  }

  private pipeline(
    name: string,
    code: string,
    layout: GPUBindGroupLayout,
    defines: string[] = [],
    constants: Record<string, number> = {},
  ): GPUComputePipeline {
    const label = `${this.label}.${name}`;
    return createComputePipeline(this.device, { label, code, defines, constants, layout: pipelineLayout(this.device, `${label}.layout`, layout) });
  }
}
