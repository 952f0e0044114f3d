/**
 * The portable radix sort back-end: a stable LSD key-value sort of u32 keys by reduce-then-scan,
 * with 8-bit digits (ceil(bits / 8) passes) and no subgroups, atomics across workgroups or
 * inter-workgroup waiting, so it runs on every WebGPU device. Per digit pass:
 *
 *   count    per-block digit histograms, digit-major    (sort_count.wgsl)
 *   scan     exclusive PrefixScan of those histograms   (scan.ts, in place)
 *   scatter  stable rank within the block, then write   (sort_scatter.wgsl)
 *
 * Passes ping-pong between the caller's buffers and two temporaries; after an odd number of passes
 * `copyBack` moves the result home. Memory traffic per pass: keys read by count and scatter (and
 * gathered once more by scatter from its block, which is then cache-resident), values read once,
 * both written once, and the histograms (1/8 of n words at 2048 keys a block) scanned.
 *
 * Designs: b0nes164/GPUSorting DeviceRadixSort (reduce-then-scan, 8-bit digits, 256 threads);
 * brush-sort (4-bit digits, count → scan → scatter); shared/docs/gaussians.md §5.
 */
import { GpuMemory } from '../gpu/memory';
import { beginComputePass, createComputePipeline, workgroupGrid } from '../gpu/pass';
import type { GpuTimer } from '../gpu/timing';
import { checkMaxCount, computeBindGroupLayout, countSourceBinding, pipelineLayout, sameCount, type ComputeBinding } from './bindings';
import { isGpuCount, type ElementCount } from './count';
import { PrefixScan } from './scan';
import type { SortBackend } from './sortBackend';
import './wgslIncludes';
import prepareSource from '../../shaders/primitives/sort_prepare.wgsl?raw';
import countSource from '../../shaders/primitives/sort_count.wgsl?raw';
import scatterSource from '../../shaders/primitives/sort_scatter.wgsl?raw';
import copySource from '../../shaders/primitives/sort_copy.wgsl?raw';

/**
 * Tunables, passed to the count and scatter kernels as `override`s. 2048-key blocks keep the
 * histogram scan at n/8 words; 64 invocations × 32 keys keep the scatter's workgroup memory at
 * ~11.3 KiB (under WebGPU's default 16 KiB limit) and low per invocation (see sort_scatter.wgsl).
 * The scatter kernel needs a power of two from 16 to 256 invocations, at most 32 keys per
 * invocation and at most 4096 keys per block.
 */
const WORKGROUP_SIZE = 64;
const KEYS_PER_THREAD = 32;
export const PORTABLE_SORT_BLOCK = WORKGROUP_SIZE * KEYS_PER_THREAD;
export const COPY_WORKGROUP_SIZE = 256;
export const RADIX = 256;
const DIGIT_BITS = 8;
const MAX_PASSES = 32 / DIGIT_BITS;

/** Byte offsets of struct SortControl (shaders/primitives/sort_control.wgsl). */
export const SortControlLayout = {
  count: 0,
  blockCount: 4,
  histogramCount: 8,
  blockGrid: 16,
  copyGrid: 32,
  byteSize: 48,
} as const;

/**
 * Struct PassParams entries, one per (pass, digit bits) at 256-byte strides so a pass selects its
 * entry with a dynamic uniform offset: entry pass * 8 + (digit bits − 1) = { shift, digit_mask }.
 * Shared with the serial back-end, which has the same 8-bit digit passes.
 */
export const PASS_PARAMS_STRIDE = 256;
const PASS_PARAMS_ENTRIES = MAX_PASSES * DIGIT_BITS;

/** Byte offset of the PassParams entry of digit pass `pass` of a sort by `bits` bits. */
export function passParamsOffset(pass: number, bits: number): number {
  const digitBits = Math.min(DIGIT_BITS, bits - pass * DIGIT_BITS);
  return (pass * DIGIT_BITS + digitBits - 1) * PASS_PARAMS_STRIDE;
}

