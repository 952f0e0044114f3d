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
 * The buffers, control block, pass parameters, GPU-count prepare kernel and copy back are the
 * portable sort's (BlockSort in blockSort.ts), with a block of SERIAL_SORT_BLOCK keys per thread.
 */
import { beginComputePass } from '../gpu/pass';
import type { GpuTimer } from '../gpu/timing';
import { BlockSort, RADIX, type BlockSortOptions, type PassBuffers } from './blockSort';
import './wgslIncludes';
import countSource from '../../shaders/primitives/serial_sort_count.wgsl?raw';
import scanSource from '../../shaders/primitives/serial_sort_scan.wgsl?raw';
import scatterSource from '../../shaders/primitives/serial_sort_scatter.wgsl?raw';

/** Keys each thread sorts: long enough serial runs that the per-block histograms stay small (n / 4 words). */
export const SERIAL_SORT_BLOCK = 1024;
/**
 * Threads per workgroup: one 4-lane SIMD group on SwiftShader, so even ~10 blocks spread over the
 * CPU's worker threads (a device schedules whole workgroups).
 */
const WORKGROUP_SIZE = 4;

export type SerialSortOptions = BlockSortOptions;

interface SerialPassGroups {
  scan: GPUBindGroup;
  /** Indexed by pass parity. */
  scatter: [GPUBindGroup, GPUBindGroup];
}

export class SerialSort extends BlockSort<SerialPassGroups> {
  readonly name = 'serial' as const;
  /** Keys per digit in this pass. */
  private digitTotals: GPUBuffer | null;
  private readonly scanLayout: GPUBindGroupLayout;
  private readonly scatterLayout: GPUBindGroupLayout;
  private readonly scanPipeline: GPUComputePipeline;
  private readonly scatterPipeline: GPUComputePipeline;

  constructor(device: GPUDevice, options: SerialSortOptions) {
    const blockConstants = { WORKGROUP_SIZE, BLOCK_KEYS: SERIAL_SORT_BLOCK };
    super(device, options, { owner: 'SerialSort', blockKeys: SERIAL_SORT_BLOCK, blocksPerWorkgroup: WORKGROUP_SIZE }, { code: countSource, constants: blockConstants });
    this.digitTotals = this.memory.createBuffer({ label: `${this.label}.digitTotals`, size: RADIX * 4, usage: GPUBufferUsage.STORAGE });
    // block_histograms, digit_totals, control, pass_params
    this.scanLayout = this.layout('scan', ['storage', 'storage', 'read-only-storage', 'dynamic-uniform']);
    // keys_in, values_in, keys_out, values_out, block_histograms, digit_totals, control, pass_params
    this.scatterLayout = this.layout('scatter', [
      'read-only-storage',
      'read-only-storage',
      'storage',
      'storage',
      'read-only-storage',
      'read-only-storage',
      'read-only-storage',
      'dynamic-uniform',
    ]);
    this.scanPipeline = this.pipeline('scanPipeline', scanSource, this.scanLayout, blockConstants);
    this.scatterPipeline = this.pipeline('scatterPipeline', scatterSource, this.scatterLayout, blockConstants);
  }

  override destroy(): void {
    this.memory.release(this.digitTotals);
    this.digitTotals = null;
    super.destroy();
  }

  protected createPassGroups(buffers: [PassBuffers, PassBuffers]): SerialPassGroups {
    const scatterGroup = (parity: 0 | 1) => {
      const b = buffers[parity];
      // keys_in, values_in, keys_out, values_out, block_histograms, digit_totals, control, pass_params
      return this.bindGroup(`scatterBindGroup${parity}`, this.scatterLayout, [
        b.keysIn,
        b.valuesIn,
        b.keysOut,
        b.valuesOut,
        this.blockHistograms!,
        this.digitTotals!,
        this.control!,
        this.passParamsBinding(),
      ]);
    };
    return {
      // block_histograms, digit_totals, control, pass_params
      scan: this.bindGroup('scanBindGroup', this.scanLayout, [this.blockHistograms!, this.digitTotals!, this.control!, this.passParamsBinding()]),
      scatter: [scatterGroup(0), scatterGroup(1)],
    };
  }

  protected encodePass(encoder: GPUCommandEncoder, pass: number, paramsOffset: number[], prepareFirst: boolean, timer?: GpuTimer): void {
    const groups = this.passGroups!;
    const compute = beginComputePass(encoder, `${this.label}.pass${pass}`, timer);
    this.encodeCount(compute, pass, paramsOffset, prepareFirst);
    compute.setPipeline(this.scanPipeline);
    compute.setBindGroup(0, groups.scan, paramsOffset);
    compute.dispatchWorkgroups(RADIX / WORKGROUP_SIZE);
    compute.setPipeline(this.scatterPipeline);
    compute.setBindGroup(0, groups.scatter[pass % 2]!, paramsOffset);
    this.dispatch(compute, 'blocks');
    compute.end();
  }
}
