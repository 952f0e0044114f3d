// Placeholder until the Onesweep back-end lands (being written now); RadixSort falls back to the
// portable sort while this reports unsupported.
import type { ElementCount } from './count';
import type { SortBackend } from './sortBackend';

export function onesweepSupported(_device: GPUDevice): boolean {
  return false;
}

export class OnesweepSort implements SortBackend {
  readonly name = 'onesweep' as const;
  constructor(_device: GPUDevice, _options: { label: string; maxCount: number }) {
    throw new Error('Onesweep sort is not implemented yet');
  }
  setInputs(_keys: GPUBuffer, _values: GPUBuffer, _count: ElementCount): void {}
  encode(): void {}
  destroy(): void {}
}
