/**
 * What the portable and serial sort back-ends share: a stable LSD key-value sort of u32 keys in
 * 8-bit digit passes over fixed-size blocks of keys, ping-ponging between the caller's buffers and
 * two temporaries, with digit-major per-block histograms. This base owns those buffers, the
 * SortControl block (count, block count and the grids of indirect dispatches, which the prepare
 * kernel fills from a GPU count), the PassParams uniform, the per-block count kernel's bind groups
 * and the copy back into the caller's buffers after an odd number of passes. A back-end adds how a
 * pass ranks and scatters (`encodePass`) and the bind groups that needs (`createPassGroups`).
 */
import { GpuMemory } from '../gpu/memory';
import { beginComputePass, createComputePipeline, workgroupGrid } from '../gpu/pass';
import type { GpuTimer } from '../gpu/timing';
import { checkMaxCount, computeBindGroupLayout, countSourceBinding, pipelineLayout, sameCount, type ComputeBinding } from './bindings';
import { isGpuCount, type ElementCount } from './count';
import type { SortBackend, SortBackendName } from './sortBackend';
import './wgslIncludes';
import prepareSource from '../../shaders/primitives/sort_prepare.wgsl?raw';
import copySource from '../../shaders/primitives/sort_copy.wgsl?raw';

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
 */
export const PASS_PARAMS_STRIDE = 256;
const PASS_PARAMS_ENTRIES = MAX_PASSES * DIGIT_BITS;

/** Byte offset of the PassParams entry of digit pass `pass` of a sort by `bits` bits. */
export function passParamsOffset(pass: number, bits: number): number {
  const digitBits = Math.min(DIGIT_BITS, bits - pass * DIGIT_BITS);
  return (pass * DIGIT_BITS + digitBits - 1) * PASS_PARAMS_STRIDE;
}

