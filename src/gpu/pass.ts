import { preprocessWgsl } from './wgsl';
import type { GpuTimer } from './timing';

/**
 * A GPU pass builds its pipelines and buffers once (constructor), rebuilds bind groups only when
 * its inputs change, records work with `encode()` every frame and frees everything in `destroy()`.
 */
export interface GpuPass {
  readonly name: string;
  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void;
  destroy(): void;
}

export interface ComputePipelineOptions {
  label: string;
  code: string;
  entryPoint?: string;
  /** Flags for `#ifdef` in the WGSL. */
  defines?: Iterable<string>;
  /** Values for WGSL `override` constants. */
  constants?: Record<string, number>;
  layout?: GPUPipelineLayout | 'auto';
}

export function createComputePipeline(device: GPUDevice, options: ComputePipelineOptions): GPUComputePipeline {
  const module = device.createShaderModule({ label: `${options.label}.module`, code: preprocessWgsl(options.code, options.defines) });
  return device.createComputePipeline({
    label: options.label,
    layout: options.layout ?? 'auto',
    compute: { module, entryPoint: options.entryPoint, constants: options.constants },
  });
}

/** Begins a compute pass carrying `name` as its label and timestamp slot. */
export function beginComputePass(encoder: GPUCommandEncoder, name: string, timer?: GpuTimer): GPUComputePassEncoder {
  return encoder.beginComputePass({ label: name, timestampWrites: timer?.passTimestamps(name) });
}

/**
 * Splits a 1D workgroup count over x and y so no dimension exceeds the device limit; kernels
 * rebuild the linear id as `wid.y * num_workgroups.x + wid.x` and return when it is past the end.
 */
export function workgroupGrid(workgroups: number, maxPerDimension: number): [number, number] {
  if (workgroups <= maxPerDimension) return [Math.max(1, workgroups), 1];
  const y = Math.ceil(workgroups / maxPerDimension);
  return [Math.ceil(workgroups / y), y];
}

/** Bind group entries from a list of buffers, bound in order 0..n-1. */
export function bufferEntries(...buffers: Array<GPUBuffer | GPUBufferBinding>): GPUBindGroupEntry[] {
  return buffers.map((b, binding) => ({ binding, resource: 'buffer' in b ? b : { buffer: b } }));
}
