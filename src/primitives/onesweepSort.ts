/**
 * Onesweep back-end of the radix sort (Adinets & Merrill 2022): a stable LSD key-value sort of u32
 * keys with u32 values in 8-bit digit passes, each pass a single dispatch that reads and writes
 * every key once (~2n memory operations per pass, against ~3n for reduce-then-scan).
 *
 *   setup → histogram (all passes in one read) → scan → binning × ceil(bits / 8) → [copy back]
 *
 * Only devices with `subgroups` can run it (`onesweepSupported`). The look-back between partitions
 * never waits on another workgroup being scheduled: a stalled predecessor's digit counts are
 * recomputed from its keys (decoupled fallback), so it cannot hang where WebGPU gives no
 * inter-workgroup forward progress (Apple, mobile, SwiftShader).
 *
 * Contract, identical to the portable back-end:
 * - only the low `bits` bits of a key are sorted on; higher bits are ignored and kept as they are;
 * - keys and values end in the caller's buffers; elements past the count are not touched;
 * - a GPU count (`{buffer, offset}`) is read on the GPU only, clamped to `maxCount` and to the
 *   bound key and value lengths; a CPU count is uploaded by `setInputs` (queue.writeBuffer), so it
 *   applies to every sort submitted after that call.
 */
import { GpuMemory } from '../gpu/memory';
import { beginComputePass, bufferEntries, createComputePipeline } from '../gpu/pass';
import type { GpuTimer } from '../gpu/timing';
import { registerWgslInclude } from '../gpu/wgsl';
import binningSource from '../../shaders/primitives/onesweep_binning.wgsl?raw';
import commonSource from '../../shaders/primitives/onesweep_common.wgsl?raw';
import copySource from '../../shaders/primitives/onesweep_copy.wgsl?raw';
import histogramSource from '../../shaders/primitives/onesweep_histogram.wgsl?raw';
import scanSource from '../../shaders/primitives/onesweep_scan.wgsl?raw';
import setupSource from '../../shaders/primitives/onesweep_setup.wgsl?raw';
import { isGpuCount, type ElementCount } from './count';
import type { SortBackend } from './sortBackend';

/** Sizes shared by this file and the kernels; the WGSL gets them from the "onesweep_layout" include. */
export const onesweepLayout = {
  radix: 256,
  digitBits: 8,
  maxDigitPasses: 4,
  /** DigitBinning keys per workgroup: 256 invocations × 15, or 64 × 60 (SMALL_WORKGROUP). */
  partitionSize: 3840,
  /** Subgroup digit histograms DigitBinning ranks into at once (more subgroups go in waves). */
  slotCount: 16,
  /** GlobalHistogram keys per workgroup. */
  histogramPartitionSize: 8192,
  /** CopyBack keys per workgroup. */
  copyPartitionSize: 1024,
} as const;

/** Word indices of the `info` buffer, written by Setup; the *Args are indirect dispatch triples. */
const INFO = {
  count: 0, // elements sorted: min(requested, maxCount, key and value capacity)
  partitions: 1, // DigitBinning partitions: ceil(count / partitionSize)
  histogramWorkgroups: 2, // ceil(count / histogramPartitionSize)
  histogramArgs: 4, // 4..6: GlobalHistogram grid (x, y, 1)
  binningArgs: 8, // 8..10: DigitBinning grid
  copyArgs: 12, // 12..14: CopyBack grid
  words: 16,
} as const;

/** Word indices of the `counters` buffer, zeroed by Setup. */
const COUNTERS = {
  histograms: 0, // [pass * 256 + digit]: global digit counts of each pass
  bump: onesweepLayout.maxDigitPasses * onesweepLayout.radix, // [pass]: next DigitBinning partition id
  words: onesweepLayout.maxDigitPasses * onesweepLayout.radix + onesweepLayout.maxDigitPasses,
} as const;

