/**
 * The serial prefix scan: u32 prefix sums (exclusive or inclusive, wrapping mod 2^32) where each
 * thread scans one block of SERIAL_SCAN_BLOCK elements on its own:
 *
 *   reduce     each thread sums its block                        (serial_scan_reduce.wgsl)
 *   blocks     one thread scans the block sums                   (serial_scan_blocks.wgsl)
 *   downsweep  each thread writes its block's running sums        (serial_scan_downsweep.wgsl)
 *
 * The same contract as PrefixScan (scan.ts): in place allowed, a CPU count or a GPU count (read on
 * the GPU only, clamped to maxCount), and only the first `count` elements touched. Why a second
 * scan: like the serial radix sort (serialSort.ts) it needs no workgroup memory or barriers, which
 * is what costs on CPU emulation (45,624 elements on SwiftShader: ~2 ms against ~30 ms for the
 * levels scan), while on GPUs the levels scan is the fast one. A caller that cannot know which to
 * use times both with VariantTuner (scanTileCountsPass.ts does).
 *
 * The control block and the GPU-count prepare kernel are the radix sorts' (SortControl, sort_prepare).
 */
import { GpuMemory } from '../gpu/memory';
import { beginComputePass, createComputePipeline, workgroupGrid } from '../gpu/pass';
import type { GpuTimer } from '../gpu/timing';
import {
  checkCount,
  checkElementBuffer,
  checkMaxCount,
  computeBindGroupLayout,
  countSourceBinding,
  pipelineLayout,
  sameCount,
  type ComputeBinding,
} from './bindings';
import { isGpuCount, type ElementCount } from './count';
import { COPY_WORKGROUP_SIZE, SortControlLayout } from './blockSort';
import type { PrefixScanOptions, ScanInputs } from './scan';
import './wgslIncludes';
import prepareSource from '../../shaders/primitives/sort_prepare.wgsl?raw';
import reduceSource from '../../shaders/primitives/serial_scan_reduce.wgsl?raw';
import blocksSource from '../../shaders/primitives/serial_scan_blocks.wgsl?raw';
import downsweepSource from '../../shaders/primitives/serial_scan_downsweep.wgsl?raw';

/** Elements each thread scans. */
export const SERIAL_SCAN_BLOCK = 1024;
/** Threads per workgroup: one 4-lane SIMD group on SwiftShader (see serialSort.ts). */
const WORKGROUP_SIZE = 4;

export type SerialScanOptions = PrefixScanOptions;

export class SerialScan {
  readonly label: string;
  readonly maxCount: number;
  readonly inclusive: boolean;
  private readonly device: GPUDevice;
  private readonly memory: GpuMemory;
  private readonly maxPerDimension: number;
  private control: GPUBuffer | null;
  private blockSums: GPUBuffer | null;
  private readonly layouts: Record<'prepare' | 'reduce' | 'blocks' | 'downsweep' | 'inPlace', GPUBindGroupLayout>;
  private readonly reducePipeline: GPUComputePipeline;
  private readonly blocksPipeline: GPUComputePipeline;
  private downsweepPipeline: GPUComputePipeline | null = null;
  private inPlacePipeline: GPUComputePipeline | null = null;
  private preparePipeline: GPUComputePipeline | null = null;
  private inputs: ScanInputs | null = null;
  private bindGroups: { prepare: GPUBindGroup | null; reduce: GPUBindGroup; blocks: GPUBindGroup; downsweep: GPUBindGroup } | null = null;
  /** Grid of the per-block kernels for a CPU count. */
  private hostGrid: [number, number] | null = null;

  constructor(device: GPUDevice, options: SerialScanOptions) {
    checkMaxCount(device, `SerialScan '${options.label}'`, options.maxCount);
    this.device = device;
    this.memory = GpuMemory.of(device);
    this.label = options.label;
    this.maxCount = options.maxCount;
    this.inclusive = options.inclusive ?? false;
    this.maxPerDimension = options.maxWorkgroupsPerDimension ?? device.limits.maxComputeWorkgroupsPerDimension;
    this.control = this.memory.createBuffer({
      label: `${this.label}.control`,
      size: SortControlLayout.byteSize,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_DST,
    });
    this.blockSums = this.memory.createBuffer({
      label: `${this.label}.blockSums`,
      size: Math.max(1, Math.ceil(this.maxCount / SERIAL_SCAN_BLOCK)) * 4,
      usage: GPUBufferUsage.STORAGE,
    });
    const layout = (name: string, bindings: ComputeBinding[]) => computeBindGroupLayout(device, `${this.label}.${name}Layout`, bindings);
    this.layouts = {
      // count_source, control
      prepare: layout('prepare', ['read-only-storage', 'storage']),
      // input, block_sums, control
      reduce: layout('reduce', ['read-only-storage', 'storage', 'read-only-storage']),
      // block_sums, control
      blocks: layout('blocks', ['storage', 'read-only-storage']),
      // input, block_sums, control, output
      downsweep: layout('downsweep', ['read-only-storage', 'read-only-storage', 'read-only-storage', 'storage']),
      // data, block_sums, control
      inPlace: layout('inPlace', ['storage', 'read-only-storage', 'read-only-storage']),
    };
    const constants = { WORKGROUP_SIZE, BLOCK_SIZE: SERIAL_SCAN_BLOCK };
    this.reducePipeline = this.pipeline('reducePipeline', reduceSource, this.layouts.reduce, [], constants);
    this.blocksPipeline = this.pipeline('blocksPipeline', blocksSource, this.layouts.blocks, [], { BLOCK_SIZE: SERIAL_SCAN_BLOCK });
  }