function createPassParams(memory: GpuMemory, label: string): GPUBuffer {
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

export interface BlockSortOptions {
  label: string;
  maxCount: number;
  /** Workgroups per grid dimension before a dispatch spills into y (tests lower it). */
  maxWorkgroupsPerDimension?: number;
}

/** How a back-end cuts the keys: `blockKeys` keys per block, `blocksPerWorkgroup` blocks per workgroup of its block kernels. */
export interface BlockShape {
  /** The back-end's class name, for messages (minified builds rename classes). */
  owner: string;
  blockKeys: number;
  blocksPerWorkgroup: number;
}

export interface SortInputs {
  keys: GPUBuffer;
  values: GPUBuffer;
  count: ElementCount;
}

/** Per pass parity: even passes read the caller's buffers and write the temporaries, odd passes the reverse. */
export interface PassBuffers {
  keysIn: GPUBuffer;
  valuesIn: GPUBuffer;
  keysOut: GPUBuffer;
  valuesOut: GPUBuffer;
}

interface SharedBindGroups {
  prepare: GPUBindGroup | null;
  count: [GPUBindGroup, GPUBindGroup];
  copyBack: GPUBindGroup;
}

export abstract class BlockSort<PassGroups> implements SortBackend {
  abstract readonly name: SortBackendName;
  readonly label: string;
  readonly maxCount: number;
  protected readonly device: GPUDevice;
  protected readonly memory: GpuMemory;
  protected readonly maxPerDimension: number;
  protected readonly maxBlocks: number;

  protected tempKeys: GPUBuffer | null;
  protected tempValues: GPUBuffer | null;
  /** Digit-major per-block histograms, scanned into each block's first output slot per digit. */
  protected blockHistograms: GPUBuffer | null;
  protected control: GPUBuffer | null;
  protected passParams: GPUBuffer | null;

  private readonly prepareLayout: GPUBindGroupLayout;
  private readonly countLayout: GPUBindGroupLayout;
  private readonly copyBackLayout: GPUBindGroupLayout;
  private readonly countPipeline: GPUComputePipeline;
  private readonly copyBackPipeline: GPUComputePipeline;
  private preparePipeline: GPUComputePipeline | null = null;

  protected inputs: SortInputs | null = null;
  private shared: SharedBindGroups | null = null;
  protected passGroups: PassGroups | null = null;
  /** Grids of the block kernels and of copyBack for a CPU count. */
  private hostGrids: { blocks: [number, number]; copyBack: [number, number] } | null = null;

  protected constructor(
    device: GPUDevice,
    options: BlockSortOptions,
    private readonly shape: BlockShape,
    count: { code: string; constants: Record<string, number> },
  ) {
    checkMaxCount(device, `${shape.owner} '${options.label}'`, options.maxCount);
    this.device = device;
    this.memory = GpuMemory.of(device);
    this.label = options.label;
    this.maxCount = options.maxCount;
    this.maxPerDimension = options.maxWorkgroupsPerDimension ?? device.limits.maxComputeWorkgroupsPerDimension;
    this.maxBlocks = Math.max(1, Math.ceil(this.maxCount / shape.blockKeys));

    const elementBytes = Math.max(1, this.maxCount) * 4;
    const storage = (field: string, size: number, extra = 0) =>
      this.memory.createBuffer({ label: `${this.label}.${field}`, size, usage: GPUBufferUsage.STORAGE | extra });
    this.tempKeys = storage('tempKeys', elementBytes);
    this.tempValues = storage('tempValues', elementBytes);
    this.blockHistograms = storage('blockHistograms', RADIX * this.maxBlocks * 4);
    this.control = storage('control', SortControlLayout.byteSize, GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_DST);
    this.passParams = createPassParams(this.memory, this.label);

    // count_source, control
    this.prepareLayout = this.layout('prepare', ['read-only-storage', 'storage']);
    // keys, block_histograms, control, pass_params
    this.countLayout = this.layout('count', ['read-only-storage', 'storage', 'read-only-storage', 'dynamic-uniform']);
    // source_keys, source_values, keys, values, control
    this.copyBackLayout = this.layout('copyBack', ['read-only-storage', 'read-only-storage', 'storage', 'storage', 'read-only-storage']);
    this.countPipeline = this.pipeline('countPipeline', count.code, this.countLayout, count.constants);
    this.copyBackPipeline = this.pipeline('copyBackPipeline', copySource, this.copyBackLayout, { WORKGROUP_SIZE: COPY_WORKGROUP_SIZE });
  }

  /** Expects inputs checked by RadixSort (usage, sizes, count range). */
  setInputs(keys: GPUBuffer, values: GPUBuffer, count: ElementCount): void {
    const old = this.inputs;
    const sameBuffers = old?.keys === keys && old?.values === values;
    if (old && sameBuffers && sameCount(old.count, count)) return;
    // Bind groups depend on the buffers and on where a GPU count lives, not on a CPU count's value.
    const bindGroupsValid = old !== null && sameBuffers && !isGpuCount(old.count) && !isGpuCount(count);
    this.inputs = { keys, values, count };
    if (!bindGroupsValid) {
      this.shared = this.createSharedGroups(this.inputs);
      this.passGroups = this.createPassGroups([this.passBuffers(0), this.passBuffers(1)]);
    }
    if (isGpuCount(count)) {
      this.hostGrids = null;
    } else {
      const blocks = Math.ceil(count / this.shape.blockKeys);
      this.hostGrids = {
        blocks: workgroupGrid(Math.ceil(blocks / this.shape.blocksPerWorkgroup), this.maxPerDimension),
        copyBack: workgroupGrid(Math.ceil(count / COPY_WORKGROUP_SIZE), this.maxPerDimension),
      };
      // count, block_count, histogram_count, unused (the grids are only read by indirect dispatch)
      this.device.queue.writeBuffer(this.control!, 0, new Uint32Array([count, blocks, RADIX * blocks, 0]));
    }
    this.afterInputs(count);
  }

  encode(encoder: GPUCommandEncoder, bits: number, timer?: GpuTimer): void {
    if (!this.inputs || !this.shared || !this.passGroups) throw new Error(`${this.shape.owner} '${this.label}': encode() before setInputs() or after destroy()`);
    const gpuCount = isGpuCount(this.inputs.count);
    // Zero or one key is sorted already.
    if (!gpuCount && (this.inputs.count as number) <= 1) return;
    const passes = Math.ceil(bits / DIGIT_BITS);
    for (let pass = 0; pass < passes; pass++) this.encodePass(encoder, pass, [passParamsOffset(pass, bits)], gpuCount && pass === 0, timer);
    if (passes % 2 === 1) {
      const compute = beginComputePass(encoder, `${this.label}.copyBack`, timer);
      compute.setPipeline(this.copyBackPipeline);
      compute.setBindGroup(0, this.shared.copyBack);
      this.dispatch(compute, 'copyBack');
      compute.end();
    }
  }

  destroy(): void {
    for (const buffer of [this.tempKeys, this.tempValues, this.blockHistograms, this.control, this.passParams]) this.memory.release(buffer);
    this.tempKeys = this.tempValues = this.blockHistograms = this.control = this.passParams = null;
    this.inputs = null;
    this.shared = null;
    this.passGroups = null;
  }

  /** Hook after new inputs (the portable sort points its histogram scan at the new count). */
  protected afterInputs(_count: ElementCount): void {}

  /** Bind groups of the back-end's own kernels, indexed by pass parity where they read keys. */
  protected abstract createPassGroups(buffers: [PassBuffers, PassBuffers]): PassGroups;

  /**
   * Encodes digit pass `pass` (dynamic offset `paramsOffset` selects its PassParams). A back-end
   * starts its compute pass(es) with `encodeCount`, which runs the prepare kernel first when
   * `prepareFirst` (GPU count, first pass).
   */
  protected abstract encodePass(encoder: GPUCommandEncoder, pass: number, paramsOffset: number[], prepareFirst: boolean, timer?: GpuTimer): void;

  /** The prepare kernel when asked, then the per-block digit count of pass parity `pass % 2`. */
  protected encodeCount(compute: GPUComputePassEncoder, pass: number, paramsOffset: number[], prepareFirst: boolean): void {
    if (prepareFirst) {
      compute.setPipeline(this.preparePipeline!);
      compute.setBindGroup(0, this.shared!.prepare!);
      compute.dispatchWorkgroups(1);
    }
    compute.setPipeline(this.countPipeline);
    compute.setBindGroup(0, this.shared!.count[pass % 2]!, paramsOffset);
    this.dispatch(compute, 'blocks');
  }

  /** Dispatches a block kernel (or copyBack) over the count's grid: from the host, or indirect from SortControl. */
  protected dispatch(compute: GPUComputePassEncoder, kernel: 'blocks' | 'copyBack'): void {
    if (this.hostGrids) {
      const [x, y] = this.hostGrids[kernel];
      compute.dispatchWorkgroups(x, y);
    } else {
      const offset = kernel === 'blocks' ? SortControlLayout.blockGrid : SortControlLayout.copyGrid;
      compute.dispatchWorkgroupsIndirect(this.control!, offset);
    }
  }

  protected layout(name: string, bindings: ComputeBinding[]): GPUBindGroupLayout {
    return computeBindGroupLayout(this.device, `${this.label}.${name}Layout`, bindings);
  }

  protected pipeline(name: string, code: string, layout: GPUBindGroupLayout, constants: Record<string, number>): GPUComputePipeline {
    const label = `${this.label}.${name}`;
    return createComputePipeline(this.device, { label, code, constants, layout: pipelineLayout(this.device, `${label}.layout`, layout) });
  }

  protected bindGroup(name: string, layout: GPUBindGroupLayout, resources: Array<GPUBuffer | GPUBufferBinding>): GPUBindGroup {
    return this.device.createBindGroup({
      label: `${this.label}.${name}`,
      layout,
      entries: resources.map((r, binding) => ({ binding, resource: 'buffer' in r ? r : { buffer: r } })),
    });
  }

  /** The PassParams binding; its dynamic offset picks the pass. */
  protected passParamsBinding(): GPUBufferBinding {
    return { buffer: this.passParams!, offset: 0, size: 16 };
  }

  private passBuffers(parity: 0 | 1): PassBuffers {
    const { keys, values } = this.inputs!;
    const callers = { keys, values };
    const temps = { keys: this.tempKeys!, values: this.tempValues! };
    const [from, to] = parity === 0 ? [callers, temps] : [temps, callers];
    return { keysIn: from.keys, valuesIn: from.values, keysOut: to.keys, valuesOut: to.values };
  }

  private createSharedGroups({ keys, values, count }: SortInputs): SharedBindGroups {
    const control = this.control!;
    const countGroup = (parity: 0 | 1) =>
      // keys, block_histograms, control, pass_params
      this.bindGroup(`countBindGroup${parity}`, this.countLayout, [this.passBuffers(parity).keysIn, this.blockHistograms!, control, this.passParamsBinding()]);
    let prepare: GPUBindGroup | null = null;
    if (isGpuCount(count)) {
      this.preparePipeline ??= this.pipeline('preparePipeline', prepareSource, this.prepareLayout, {
        MAX_COUNT: this.maxCount,
        KEYS_PER_BLOCK: this.shape.blockKeys,
        BLOCKS_PER_WORKGROUP: this.shape.blocksPerWorkgroup,
        COPY_WORKGROUP_SIZE,
        MAX_WORKGROUPS_PER_DIMENSION: this.maxPerDimension,
      });
      // count_source, control
      prepare = this.bindGroup('prepareBindGroup', this.prepareLayout, [countSourceBinding(count), control]);
    }
    return {
      prepare,
      count: [countGroup(0), countGroup(1)],
      // source_keys, source_values, keys, values, control
      copyBack: this.bindGroup('copyBackBindGroup', this.copyBackLayout, [this.tempKeys!, this.tempValues!, keys, values, control]),
    };
  }
}