/** The PassParams uniform, one u32 per field in this order (the WGSL struct is generated from it). */
const PASS_PARAMS_FIELDS = [
  ['shift', 'lowest key bit of this pass\'s digit: 8 * pass_index'],
  ['digit_mask', 'mask applied after the shift: 0xff, or fewer bits in the last pass'],
  ['digit_bits', 'significant bits of this pass\'s digit: popcount(digit_mask)'],
  ['pass_index', 'digit pass 0..pass_count-1: its look-back segment and bump counter'],
  ['pass_count', 'ceil(bits / 8)'],
  ['last_digit_mask', 'digit_mask of the last pass (GlobalHistogram counts every pass)'],
] as const;
const PASS_PARAMS_BYTES = 32; // 6 words, padded to 16 bytes

/** Flags in the low 2 bits of a look-back word; the count is the upper 30 bits. */
const FLAGS = { notReady: 0, reduction: 1, inclusive: 2 } as const;
/** Counts travel in 30 bits of a look-back word. */
const MAX_SORTABLE = 2 ** 30 - 1;

const LAYOUT_WGSL = [
  '// Generated from onesweepLayout in src/primitives/onesweepSort.ts (include "onesweep_layout").',
  `const RADIX = ${onesweepLayout.radix}u;`,
  `const DIGIT_BITS = ${onesweepLayout.digitBits}u;`,
  `const MAX_DIGIT_PASSES = ${onesweepLayout.maxDigitPasses}u;`,
  `const PARTITION_SIZE = ${onesweepLayout.partitionSize}u;`,
  `const SLOT_COUNT = ${onesweepLayout.slotCount}u;`,
  `const HISTOGRAM_PARTITION_SIZE = ${onesweepLayout.histogramPartitionSize}u;`,
  `const COPY_PARTITION_SIZE = ${onesweepLayout.copyPartitionSize}u;`,
  ...Object.entries(INFO).map(([k, v]) => `const INFO_${snake(k)} = ${v}u;`),
  ...Object.entries(COUNTERS).map(([k, v]) => `const COUNTERS_${snake(k)} = ${v}u;`),
  ...Object.entries(FLAGS).map(([k, v]) => `const FLAG_${snake(k)} = ${v}u;`),
  'const FLAG_MASK = 3u;',
  'struct PassParams {',
  ...PASS_PARAMS_FIELDS.map(([name, doc]) => `  ${name}: u32, // ${doc}`),
  '}',
].join('\n');

function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

registerWgslInclude('onesweep_layout', LAYOUT_WGSL);
registerWgslInclude('onesweep_common', commonSource);

/**
 * Workgroup memory of DigitBinning, the largest of the kernels: the variables declared in
 * onesweep_binning.wgsl, each rounded to 16 bytes.
 */
const BINNING_WORKGROUP_BYTES = (() => {
  const { radix, slotCount, partitionSize } = onesweepLayout;
  const round16 = (bytes: number) => Math.ceil(bytes / 16) * 16;
  const words = [
    Math.max(slotCount * radix, partitionSize), // scratch
    1, // wg_registration
    2, // wg_partition
    256 / 4, // wg_subgroup_sums, 256-invocation shape
    radix, // wg_digit_offset
    radix, // wg_fallback_counts
    1, // wg_stall_vote
    1, // wg_stall_slot
  ];
  return words.reduce((sum, w) => sum + round16(w * 4), 0);
})();
/** Storage buffers bound by DigitBinning, the most of any stage. */
const BINNING_STORAGE_BUFFERS = 7;

/** Why the device cannot run Onesweep, or null when it can. */
function unsupportedReason(device: GPUDevice): string | null {
  const limits = device.limits;
  if (!device.features.has('subgroups')) return 'the device lacks the "subgroups" feature';
  if (limits.maxComputeWorkgroupStorageSize < BINNING_WORKGROUP_BYTES) {
    return `maxComputeWorkgroupStorageSize is ${limits.maxComputeWorkgroupStorageSize}, below the ${BINNING_WORKGROUP_BYTES} bytes DigitBinning needs`;
  }
  if (limits.maxComputeInvocationsPerWorkgroup < onesweepLayout.radix || limits.maxComputeWorkgroupSizeX < onesweepLayout.radix) {
    return `workgroups of ${onesweepLayout.radix} invocations are not allowed`;
  }
  if (limits.maxStorageBuffersPerShaderStage < BINNING_STORAGE_BUFFERS) {
    return `maxStorageBuffersPerShaderStage is ${limits.maxStorageBuffersPerShaderStage}, below ${BINNING_STORAGE_BUFFERS}`;
  }
  return null;
}