  /** As PrefixScan.setInputs: `input === output` scans in place. */
  setInputs(input: GPUBuffer, output: GPUBuffer, count: ElementCount): void {
    const owner = `SerialScan '${this.label}'`;
    checkCount(owner, count, this.maxCount);
    checkElementBuffer(owner, 'input', input, count, this.maxCount);
    checkElementBuffer(owner, 'output', output, count, this.maxCount);
    const old = this.inputs;
    const sameBuffers = old?.input === input && old?.output === output;
    if (old && sameBuffers && sameCount(old.count, count)) return;
    const bindGroupsValid = old !== null && sameBuffers && !isGpuCount(old.count) && !isGpuCount(count);
    this.inputs = { input, output, count };
    if (!bindGroupsValid) this.bindGroups = this.createBindGroups(this.inputs);
    if (isGpuCount(count)) {
      this.hostGrid = null;
    } else {
      const blocks = Math.ceil(count / SERIAL_SCAN_BLOCK);
      this.hostGrid = workgroupGrid(Math.ceil(blocks / WORKGROUP_SIZE), this.maxPerDimension);
      // count, block_count, unused, unused (the grids are only read by indirect dispatch)
      this.device.queue.writeBuffer(this.control!, 0, new Uint32Array([count, blocks, 0, 0]));
    }
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    if (!this.inputs || !this.bindGroups || !this.control) throw new Error(`SerialScan '${this.label}': encode() before setInputs() or after destroy()`);
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
    pass.setBindGroup(0, groups.reduce);
    this.dispatchBlocks(pass);
    pass.setPipeline(this.blocksPipeline);
    pass.setBindGroup(0, groups.blocks);
    pass.dispatchWorkgroups(1);
    pass.setPipeline(this.inputs.input === this.inputs.output ? this.inPlacePipeline! : this.downsweepPipeline!);
    pass.setBindGroup(0, groups.downsweep);
    this.dispatchBlocks(pass);
    pass.end();
  }

  destroy(): void {
    this.memory.release(this.control);
    this.memory.release(this.blockSums);
    this.control = this.blockSums = null;
    this.inputs = null;
    this.bindGroups = null;
  }

  private dispatchBlocks(pass: GPUComputePassEncoder): void {
    if (this.hostGrid) pass.dispatchWorkgroups(this.hostGrid[0], this.hostGrid[1]);
    else pass.dispatchWorkgroupsIndirect(this.control!, SortControlLayout.blockGrid);
  }

  private createBindGroups({ input, output, count }: ScanInputs) {
    const control = this.control!;
    const blockSums = this.blockSums!;
    const bindGroup = (name: string, layout: GPUBindGroupLayout, resources: Array<[number, GPUBufferBinding]>) =>
      this.device.createBindGroup({ label: `${this.label}.${name}`, layout, entries: resources.map(([binding, resource]) => ({ binding, resource })) });
    const constants = { WORKGROUP_SIZE, BLOCK_SIZE: SERIAL_SCAN_BLOCK, INCLUSIVE: Number(this.inclusive) };
    const inPlace = input === output;
    let downsweep: GPUBindGroup;
    if (inPlace) {
      this.inPlacePipeline ??= this.pipeline('inPlacePipeline', downsweepSource, this.layouts.inPlace, ['IN_PLACE'], constants);
      // data, block_sums, control
      downsweep = bindGroup('inPlaceBindGroup', this.layouts.inPlace, [[0, { buffer: input }], [1, { buffer: blockSums }], [2, { buffer: control }]]);
    } else {
      this.downsweepPipeline ??= this.pipeline('downsweepPipeline', downsweepSource, this.layouts.downsweep, [], constants);
      // input, block_sums, control, output
      downsweep = bindGroup('downsweepBindGroup', this.layouts.downsweep, [
        [0, { buffer: input }],
        [1, { buffer: blockSums }],
        [2, { buffer: control }],
        [3, { buffer: output }],
      ]);
    }
    let prepare: GPUBindGroup | null = null;
    if (isGpuCount(count)) {
      this.preparePipeline ??= this.pipeline('preparePipeline', prepareSource, this.layouts.prepare, [], {
        MAX_COUNT: this.maxCount,
        KEYS_PER_BLOCK: SERIAL_SCAN_BLOCK,
        BLOCKS_PER_WORKGROUP: WORKGROUP_SIZE,
        COPY_WORKGROUP_SIZE,
        MAX_WORKGROUPS_PER_DIMENSION: this.maxPerDimension,
      });
      // count_source, control
      prepare = bindGroup('prepareBindGroup', this.layouts.prepare, [[0, countSourceBinding(count)], [1, { buffer: control }]]);
    }
    return {
      prepare,
      // input, block_sums, control
      reduce: bindGroup('reduceBindGroup', this.layouts.reduce, [[0, { buffer: input }], [1, { buffer: blockSums }], [2, { buffer: control }]]),
      // block_sums, control
      blocks: bindGroup('blocksBindGroup', this.layouts.blocks, [[0, { buffer: blockSums }], [1, { buffer: control }]]),
      downsweep,
    };
  }

  private pipeline(name: string, code: string, layout: GPUBindGroupLayout, defines: string[], constants: Record<string, number>): GPUComputePipeline {
    const label = `${this.label}.${name}`;
    return createComputePipeline(this.device, { label, code, defines, constants, layout: pipelineLayout(this.device, `${label}.layout`, layout) });
  }
}
