/**
 * The serial radix sort back-end: a stable LSD key-value sort of u32 keys in 8-bit digit passes
 * where each thread sorts one block of keys on its own, in order. Per digit pass:
 *
 *   count    each thread counts its block's digits into a private histogram   (serial_sort_count.wgsl)
 *   scan     each thread scans one digit's row of block histograms           (serial_sort_scan.wgsl)
 *   scatter  each thread moves its block's keys to their slots, in order       (serial_sort_scatter.wgsl)
 *
 * then, after an odd number of passes, a copy back into the caller's buffers (sort_copy.wgsl).
 *
 * Why: no workgroup memory, barriers, atomics or subgroups, only loads, stores and arithmetic. On
 * a GPU that is little parallelism (one thread per 1024 keys), but where the device emulates the
 * GPU on a CPU, those are what cost: SwiftShader zero-initialises workgroup memory once per 4-lane
 * SIMD group and runs every workgroup barrier as a coroutine switch per group, so the portable and
 * Onesweep sorts spend most of their time there (measured on 45,624 depth keys: ~80 ms per Onesweep
 * digit pass, ~7 ms per serial pass). RadixSort's 'auto' picks a back-end by timing them
 * (radixSort.ts), so this one runs only where it measures fastest.
 *
 * The control block, pass parameters, GPU-count prepare kernel and copy-back kernel are the
 * portable sort's (portableSort.ts), with a block of BLOCK_KEYS keys per thread.
 */
import { GpuMemory } from '../gpu/memory';
import { beginComputePass, createComputePipeline, workgroupGrid } from '../gpu/pass';
import type { GpuTimer } from '../gpu/timing';
import { checkMaxCount, computeBindGroupLayout, countSourceBinding, pipelineLayout, sameCount, type ComputeBinding } from './bindings';
import { isGpuCount, type ElementCount } from './count';
import { COPY_WORKGROUP_SIZE, createPassParams, passParamsOffset, RADIX, SortControlLayout } from './portableSort';
import type { SortBackend } from './sortBackend';
import './wgslIncludes';
import prepareSource from '../../shaders/primitives/sort_prepare.wgsl?raw';
import countSource from '../../shaders/primitives/serial_sort_count.wgsl?raw';
import scanSource from '../../shaders/primitives/serial_sort_scan.wgsl?raw';
import scatterSource from '../../shaders/primitives/serial_sort_scatter.wgsl?raw';
import copySource from '../../shaders/primitives/sort_copy.wgsl?raw';

/** Keys each thread sorts: long enough serial runs that the per-block histograms stay small (n / 4 words). */
export const SERIAL_SORT_BLOCK = 1024;
/**
 * Threads per workgroup: one 4-lane SIMD group on SwiftShader, so even ~10 blocks spread over the
 * CPU's worker threads (a device schedules whole workgroups).
 */
const WORKGROUP_SIZE = 4;
const DIGIT_BITS = 8;

export interface SerialSortOptions {
  label: string;
  maxCount: number;
  /** Workgroups per grid dimension before a dispatch spills into y (tests lower it). */
  maxWorkgroupsPerDimension?: number;
}

interface SortInputs {
  keys: GPUBuffer;
  values: GPUBuffer;
  count: ElementCount;
}

interface SortBindGroups {
  prepare: GPUBindGroup | null;
  /** Indexed by pass parity: even passes read the caller's buffers, odd passes the temporaries. */
  count: [GPUBindGroup, GPUBindGroup];
  scan: GPUBindGroup;
  scatter: [GPUBindGroup, GPUBindGroup];
  copyBack: GPUBindGroup;
}

export class SerialSort implements SortBackend {
  readonly name = 'serial' as const;
  readonly label: string;
  readonly maxCount: number;
  private readonly device: GPUDevice;
  private readonly memory: GpuMemory;
  private readonly maxPerDimension: number;

  private tempKeys: GPUBuffer | null;
  private tempValues: GPUBuffer | null;
  /** Digit-major per-block histograms, each digit's row scanned in place. */
  private blockHistograms: GPUBuffer | null;
  /** Keys per digit in this pass. */
  private digitTotals: GPUBuffer | null;
  private control: GPUBuffer | null;
  private passParams: GPUBuffer | null;

  private readonly layouts: Record<'prepare' | 'count' | 'scan' | 'scatter' | 'copyBack', GPUBindGroupLayout>;
  private readonly countPipeline: GPUComputePipeline;
  private readonly scanPipeline: GPUComputePipeline;
  private readonly scatterPipeline: GPUComputePipeline;
  private readonly copyBackPipeline: GPUComputePipeline;
  private preparePipeline: GPUComputePipeline | null = null;

  private inputs: SortInputs | null = null;
  private bindGroups: SortBindGroups | null = null;
  /** Grids of the block kernels and of copyBack for a CPU count. */
  private hostGrids: { blocks: [number, number]; copyBack: [number, number] } | null = null;