/** True when the device has `subgroups` and the limits the Onesweep kernels need. */
export function onesweepSupported(device: GPUDevice): boolean {
  return unsupportedReason(device) === null;
}

export interface OnesweepSortOptions {
  /** Owner prefix of buffer labels and pass names. */
  label: string;
  /** Largest count ever sorted; sizes the temporaries and look-back slots. */
  maxCount: number;
  /** Tests only: every look-back step recomputes the predecessor's counts (the fallback path). */
  forceLookbackFallback?: boolean;
  /** Tests only: split dispatches as if the device allowed this many workgroups per grid dimension. */
  maxWorkgroupsPerDimension?: number;
  /**
   * Tests only: DigitBinning's invocations per workgroup, otherwise 64 when the device's subgroups
   * are at most 8 wide (SwiftShader) and 256 elsewhere. Both shapes are correct everywhere.
   */
  binningWorkgroupSize?: 64 | 256;
  /** Tests only: four-word ballot masks (for subgroups wider than 32) even where one word would do. */
  wideLaneMasks?: boolean;
}

type BindingKind = 'params' | 'read' | 'write';

interface Inputs {
  keys: GPUBuffer;
  values: GPUBuffer;
  /** The count's binding: the caller's buffer cut to end at the count word, or our own `cpuCount`. */
  count: GPUBufferBinding;
  /** The CPU count, when it was given on the CPU. */
  cpuCount: number | null;
}

interface BindGroups {
  setup: GPUBindGroup;
  histogram: GPUBindGroup;
  scan: GPUBindGroup;
  /** [0]: caller's buffers → temporaries (even passes); [1]: back (odd passes). */
  binning: [GPUBindGroup, GPUBindGroup];
  copy: GPUBindGroup;
}

export class OnesweepSort implements SortBackend {
  readonly name = 'onesweep' as const;
  readonly maxCount: number;

  private readonly device: GPUDevice;
  private readonly memory: GpuMemory;
  private readonly label: string;
  private readonly paramsStride: number;
  private readonly layouts: Record<keyof BindGroups, GPUBindGroupLayout>;
  private readonly pipelines: Record<keyof BindGroups, GPUComputePipeline>;

  private altKeys: GPUBuffer | null;
  private altValues: GPUBuffer | null;
  /** Look-back words: room for maxDigitPasses segments of (partitions + 1) × 256. */
  private passHist: GPUBuffer | null;
  private counters: GPUBuffer | null;
  private info: GPUBuffer | null;
  /** PassParams for every (bits, pass): entry ((bits - 1) * 4 + pass) at a dynamic offset. */
  private params: GPUBuffer | null;
  /** Holds a count given on the CPU, so both kinds of count run the same GPU path. */
  private cpuCount: GPUBuffer | null;

  private inputs: Inputs | null = null;
  private bindGroups: BindGroups | null = null;

