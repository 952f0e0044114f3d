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
import { beginComputePass } from '../gpu/pass';
import type { GpuTimer } from '../gpu/timing';
import { BlockSort, RADIX, SortControlLayout, type BlockSortOptions, type PassBuffers } from './blockSort';
import { isGpuCount, type ElementCount } from './count';
import { PrefixScan } from './scan';
import './wgslIncludes';
import countSource from '../../shaders/primitives/sort_count.wgsl?raw';
import scatterSource from '../../shaders/primitives/sort_scatter.wgsl?raw';

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

export type PortableSortOptions = BlockSortOptions;

/** Indexed by pass parity. */
type ScatterGroups = [GPUBindGroup, GPUBindGroup];

export class PortableSort extends BlockSort<ScatterGroups> {
  readonly name = 'portable' as const;
  private scan: PrefixScan | null;
  private readonly scatterLayout: GPUBindGroupLayout;
  private readonly scatterPipeline: GPUComputePipeline;

  constructor(device: GPUDevice, options: PortableSortOptions) {
    const blockConstants = { WORKGROUP_SIZE, KEYS_PER_THREAD };
    super(device, options, { owner: 'PortableSort', blockKeys: PORTABLE_SORT_BLOCK, blocksPerWorkgroup: 1 }, { code: countSource, constants: blockConstants });
    this.scan = new PrefixScan(device, {
      label: `${this.label}.scan`,
      maxCount: RADIX * this.maxBlocks,
      maxWorkgroupsPerDimension: options.maxWorkgroupsPerDimension,
    });
    // keys_in, values_in, keys_out, values_out, block_offsets, control, pass_params
    this.scatterLayout = this.layout('scatter', [
      'read-only-storage',
      'read-only-storage',
      'storage',
      'storage',
      'read-only-storage',
      'read-only-storage',
      'dynamic-uniform',
    ]);
    this.scatterPipeline = this.pipeline('scatterPipeline', scatterSource, this.scatterLayout, blockConstants);
  }

  override destroy(): void {
    this.scan?.destroy();
    this.scan = null;
    super.destroy();
  }

  protected override afterInputs(count: ElementCount): void {
    if (isGpuCount(count)) {
      this.scan!.setInputs(this.blockHistograms!, this.blockHistograms!, { buffer: this.control!, offset: SortControlLayout.histogramCount });
    } else {
      this.scan!.setInputs(this.blockHistograms!, this.blockHistograms!, RADIX * Math.ceil(count / PORTABLE_SORT_BLOCK));
    }
  }

  protected createPassGroups(buffers: [PassBuffers, PassBuffers]): ScatterGroups {
    const scatterGroup = (parity: 0 | 1) => {
      const b = buffers[parity];
      // keys_in, values_in, keys_out, values_out, block_offsets, control, pass_params
      return this.bindGroup(`scatterBindGroup${parity}`, this.scatterLayout, [
        b.keysIn,
        b.valuesIn,
        b.keysOut,
        b.valuesOut,
        this.blockHistograms!,
        this.control!,
        this.passParamsBinding(),
      ]);
    };
    return [scatterGroup(0), scatterGroup(1)];
  }

  protected encodePass(encoder: GPUCommandEncoder, pass: number, paramsOffset: number[], prepareFirst: boolean, timer?: GpuTimer): void {
    let compute = beginComputePass(encoder, `${this.label}.count`, timer);
    this.encodeCount(compute, pass, paramsOffset, prepareFirst);
    compute.end();

    this.scan!.encode(encoder, timer);

    compute = beginComputePass(encoder, `${this.label}.scatter`, timer);
    compute.setPipeline(this.scatterPipeline);
    compute.setBindGroup(0, this.passGroups![pass % 2]!, paramsOffset);
    this.dispatch(compute, 'blocks');
    compute.end();
  }
}
