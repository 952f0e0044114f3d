/**
 * Explicit bind group layouts and input checks shared by the scan and sort primitives.
 *
 * Explicit layouts (not 'auto') because several pipelines share one layout, because in-place
 * variants leave a binding out, and because the sort's per-pass parameters use a dynamic offset.
 */
import { isGpuCount, type ElementCount } from './count';

/** How a kernel binds a buffer; `null` leaves that binding number unused. */
export type ComputeBinding = 'read-only-storage' | 'storage' | 'dynamic-uniform' | null;

/**
 * Storage and uniform binding offsets must be multiples of the device's min*OffsetAlignment, which
 * WebGPU caps at 256; primitives place every separately bound region at a multiple of this.
 */
export const BINDING_ALIGNMENT = 256;

export function computeBindGroupLayout(device: GPUDevice, label: string, bindings: ComputeBinding[]): GPUBindGroupLayout {
  const entries: GPUBindGroupLayoutEntry[] = [];
  bindings.forEach((kind, binding) => {
    if (kind === null) return;
    const buffer: GPUBufferBindingLayout =
      kind === 'dynamic-uniform' ? { type: 'uniform', hasDynamicOffset: true } : { type: kind };
    entries.push({ binding, visibility: GPUShaderStage.COMPUTE, buffer });
  });
  return device.createBindGroupLayout({ label, entries });
}

export function pipelineLayout(device: GPUDevice, label: string, bindGroupLayout: GPUBindGroupLayout): GPUPipelineLayout {
  return device.createPipelineLayout({ label, bindGroupLayouts: [bindGroupLayout] });
}

/**
 * The binding through which a `prepare` kernel reads a GPU-side count: from the aligned offset at
 * or below `offset` up to the count word, so the count is the binding's last word.
 */
export function countSourceBinding(count: { buffer: GPUBuffer; offset: number }): GPUBufferBinding {
  const start = Math.floor(count.offset / BINDING_ALIGNMENT) * BINDING_ALIGNMENT;
  return { buffer: count.buffer, offset: start, size: count.offset + 4 - start };
}

/** The largest element count whose u32 buffer a device can allocate and bind as storage. */
export function maxElementsOf(device: GPUDevice): number {
  return Math.floor(Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize) / 4);
}

export function checkMaxCount(device: GPUDevice, owner: string, maxCount: number): void {
  if (!Number.isInteger(maxCount) || maxCount < 0) {
    throw new RangeError(`${owner}: maxCount must be a non-negative integer, got ${maxCount}`);
  }
  const limit = maxElementsOf(device);
  if (maxCount > limit) {
    throw new RangeError(
      `${owner}: maxCount ${maxCount} exceeds what this device can bind as one storage buffer ` +
        `(${limit} u32 elements: maxStorageBufferBindingSize ${device.limits.maxStorageBufferBindingSize} B, ` +
        `maxBufferSize ${device.limits.maxBufferSize} B)`,
    );
  }
}

/** Checks an ElementCount: a CPU count within [0, maxCount], or a u32 in a STORAGE buffer. */
export function checkCount(owner: string, count: ElementCount, maxCount: number): void {
  if (!isGpuCount(count)) {
    if (!Number.isInteger(count) || count < 0 || count > maxCount) {
      throw new RangeError(`${owner}: count must be an integer in [0, maxCount = ${maxCount}], got ${count}`);
    }
    return;
  }
  const { buffer, offset } = count;
  if (!Number.isInteger(offset) || offset < 0 || offset % 4 !== 0 || offset + 4 > buffer.size) {
    throw new RangeError(`${owner}: the count offset ${offset} must be a multiple of 4 inside buffer '${buffer.label}' (${buffer.size} B)`);
  }
  if ((buffer.usage & GPUBufferUsage.STORAGE) === 0) {
    throw new TypeError(`${owner}: the count buffer '${buffer.label}' needs STORAGE usage (it is read by a kernel)`);
  }
}

/**
 * Checks a u32 buffer the primitive binds as storage: STORAGE usage and room for the elements it
 * may touch (the CPU count, or maxCount when the count lives on the GPU and is known only there).
 */
export function checkElementBuffer(owner: string, name: string, buffer: GPUBuffer, count: ElementCount, maxCount: number): void {
  if ((buffer.usage & GPUBufferUsage.STORAGE) === 0) {
    throw new TypeError(`${owner}: ${name} buffer '${buffer.label}' needs STORAGE usage`);
  }
  const elements = isGpuCount(count) ? maxCount : count;
  if (buffer.size < elements * 4) {
    const why = isGpuCount(count) ? `maxCount (${maxCount}, the count is on the GPU)` : `the count (${elements})`;
    throw new RangeError(`${owner}: ${name} buffer '${buffer.label}' has ${buffer.size} B, less than 4 B × ${why}`);
  }
}

export function sameCount(a: ElementCount, b: ElementCount): boolean {
  if (!isGpuCount(a) || !isGpuCount(b)) return a === b;
  return a.buffer === b.buffer && a.offset === b.offset;
}