  constructor(device: GPUDevice, options: OnesweepSortOptions) {
    const reason = unsupportedReason(device);
    if (reason) throw new Error(`OnesweepSort cannot run on this device: ${reason}; use the portable sort`);
    const { maxCount } = options;
    if (!Number.isInteger(maxCount) || maxCount < 0 || maxCount > MAX_SORTABLE) {
      throw new Error(`OnesweepSort: maxCount must be an integer in 0..${MAX_SORTABLE} (counts travel in 30 bits), got ${maxCount}`);
    }
    this.device = device;
    this.memory = GpuMemory.of(device);
    this.label = options.label;
    this.maxCount = maxCount;
    this.paramsStride = Math.max(device.limits.minUniformBufferOffsetAlignment, PASS_PARAMS_BYTES);

    const { radix, partitionSize, maxDigitPasses } = onesweepLayout;
    const maxPartitions = Math.max(1, Math.ceil(maxCount / partitionSize));
    const passHistBytes = maxDigitPasses * (maxPartitions + 1) * radix * 4;
    const elementBytes = Math.max(4, maxCount * 4);
    const maxBinding = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    if (Math.max(passHistBytes, elementBytes) > maxBinding) {
      throw new Error(`OnesweepSort: maxCount ${maxCount} needs ${Math.max(passHistBytes, elementBytes)}-byte buffers, above the device's ${maxBinding}`);
    }

    const label = this.label;
    const storage = GPUBufferUsage.STORAGE;
    this.altKeys = this.memory.createBuffer({ label: `${label}.altKeys`, size: elementBytes, usage: storage });
    this.altValues = this.memory.createBuffer({ label: `${label}.altValues`, size: elementBytes, usage: storage });
    this.passHist = this.memory.createBuffer({ label: `${label}.passHist`, size: passHistBytes, usage: storage });
    this.counters = this.memory.createBuffer({ label: `${label}.counters`, size: COUNTERS.words * 4, usage: storage });
    this.info = this.memory.createBuffer({ label: `${label}.info`, size: INFO.words * 4, usage: storage | GPUBufferUsage.INDIRECT });
    this.cpuCount = this.memory.createBuffer({ label: `${label}.cpuCount`, size: 4, usage: storage | GPUBufferUsage.COPY_DST });
    this.params = this.memory.createBufferWithData({ label: `${label}.params`, usage: GPUBufferUsage.UNIFORM }, this.passParamsTable());

    const layout = (name: string, kinds: BindingKind[]) =>
      device.createBindGroupLayout({
        label: `${label}.${name}Layout`,
        entries: kinds.map((kind, binding) => ({
          binding,
          visibility: GPUShaderStage.COMPUTE,
          buffer:
            kind === 'params'
              ? { type: 'uniform', hasDynamicOffset: true, minBindingSize: PASS_PARAMS_BYTES }
              : { type: kind === 'read' ? 'read-only-storage' : 'storage' },
        })),
      });
    // One kind per WGSL binding, in binding order.
    this.layouts = {
      setup: layout('setup', ['read', 'read', 'read', 'write', 'write']),
      histogram: layout('histogram', ['params', 'read', 'read', 'write', 'write']),
      scan: layout('scan', ['read', 'read', 'write']),
      binning: layout('binning', ['params', 'read', 'read', 'read', 'write', 'write', 'write', 'write']),
      copy: layout('copy', ['read', 'read', 'read', 'write', 'write']),
    };

    const maxPerDimension = options.maxWorkgroupsPerDimension ?? device.limits.maxComputeWorkgroupsPerDimension;
    // Lane masks need all four ballot words only when the device may use subgroups wider than 32;
    // with subgroups of at most 8, the 64-invocation shape ranks in one wave (see the kernel).
    const subgroupMaxSize = (device.adapterInfo as GPUAdapterInfo | undefined)?.subgroupMaxSize;
    const wide = options.wideLaneMasks ?? !(subgroupMaxSize !== undefined && subgroupMaxSize <= 32);
    const binningDefines = wide ? ['WIDE_SUBGROUPS'] : [];
    const smallWorkgroup = options.binningWorkgroupSize ? options.binningWorkgroupSize === 64 : subgroupMaxSize !== undefined && subgroupMaxSize <= 8;
    if (smallWorkgroup) binningDefines.push('SMALL_WORKGROUP');
    const pipeline = (name: keyof BindGroups, code: string, constants: Record<string, number>, defines: string[] = []) =>
      createComputePipeline(device, {
        label: `${label}.${name}`,
        code,
        constants,
        defines,
        layout: device.createPipelineLayout({ label: `${label}.${name}PipelineLayout`, bindGroupLayouts: [this.layouts[name]] }),
      });
    this.pipelines = {
      setup: pipeline('setup', setupSource, { MAX_COUNT: maxCount, MAX_WORKGROUPS_PER_DIMENSION: maxPerDimension }),
      histogram: pipeline('histogram', histogramSource, {}),
      scan: pipeline('scan', scanSource, {}),
      binning: pipeline('binning', binningSource, { FORCE_FALLBACK: options.forceLookbackFallback ? 1 : 0 }, binningDefines),
      copy: pipeline('copy', copySource, {}),
    };
  }