/** The uniform buffer of every PassParams entry, labelled `${label}.passParams`. */
export function createPassParams(memory: GpuMemory, label: string): GPUBuffer {
  const words = new Uint32Array((PASS_PARAMS_ENTRIES * PASS_PARAMS_STRIDE) / 4);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    for (let digitBits = 1; digitBits <= DIGIT_BITS; digitBits++) {
      const word = ((pass * DIGIT_BITS + digitBits - 1) * PASS_PARAMS_STRIDE) / 4;
      words[word] = pass * DIGIT_BITS; // shift
      words[word + 1] = (1 << digitBits) - 1; // digit_mask
    }
  }
  return memory.createBufferWithData({ label: `${label}.passParams`, usage: GPUBufferUsage.UNIFORM }, words);
}

export interface PortableSortOptions {
  label: string;
  maxCount: number;
  /** See PrefixScanOptions.maxWorkgroupsPerDimension. */
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
  scatter: [GPUBindGroup, GPUBindGroup];
  copyBack: GPUBindGroup;
}

export class PortableSort implements SortBackend {
  readonly name = 'portable' as const;
  readonly label: string;
  readonly maxCount: number;
  private readonly device: GPUDevice;
  private readonly memory: GpuMemory;
  private readonly maxPerDimension: number;
  private readonly maxBlocks: number;

  private tempKeys: GPUBuffer | null;
  private tempValues: GPUBuffer | null;
  /** Digit-major per-block histograms, scanned in place into first output slots. */
  private blockHistograms: GPUBuffer | null;
  private control: GPUBuffer | null;
  private passParams: GPUBuffer | null;
  private scan: PrefixScan | null;

  private readonly layouts: Record<'prepare' | 'count' | 'scatter' | 'copyBack', GPUBindGroupLayout>;
  private readonly countPipeline: GPUComputePipeline;
  private readonly scatterPipeline: GPUComputePipeline;
  private readonly copyBackPipeline: GPUComputePipeline;
  private preparePipeline: GPUComputePipeline | null = null;

  private inputs: SortInputs | null = null;
  private bindGroups: SortBindGroups | null = null;
  /** Grids of the block kernels and of copyBack for a CPU count. */
  private hostGrids: { blocks: [number, number]; copyBack: [number, number] } | null = null;