  constructor(device: GPUDevice, options: SerialSortOptions) {
    checkMaxCount(device, `SerialSort '${options.label}'`, options.maxCount);
    this.device = device;
    this.memory = GpuMemory.of(device);
    this.label = options.label;
    this.maxCount = options.maxCount;
    this.maxPerDimension = options.maxWorkgroupsPerDimension ?? device.limits.maxComputeWorkgroupsPerDimension;
    const maxBlocks = Math.max(1, Math.ceil(this.maxCount / SERIAL_SORT_BLOCK));

    const elementBytes = Math.max(1, this.maxCount) * 4;
    const storage = (field: string, size: number, extra = 0) =>
      this.memory.createBuffer({ label: `${this.label}.${field}`, size, usage: GPUBufferUsage.STORAGE | extra });
    this.tempKeys = storage('tempKeys', elementBytes);
    this.tempValues = storage('tempValues', elementBytes);
    this.blockHistograms = storage('blockHistograms', RADIX * maxBlocks * 4);
    this.digitTotals = storage('digitTotals', RADIX * 4);
    this.control = storage('control', SortControlLayout.byteSize, GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_DST);
    this.passParams = createPassParams(this.memory, this.label);

    const layout = (name: string, bindings: ComputeBinding[]) => computeBindGroupLayout(device, `${this.label}.${name}Layout`, bindings);
    this.layouts = {
      // count_source, control
      prepare: layout('prepare', ['read-only-storage', 'storage']),
      // keys, block_histograms, control, pass_params
      count: layout('count', ['read-only-storage', 'storage', 'read-only-storage', 'dynamic-uniform']),
      // block_histograms, digit_totals, control, pass_params
      scan: layout('scan', ['storage', 'storage', 'read-only-storage', 'dynamic-uniform']),
      // keys_in, values_in, keys_out, values_out, block_histograms, digit_totals, control, pass_params
      scatter: layout('scatter', [
        'read-only-storage',
        'read-only-storage',
        'storage',
        'storage',
        'read-only-storage',
        'read-only-storage',
        'read-only-storage',
        'dynamic-uniform',
      ]),
      // source_keys, source_values, keys, values, control
      copyBack: layout('copyBack', ['read-only-storage', 'read-only-storage', 'storage', 'storage', 'read-only-storage']),
    };
    const blockConstants = { WORKGROUP_SIZE, BLOCK_KEYS: SERIAL_SORT_BLOCK };
    this.countPipeline = this.pipeline('countPipeline', countSource, this.layouts.count, blockConstants);
    this.scanPipeline = this.pipeline('scanPipeline', scanSource, this.layouts.scan, blockConstants);
    this.scatterPipeline = this.pipeline('scatterPipeline', scatterSource, this.layouts.scatter, blockConstants);
    this.copyBackPipeline = this.pipeline('copyBackPipeline', copySource, this.layouts.copyBack, { WORKGROUP_SIZE: COPY_WORKGROUP_SIZE });
  }

  /** Expects inputs checked by RadixSort (usage, sizes, count range). */
  setInputs(keys: GPUBuffer, values: GPUBuffer, count: ElementCount): void {
    const old = this.inputs;
    const sameBuffers = old?.keys === keys && old?.values === values;
    if (old && sameBuffers && sameCount(old.count, count)) return;
    // Bind groups depend on the buffers and on where a GPU count lives, not on a CPU count's value.
    const bindGroupsValid = old !== null && sameBuffers && !isGpuCount(old.count) && !isGpuCount(count);
    this.inputs = { keys, values, count };
    if (!bindGroupsValid) this.bindGroups = this.createBindGroups(this.inputs);
    if (isGpuCount(count)) {
      this.hostGrids = null;
    } else {
      const blocks = Math.ceil(count / SERIAL_SORT_BLOCK);
      this.hostGrids = {
        blocks: workgroupGrid(Math.ceil(blocks / WORKGROUP_SIZE), this.maxPerDimension),
        copyBack: workgroupGrid(Math.ceil(count / COPY_WORKGROUP_SIZE), this.maxPerDimension),
      };
      // count, block_count, unused histogram_count, unused (the grids are only read by indirect dispatch)
      this.device.queue.writeBuffer(this.control!, 0, new Uint32Array([count, blocks, 0, 0]));
    }
  }