  setInputs(keys: GPUBuffer, values: GPUBuffer, count: ElementCount): void {
    const owner = `OnesweepSort '${this.label}'`;
    if (!this.cpuCount) throw new Error(`${owner}: setInputs after destroy()`);
    if (keys === values) throw new Error(`${owner}: keys and values must be different buffers`);
    for (const [what, buffer] of [['keys', keys], ['values', values]] as const) {
      if (!(buffer.usage & GPUBufferUsage.STORAGE)) throw new Error(`${owner}: the ${what} buffer '${buffer.label}' needs STORAGE usage`);
    }
    let countBinding: GPUBufferBinding;
    let cpuCount: number | null = null;
    if (isGpuCount(count)) {
      const { buffer, offset } = count;
      if (!Number.isInteger(offset) || offset < 0 || offset % 4 !== 0 || offset + 4 > buffer.size) {
        throw new Error(`${owner}: the GPU count offset ${offset} must be a multiple of 4 inside the ${buffer.size}-byte buffer '${buffer.label}'`);
      }
      if (!(buffer.usage & GPUBufferUsage.STORAGE)) throw new Error(`${owner}: the count buffer '${buffer.label}' needs STORAGE usage`);
      // Bind from an aligned offset up to and including the count: the kernel reads the last word.
      const aligned = offset - (offset % this.device.limits.minStorageBufferOffsetAlignment);
      countBinding = { buffer, offset: aligned, size: offset - aligned + 4 };
    } else {
      if (!Number.isInteger(count) || count < 0 || count > this.maxCount) {
        throw new Error(`${owner}: count must be an integer in 0..${this.maxCount} (maxCount), got ${count}`);
      }
      if (keys.size < count * 4 || values.size < count * 4) {
        throw new Error(`${owner}: ${count} elements need ${count * 4} bytes, but keys has ${keys.size} and values ${values.size}`);
      }
      cpuCount = count;
      countBinding = { buffer: this.cpuCount, offset: 0, size: 4 };
      if (this.inputs?.cpuCount !== count) this.device.queue.writeBuffer(this.cpuCount, 0, new Uint32Array([count]));
    }
    const old = this.inputs;
    const unchanged =
      old !== null &&
      old.keys === keys &&
      old.values === values &&
      old.count.buffer === countBinding.buffer &&
      old.count.offset === countBinding.offset &&
      old.count.size === countBinding.size;
    this.inputs = { keys, values, count: countBinding, cpuCount };
    if (!unchanged) this.bindGroups = this.createBindGroups(this.inputs);
  }

  encode(encoder: GPUCommandEncoder, bits: number, timer?: GpuTimer): void {
    if (!Number.isInteger(bits) || bits < 1 || bits > 32) throw new Error(`OnesweepSort: bits must be an integer in 1..32, got ${bits}`);
    const inputs = this.inputs;
    const groups = this.bindGroups;
    if (!inputs || !groups || !this.info) throw new Error(`OnesweepSort '${this.label}': encode before setInputs (or after destroy)`);
    if (inputs.cpuCount !== null && inputs.cpuCount <= 1) return;

    const passCount = Math.ceil(bits / onesweepLayout.digitBits);
    const paramsOffset = (pass: number) => ((bits - 1) * onesweepLayout.maxDigitPasses + pass) * this.paramsStride;
    const name = this.label;

    let pass = beginComputePass(encoder, `${name}.setup`, timer);
    pass.setPipeline(this.pipelines.setup);
    pass.setBindGroup(0, groups.setup);
    pass.dispatchWorkgroups(1);
    pass.end();

    pass = beginComputePass(encoder, `${name}.histogram`, timer);
    pass.setPipeline(this.pipelines.histogram);
    pass.setBindGroup(0, groups.histogram, [paramsOffset(0)]);
    pass.dispatchWorkgroupsIndirect(this.info, INFO.histogramArgs * 4);
    pass.end();

    pass = beginComputePass(encoder, `${name}.scan`, timer);
    pass.setPipeline(this.pipelines.scan);
    pass.setBindGroup(0, groups.scan);
    pass.dispatchWorkgroups(passCount);
    pass.end();

    for (let digitPass = 0; digitPass < passCount; digitPass++) {
      pass = beginComputePass(encoder, `${name}.binning${digitPass}`, timer);
      pass.setPipeline(this.pipelines.binning);
      pass.setBindGroup(0, groups.binning[digitPass % 2]!, [paramsOffset(digitPass)]);
      pass.dispatchWorkgroupsIndirect(this.info, INFO.binningArgs * 4);
      pass.end();
    }

    if (passCount % 2 === 1) {
      pass = beginComputePass(encoder, `${name}.copy`, timer);
      pass.setPipeline(this.pipelines.copy);
      pass.setBindGroup(0, groups.copy);
      pass.dispatchWorkgroupsIndirect(this.info, INFO.copyArgs * 4);
      pass.end();
    }
  }

