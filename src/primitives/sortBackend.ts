import type { GpuTimer } from '../gpu/timing';
import type { ElementCount } from './count';

export type SortBackendName = 'portable' | 'onesweep' | 'serial';

/**
 * One implementation of the stable LSD key-value radix sort behind `RadixSort`: u32 keys with u32
 * values, sorted in place, only the low `bits` bits of the keys considered.
 */
export interface SortBackend {
  readonly name: SortBackendName;
  /** Binds the buffers and count; rebuilds bind groups only when one of them changes. */
  setInputs(keys: GPUBuffer, values: GPUBuffer, count: ElementCount): void;
  encode(encoder: GPUCommandEncoder, bits: number, timer?: GpuTimer): void;
  destroy(): void;
}