  encode(encoder: GPUCommandEncoder, bits: number, timer?: GpuTimer): void {
    if (!this.inputs || !this.bindGroups) throw new Error(`SerialSort '${this.label}': encode() before setInputs() or after destroy()`);
    const { count } = this.inputs;
    const gpuCount = isGpuCount(count);
    // Zero or one key is sorted already.
    if (!gpuCount && count <= 1) return;
    const groups = this.bindGroups;
    const passes = Math.ceil(bits / DIGIT_BITS);
    for (let pass = 0; pass < passes; pass++) {
      const parity = pass % 2;
      const paramsOffset = [passParamsOffset(pass, bits)];
      const compute = beginComputePass(encoder, `${this.label}.pass${pass}`, timer);
      if (gpuCount && pass === 0) {
        compute.setPipeline(this.preparePipeline!);
        compute.setBindGroup(0, groups.prepare!);
        compute.dispatchWorkgroups(1);
      }
      compute.setPipeline(this.countPipeline);
      compute.setBindGroup(0, groups.count[parity]!, paramsOffset);
      this.dispatch(compute, 'blocks');
      compute.setPipeline(this.scanPipeline);
      compute.setBindGroup(0, groups.scan, paramsOffset);
      compute.dispatchWorkgroups(RADIX / WORKGROUP_SIZE);
      compute.setPipeline(this.scatterPipeline);
      compute.setBindGroup(0, groups.scatter[parity]!, paramsOffset);
      this.dispatch(compute, 'blocks');
      compute.end();
    }
    if (passes % 2 === 1) {
      const compute = beginComputePass(encoder, `${this.label}.copyBack`, timer);
      compute.setPipeline(this.copyBackPipeline);
      compute.setBindGroup(0, groups.copyBack);
      this.dispatch(compute, 'copyBack');
      compute.end();
    }
  }

  destroy(): void {
    for (const buffer of [this.tempKeys, this.tempValues, this.blockHistograms, this.digitTotals, this.control, this.passParams]) this.memory.release(buffer);
    this.tempKeys = this.tempValues = this.blockHistograms = this.digitTotals = this.control = this.passParams = null;
    this.inputs = null;
    this.bindGroups = null;
  }

  private dispatch(compute: GPUComputePassEncoder, kernel: 'blocks' | 'copyBack'): void {
    if (this.hostGrids) {
      const [x, y] = this.hostGrids[kernel];
      compute.dispatchWorkgroups(x, y);
    } else {
      const offset = kernel === 'blocks' ? SortControlLayout.blockGrid : SortControlLayout.copyGrid;
      compute.dispatchWorkgroupsIndirect(this.control!, offset);
    }
  }

  private createBindGroups({ keys, values, count }: SortInputs): SortBindGroups {
    const control = this.control!;
    const params: GPUBufferBinding = { buffer: this.passParams!, offset: 0, size: 16 };
    const bindGroup = (name: string, layout: GPUBindGroupLayout, resources: Array<GPUBuffer | GPUBufferBinding>) =>
      this.device.createBindGroup({
        label: `${this.label}.${name}`,
        layout,
        entries: resources.map((r, binding) => ({ binding, resource: 'buffer' in r ? r : { buffer: r } })),
      });
    const sources = [keys, this.tempKeys!] as const;
    const sourceValues = [values, this.tempValues!] as const;
    const countGroup = (parity: 0 | 1) =>
      // keys, block_histograms, control, pass_params
      bindGroup(`countBindGroup${parity}`, this.layouts.count, [sources[parity], this.blockHistograms!, control, params]);
    const scatterGroup = (parity: 0 | 1) =>
      // keys_in, values_in, keys_out, values_out, block_histograms, digit_totals, control, pass_params
      bindGroup(`scatterBindGroup${parity}`, this.layouts.scatter, [
        sources[parity],
        sourceValues[parity],
        sources[1 - parity]!,
        sourceValues[1 - parity]!,
        this.blockHistograms!,
        this.digitTotals!,
        control,
        params,
      ]);

    let prepare: GPUBindGroup | null = null;
    if (isGpuCount(count)) {
      this.preparePipeline ??= this.pipeline('preparePipeline', prepareSource, this.layouts.prepare, {
        MAX_COUNT: this.maxCount,
        KEYS_PER_BLOCK: SERIAL_SORT_BLOCK,
        BLOCKS_PER_WORKGROUP: WORKGROUP_SIZE,
        COPY_WORKGROUP_SIZE,
        MAX_WORKGROUPS_PER_DIMENSION: this.maxPerDimension,
      });
      // count_source, control
      prepare = bindGroup('prepareBindGroup', this.layouts.prepare, [countSourceBinding(count), control]);
    }
    return {
      prepare,
      count: [countGroup(0), countGroup(1)],
      // block_histograms, digit_totals, control, pass_params
      scan: bindGroup('scanBindGroup', this.layouts.scan, [this.blockHistograms!, this.digitTotals!, control, params]),
      scatter: [scatterGroup(0), scatterGroup(1)],
      // source_keys, source_values, keys, values, control
      copyBack: bindGroup('copyBackBindGroup', this.layouts.copyBack, [this.tempKeys!, this.tempValues!, keys, values, control]),
    };
  }

  private pipeline(name: string, code: string, layout: GPUBindGroupLayout, constants: Record<string, number>): GPUComputePipeline {
    const label = `${this.label}.${name}`;
    return createComputePipeline(this.device, { label, code, constants, layout: pipelineLayout(this.device, `${label}.layout`, layout) });
  }
}