  destroy(): void {
    for (const buffer of [this.altKeys, this.altValues, this.passHist, this.counters, this.info, this.params, this.cpuCount]) {
      this.memory.release(buffer);
    }
    this.altKeys = this.altValues = this.passHist = this.counters = this.info = this.params = this.cpuCount = null;
    this.inputs = null;
    this.bindGroups = null;
  }

  /** PassParams of every (bits, pass), each entry at its own dynamic-offset stride. */
  private passParamsTable(): Uint32Array {
    const { digitBits, maxDigitPasses } = onesweepLayout;
    const wordsPerEntry = this.paramsStride / 4;
    const table = new Uint32Array(32 * maxDigitPasses * wordsPerEntry);
    for (let bits = 1; bits <= 32; bits++) {
      const passCount = Math.ceil(bits / digitBits);
      const lastBits = bits - digitBits * (passCount - 1);
      for (let pass = 0; pass < maxDigitPasses; pass++) {
        const digitBitsOfPass = pass === passCount - 1 ? lastBits : digitBits;
        const fields: Record<(typeof PASS_PARAMS_FIELDS)[number][0], number> = {
          shift: pass * digitBits,
          digit_mask: 2 ** digitBitsOfPass - 1,
          digit_bits: digitBitsOfPass,
          pass_index: pass,
          pass_count: passCount,
          last_digit_mask: 2 ** lastBits - 1,
        };
        const entry = ((bits - 1) * maxDigitPasses + pass) * wordsPerEntry;
        PASS_PARAMS_FIELDS.forEach(([field], i) => (table[entry + i] = fields[field]));
      }
    }
    return table;
  }

  private createBindGroups(inputs: Inputs): BindGroups {
    const { keys, values, count } = inputs;
    const altKeys = this.altKeys!;
    const altValues = this.altValues!;
    const passHist = this.passHist!;
    const counters = this.counters!;
    const info = this.info!;
    const params: GPUBufferBinding = { buffer: this.params!, size: PASS_PARAMS_BYTES };
    // Whole buffers, cut to whole words: Setup clamps the count to these lengths.
    const whole = (buffer: GPUBuffer): GPUBufferBinding => ({ buffer, size: Math.floor(buffer.size / 4) * 4 });
    const group = (name: keyof BindGroups, ...resources: GPUBufferBinding[]) =>
      this.device.createBindGroup({ label: `${this.label}.${name}Group`, layout: this.layouts[name], entries: bufferEntries(...resources) });
    return {
      // count_source, keys, values, info, counters
      setup: group('setup', count, whole(keys), whole(values), { buffer: info }, { buffer: counters }),
      // params, info, keys, counters, pass_hist
      histogram: group('histogram', params, { buffer: info }, whole(keys), { buffer: counters }, { buffer: passHist }),
      // info, counters, pass_hist
      scan: group('scan', { buffer: info }, { buffer: counters }, { buffer: passHist }),
      // params, info, src_keys, src_values, dst_keys, dst_values, pass_hist, counters
      binning: [
        group('binning', params, { buffer: info }, whole(keys), whole(values), { buffer: altKeys }, { buffer: altValues }, { buffer: passHist }, { buffer: counters }),
        group('binning', params, { buffer: info }, { buffer: altKeys }, { buffer: altValues }, whole(keys), whole(values), { buffer: passHist }, { buffer: counters }),
      ],
      // info, sorted_keys, sorted_values, keys, values
      copy: group('copy', { buffer: info }, { buffer: altKeys }, { buffer: altValues }, whole(keys), whole(values)),
    };
  }
}
