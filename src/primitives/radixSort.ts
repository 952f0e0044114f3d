/**
 * Stable key-value radix sort of u32 keys with u32 values on the GPU, in place: after `encode` the
 * pairs in `keys`/`values` are ordered by key, equal keys keeping their input order (3DGS relies on
 * it: the tile sort must keep the depth order within each tile).
 *
 * Only the low `bits` bits of the keys are compared: pairs are ordered by `key & (2^bits − 1)`
 * and the high bits are ignored (but kept: keys move whole). Only ceil(bits / digit bits) passes
 * run, so sorting 13-bit tile ids costs two 8-bit passes instead of four.
 *
 * The count is a CPU number or a u32 an earlier pass wrote on the GPU (ElementCount); with a GPU
 * count every dispatch is indirect, nothing is read back, and a count above maxCount is clamped to
 * maxCount. A CPU count is written with queue.writeBuffer in `setInputs`, so it applies to the work
 * submitted after that call.
 *
 * Back-ends (`backend`): 'portable' (reduce-then-scan, every WebGPU device), 'onesweep'
 * (single-pass decoupled look-back where it is safe) and 'serial' (one thread per block of keys,
 * without workgroup memory or barriers: for CPU-emulated devices). 'auto' times every back-end the
 * device can run on the first sorts (VariantTuner, timestamp queries; the decision is cached per
 * device, label and size class) and keeps the fastest; until then, and without timestamp queries,
 * it runs `autoSortBackend(device)`. While tuning, each back-end exists (its temporary buffers
 * too); the others are destroyed once the decision is made. Every back-end gives the same result,
 * so which one ran never shows.
 */
import type { GpuTimer } from '../gpu/timing';
import { VariantTuner } from '../gpu/variantTuner';
import { checkCount, checkElementBuffer, checkMaxCount } from './bindings';
import type { ElementCount } from './count';
import { OnesweepSort, onesweepSupported } from './onesweepSort';
import { PortableSort } from './portableSort';
import { SerialSort } from './serialSort';
import type { SortBackend, SortBackendName } from './sortBackend';

export interface RadixSortOptions {
  /** Owner label of the GPU objects and prefix of the timed compute passes. */
  label: string;
  /** Largest count this sort will be given; sizes the temporary buffers. */
  maxCount: number;
  /** @default 'auto' */
  backend?: 'auto' | SortBackendName;
  /**
   * Workgroups per grid dimension before a dispatch spills into y. @default the device's
   * maxComputeWorkgroupsPerDimension. Lower it only to test the 2D-grid path on small inputs.
   */
  maxWorkgroupsPerDimension?: number;
}

/** The back-end 'auto' runs on this device before (or without) timing: onesweep where supported, else portable. */
export function autoSortBackend(device: GPUDevice): SortBackendName {
  return onesweepSupported(device) ? 'onesweep' : 'portable';
}

export class RadixSort {
  readonly label: string;
  readonly maxCount: number;
  private readonly device: GPUDevice;
  private readonly options: RadixSortOptions;
  private readonly tuner: VariantTuner<SortBackendName>;
  /** Back-ends built so far (all candidates while tuning, the chosen one after). */
  private impls: Map<SortBackendName, SortBackend> | null = new Map();
  private inputs: { keys: GPUBuffer; values: GPUBuffer; count: ElementCount } | null = null;