  constructor(device: GPUDevice, options: PortableSortOptions) {
    checkMaxCount(device, `PortableSort '${options.label}'`, options.maxCount);
    this.device = device;
    this.memory = GpuMemory.of(device);
    this.label = options.label;
    this.maxCount = options.maxCount;
    this.maxPerDimension = options.maxWorkgroupsPerDimension ?? device.limits.maxComputeWorkgroupsPerDimension;
    this.maxBlocks = Math.max(1, Math.ceil(this.maxCount / PORTABLE_SORT_BLOCK));

    const elementBytes = Math.max(1, this.maxCount) * 4;
    this.tempKeys = this.memory.createBuffer({ label: `${this.label}.tempKeys`, size: elementBytes, usage: GPUBufferUsage.STORAGE });
    this.tempValues = this.memory.createBuffer({ label: `${this.label}.tempValues`, size: elementBytes, usage: GPUBufferUsage.STORAGE });
    this.blockHistograms = this.memory.createBuffer({
      label: `${this.label}.blockHistograms`,
      size: RADIX * this.maxBlocks * 4,
      usage: GPUBufferUsage.STORAGE,
    });
    this.control = this.memory.createBuffer({
      label: `${this.label}.control`,
      size: SortControlLayout.byteSize,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_DST,
    });
    this.passParams = createPassParams(this.memory, this.label);
    this.scan = new PrefixScan(device, {
      label: `${this.label}.scan`,
      maxCount: RADIX * this.maxBlocks,
      maxWorkgroupsPerDimension: options.maxWorkgroupsPerDimension,
    });

    const layout = (name: string, bindings: ComputeBinding[]) => computeBindGroupLayout(device, `${this.label}.${name}Layout`, bindings);
    this.layouts = {
      // count_source, control
      prepare: layout('prepare', ['read-only-storage', 'storage']),
      // keys, block_histograms, control, pass_params
      count: layout('count', ['read-only-storage', 'storage', 'read-only-storage', 'dynamic-uniform']),
      // keys_in, values_in, keys_out, values_out, block_offsets, control, pass_params
      scatter: layout('scatter', [
        'read-only-storage',
        'read-only-storage',
        'storage',
        'storage',
        'read-only-storage',
        'read-only-storage',
        'dynamic-uniform',
      ]),
      // source_keys, source_values, keys, values, control
      copyBack: layout('copyBack', ['read-only-storage', 'read-only-storage', 'storage', 'storage', 'read-only-storage']),
    };
    const blockConstants = { WORKGROUP_SIZE, KEYS_PER_THREAD };
    this.countPipeline = this.pipeline('countPipeline', countSource, this.layouts.count, blockConstants);
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
      this.scan!.setInputs(this.blockHistograms!, this.blockHistograms!, { buffer: this.control!, offset: SortControlLayout.histogramCount });
    } else {
      const blocks = Math.ceil(count / PORTABLE_SORT_BLOCK);
      this.hostGrids = {
        blocks: workgroupGrid(blocks, this.maxPerDimension),
        copyBack: workgroupGrid(Math.ceil(count / COPY_WORKGROUP_SIZE), this.maxPerDimension),
      };
      // count, block_count, histogram_count, unused (the grids are only read by indirect dispatch)
      this.device.queue.writeBuffer(this.control!, 0, new Uint32Array([count, blocks, RADIX * blocks, 0]));
      this.scan!.setInputs(this.blockHistograms!, this.blockHistograms!, RADIX * blocks);
    }
  }

  encode(encoder: GPUCommandEncoder, bits: number, timer?: GpuTimer): void {
    if (!this.inputs || !this.bindGroups) throw new Error(`PortableSort '${this.label}': encode() before setInputs() or after destroy()`);
    const { count } = this.inputs;
    const gpuCount = isGpuCount(count);
    // Zero or one key is sorted already.
    if (!gpuCount && count <= 1) return;
    const groups = this.bindGroups;
    const passes = Math.ceil(bits / DIGIT_BITS);
    for (let pass = 0; pass < passes; pass++) {
      const parity = pass % 2;
      const paramsOffset = [passParamsOffset(pass, bits)];

      let compute = beginComputePass(encoder, `${this.label}.count`, timer);
      if (gpuCount && pass === 0) {
        compute.setPipeline(this.preparePipeline!);
        compute.setBindGroup(0, groups.prepare!);
        compute.dispatchWorkgroups(1);
      }
      compute.setPipeline(this.countPipeline);
      compute.setBindGroup(0, groups.count[parity]!, paramsOffset);
      this.dispatch(compute, 'blocks');
      compute.end();

      this.scan!.encode(encoder, timer);

      compute = beginComputePass(encoder, `${this.label}.scatter`, timer);
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
    this.scan?.destroy();
    for (const buffer of [this.tempKeys, this.tempValues, this.blockHistograms, this.control, this.passParams]) this.memory.release(buffer);
    this.scan = this.tempKeys = this.tempValues = this.blockHistograms = this.control = this.passParams = null;
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
      // keys_in, values_in, keys_out, values_out, block_offsets, control, pass_params
      bindGroup(`scatterBindGroup${parity}`, this.layouts.scatter, [
        sources[parity],
        sourceValues[parity],
        sources[1 - parity]!,
        sourceValues[1 - parity]!,
        this.blockHistograms!,
        control,
        params,
      ]);

    let prepare: GPUBindGroup | null = null;
    if (isGpuCount(count)) {
      this.preparePipeline ??= this.pipeline('preparePipeline', prepareSource, this.layouts.prepare, {
        MAX_COUNT: this.maxCount,
        KEYS_PER_BLOCK: PORTABLE_SORT_BLOCK,
        COPY_WORKGROUP_SIZE,
        MAX_WORKGROUPS_PER_DIMENSION: this.maxPerDimension,
      });
      // count_source, control
      prepare = bindGroup('prepareBindGroup', this.layouts.prepare, [countSourceBinding(count), control]);
    }
    return {
      prepare,
      count: [countGroup(0), countGroup(1)],
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
