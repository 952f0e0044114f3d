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
 * without workgroup memory or barriers: for CPU-emulated devices); 'auto' picks onesweep when
 * `onesweepSupported(device)`, else portable.
 */
import type { GpuTimer } from '../gpu/timing';
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

/** The back-end 'auto' resolves to on this device. */
export function autoSortBackend(device: GPUDevice): SortBackendName {
  return onesweepSupported(device) ? 'onesweep' : 'portable';
}

export class RadixSort {
  readonly label: string;
  readonly maxCount: number;
  readonly backend: SortBackendName;
  private impl: SortBackend | null;

  constructor(device: GPUDevice, options: RadixSortOptions) {
    const requested = options.backend ?? 'auto';
    if (requested !== 'auto' && requested !== 'portable' && requested !== 'onesweep' && requested !== 'serial') {
      throw new TypeError(`RadixSort '${options.label}': unknown backend '${String(requested)}' (expected 'auto', 'portable', 'onesweep' or 'serial')`);
    }
    checkMaxCount(device, `RadixSort '${options.label}'`, options.maxCount);
    this.label = options.label;
    this.maxCount = options.maxCount;
    this.backend = requested === 'auto' ? autoSortBackend(device) : requested;
    this.impl =
      this.backend === 'onesweep'
        ? new OnesweepSort(device, { label: options.label, maxCount: options.maxCount, maxWorkgroupsPerDimension: options.maxWorkgroupsPerDimension })
        : this.backend === 'serial'
          ? new SerialSort(device, options)
          : new PortableSort(device, options);
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
    this.live().setInputs(keys, values, count);
  }

  /** Records the sort by the low `bits` (1..32) bits of the keys. */
  encode(encoder: GPUCommandEncoder, bits: number, timer?: GpuTimer): void {
    if (!Number.isInteger(bits) || bits < 1 || bits > 32) {
      throw new RangeError(`RadixSort '${this.label}': bits must be an integer in 1..32, got ${bits}`);
    }
    this.live().encode(encoder, bits, timer);
  }

  destroy(): void {
    this.impl?.destroy();
    this.impl = null;
  }

  private live(): SortBackend {
    if (!this.impl) throw new Error(`RadixSort '${this.label}': used after destroy()`);
    return this.impl;
  }
}
