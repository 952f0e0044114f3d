/**
 * How many elements a primitive works on: a number known on the CPU, or a u32 that an earlier pass
 * wrote into a GPU buffer (then the primitive sizes its dispatches indirectly and nothing is read back).
 */
export type ElementCount = number | { buffer: GPUBuffer; offset: number };

export function isGpuCount(count: ElementCount): count is { buffer: GPUBuffer; offset: number } {
  return typeof count !== 'number';
}
