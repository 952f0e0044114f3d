import { describe, expect } from 'vitest';
import { gpuTest, POISON_WORD } from '../helpers/gpu';
import { readBuffer } from '../../src/gpu/readback';

describe('GPU test harness', () => {
  gpuTest('runs on a real WebGPU adapter with the features the app uses', async ({ gpu }) => {
    const info = gpu.adapter.info;
    console.log(`GPU tests on adapter: ${info.vendor} ${info.architecture} (${info.description})`);
    expect(info.architecture.length).toBeGreaterThan(0);
    expect(gpu.device.features.has('timestamp-query')).toBe(gpu.adapter.features.has('timestamp-query'));
    expect(gpu.device.limits.maxStorageBufferBindingSize).toBe(gpu.adapter.limits.maxStorageBufferBindingSize);
  });

  gpuTest('poisons new buffers so zero-init cannot be relied on', async ({ gpu }) => {
    const buffer = gpu.device.createBuffer({ label: 't.poisoned', size: 64, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const words = new Uint32Array(await readBuffer(gpu.device, buffer));
    expect([...words].every((w) => w === POISON_WORD)).toBe(true);
  });

  gpuTest('runs a compute shader and reads the result', async ({ gpu }) => {
    const { device } = gpu;
    const buffer = device.createBuffer({ label: 't.out', size: 1024 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const module = device.createShaderModule({
      code: `@group(0) @binding(0) var<storage, read_write> out: array<u32>;
             @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) { out[id.x] = id.x * 3u; }`,
    });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module } });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer } }] }));
    pass.dispatchWorkgroups(16);
    pass.end();
    device.queue.submit([encoder.finish()]);
    const words = new Uint32Array(await readBuffer(device, buffer));
    expect(words[0]).toBe(0);
    expect(words[1023]).toBe(1023 * 3);
  });
});