  constructor(device: GPUDevice, options: RadixSortOptions) {
    const requested = options.backend ?? 'auto';
    if (requested !== 'auto' && requested !== 'portable' && requested !== 'onesweep' && requested !== 'serial') {
      throw new TypeError(`RadixSort '${options.label}': unknown backend '${String(requested)}' (expected 'auto', 'portable', 'onesweep' or 'serial')`);
    }
    checkMaxCount(device, `RadixSort '${options.label}'`, options.maxCount);
    this.device = device;
    this.options = options;
    this.label = options.label;
    this.maxCount = options.maxCount;
    const fallback = autoSortBackend(device);
    const candidates: SortBackendName[] =
      requested !== 'auto' ? [requested] : onesweepSupported(device) ? ['onesweep', 'portable', 'serial'] : ['portable', 'serial'];
    // Sorts of similar size share a decision: the size class is the power of two above maxCount.
    const sizeClass = Math.ceil(Math.log2(Math.max(2, options.maxCount)));
    this.tuner = new VariantTuner(device, `RadixSort.${options.label}.${sizeClass}`, candidates, candidates.includes(fallback) ? fallback : candidates[0]!);
    this.impl(this.backend);
  }

  /** The back-end in use: the explicit one, the tuned one, or (before a decision) autoSortBackend. */
  get backend(): SortBackendName {
    return this.tuner.decision ?? this.tuner.fallback;
  }

  /** Whether the back-end is settled (explicit, cached or timed); false while 'auto' is still timing. */
  get decided(): boolean {
    return this.tuner.decision !== null;
  }

  /**
   * Binds the pairs and the count. `keys` and `values` are distinct buffers with STORAGE usage and
   * room for the count (for maxCount when the count is on the GPU); a GPU count buffer needs
   * STORAGE usage. Bind groups are rebuilt only when a buffer or the count's location changes.
   */
  setInputs(keys: GPUBuffer, values: GPUBuffer, count: ElementCount): void {
    const owner = `RadixSort '${this.label}'`;
    checkCount(owner, count, this.maxCount);
    checkElementBuffer(owner, 'keys', keys, count, this.maxCount);
    checkElementBuffer(owner, 'values', values, count, this.maxCount);
    if (keys === values) throw new TypeError(`${owner}: keys and values must be different buffers`);
    this.live();
    this.inputs = { keys, values, count };
    for (const impl of this.impls!.values()) impl.setInputs(keys, values, count);
  }

  /** Records the sort by the low `bits` (1..32) bits of the keys. */
  encode(encoder: GPUCommandEncoder, bits: number, timer?: GpuTimer): void {
    if (!Number.isInteger(bits) || bits < 1 || bits > 32) {
      throw new RangeError(`RadixSort '${this.label}': bits must be an integer in 1..32, got ${bits}`);
    }
    this.live();
    const frame = this.tuner.begin(timer);
    this.impl(frame.variant).encode(encoder, bits, frame.timer);
    this.tuner.end(encoder);
  }

  /** After the submit of a frame that sorted: reads a tuning sample back, if that frame took one. */
  afterSubmit(): void {
    if (!this.impls) return;
    this.tuner.afterSubmit();
    const decision = this.tuner.decision;
    if (decision === null) return;
    for (const [name, impl] of this.impls) {
      if (name !== decision) {
        impl.destroy();
        this.impls.delete(name);
      }
    }
  }

  destroy(): void {
    for (const impl of this.impls?.values() ?? []) impl.destroy();
    this.impls = null;
    this.tuner.destroy();
  }

  private live(): Map<SortBackendName, SortBackend> {
    if (!this.impls) throw new Error(`RadixSort '${this.label}': used after destroy()`);
    return this.impls;
  }

  /** The back-end `name`, built (and given the current inputs) the first time it runs. */
  private impl(name: SortBackendName): SortBackend {
    const impls = this.live();
    let impl = impls.get(name);
    if (!impl) {
      const { label, maxCount, maxWorkgroupsPerDimension } = this.options;
      impl =
        name === 'onesweep'
          ? new OnesweepSort(this.device, { label, maxCount, maxWorkgroupsPerDimension })
          : name === 'serial'
            ? new SerialSort(this.device, { label, maxCount, maxWorkgroupsPerDimension })
            : new PortableSort(this.device, { label, maxCount, maxWorkgroupsPerDimension });
      if (this.inputs) impl.setInputs(this.inputs.keys, this.inputs.values, this.inputs.count);
      impls.set(name, impl);
    }
    return impl;
  }
}
