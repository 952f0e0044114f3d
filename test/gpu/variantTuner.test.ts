/**
 * VariantTuner on real GPU timings: two kernels that do the same thing at very different cost; the
 * tuner must keep the cheap one, cache the decision per device and key, fall back without
 * timestamp queries, and stop waiting when timings never arrive.
 */
import { describe, expect } from 'vitest';
import { gpuTest } from '../helpers/gpu';
import { GpuMemory } from '../../src/gpu/memory';
import { beginComputePass, createComputePipeline } from '../../src/gpu/pass';
import { tunedVariant, VariantTuner } from '../../src/gpu/variantTuner';

type Kernel = 'cheap' | 'costly';

/**
 * `cheap` spins once, `costly` 20,000 times per invocation, both writing the same result. The
 * count comes from a uniform at run time: as a pipeline-overridable constant the compiler may fold
 * the loop, and then the two cost the same (seen once on SwiftShader: both 0.066 ms).
 */
function kernels(device: GPUDevice): { pipeline: GPUComputePipeline; bindGroups: Record<Kernel, GPUBindGroup> } {
  const memory = GpuMemory.of(device);
  const output = memory.createBuffer({ label: 'test.output', size: 64 * 4, usage: GPUBufferUsage.STORAGE });
  const code = `
    @group(0) @binding(0) var<storage, read_write> output: array<u32>;
    @group(0) @binding(1) var<uniform> spins: vec4u;
    @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
      var x = id.x;
      for (var i = 0u; i < spins.x; i++) { x = x * 1664525u + 1013904223u; }
      output[id.x] = select(x, id.x, spins.x > 0u);
    }`;
  const pipeline = createComputePipeline(device, { label: 'test.spin', code });
  const bind = (kernel: Kernel, spins: number) => {
    const uniform = memory.createBufferWithData({ label: `test.spins.${kernel}`, usage: GPUBufferUsage.UNIFORM }, new Uint32Array([spins, 0, 0, 0]));
    return device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: output } }, { binding: 1, resource: { buffer: uniform } }] });
  };
  return { pipeline, bindGroups: { cheap: bind('cheap', 1), costly: bind('costly', 20_000) } };
}

/** Runs `frames` frames the way a stage does, and returns the variant of each. */
async function runFrames(device: GPUDevice, tuner: VariantTuner<Kernel>, frames: number, submitHook = true): Promise<Kernel[]> {
  const { pipeline, bindGroups } = kernels(device);
  const ran: Kernel[] = [];
  for (let f = 0; f < frames; f++) {
    const { variant, timer } = tuner.begin();
    ran.push(variant);
    const encoder = device.createCommandEncoder();
    const pass = beginComputePass(encoder, 'spin', timer);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroups[variant]);
    pass.dispatchWorkgroups(16);
    pass.end();
    tuner.end(encoder);
    device.queue.submit([encoder.finish()]);
    if (submitHook) tuner.afterSubmit();
    await device.queue.onSubmittedWorkDone();
    // The sample's readback lands a little after the work is done.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return ran;
}

describe('VariantTuner', () => {
  gpuTest('keeps the cheaper kernel, caches the decision per device and key, falls back without timestamps', async ({ gpu }) => {
    const { device } = gpu;
    expect(device.features.has('timestamp-query')).toBe(true);
    const memory = GpuMemory.of(device);
    const tuner = new VariantTuner<Kernel>(device, 'test.spin', ['costly', 'cheap'], 'costly');
    expect(tuner.decision).toBeNull();
    const ran = await runFrames(device, tuner, 8);
    console.log(`ran ${ran.join(' ')}; samples ${JSON.stringify([...tuner.samples])}`);
    expect(tuner.decision).toBe('cheap');
    // Both were sampled, then the decision ran.
    expect(ran.slice(0, 2).sort()).toEqual(['cheap', 'costly']);
    expect(ran.at(-1)).toBe('cheap');
    expect(tuner.samples.get('costly')![0]).toBeGreaterThan(tuner.samples.get('cheap')![0]!);
    expect(tunedVariant(device, 'test.spin')).toBe('cheap');

    // Another tuner for the same key starts decided, with no timer of its own.
    const before = memory.liveCount;
    const again = new VariantTuner<Kernel>(device, 'test.spin', ['costly', 'cheap'], 'costly');
    expect(again.decision).toBe('cheap');
    expect(memory.liveCount).toBe(before);
    expect(await runFrames(device, again, 2)).toEqual(['cheap', 'cheap']);
    tuner.destroy();
    again.destroy();

    // A single candidate, or a device without timestamp queries: no tuning.
    expect(new VariantTuner<Kernel>(device, 'test.single', ['costly'], 'costly').decision).toBe('costly');
    const noTimestamps = Object.create(device, { features: { value: new Set<string>() } }) as GPUDevice;
    expect(new VariantTuner<Kernel>(noTimestamps, 'test.none', ['costly', 'cheap'], 'costly').decision).toBe('costly');
  });

  gpuTest('stops waiting for timings that never arrive, and frees its timer', async ({ gpu }) => {
    const { device } = gpu;
    const memory = GpuMemory.of(device);
    const before = memory.liveCount;
    const tuner = new VariantTuner<Kernel>(device, 'test.lost', ['costly', 'cheap'], 'cheap');
    expect(memory.liveCount).toBeGreaterThan(before);
    // afterSubmit is never called, so no sample is ever read back.
    const ran = await runFrames(device, tuner, 40, false);
    expect(tuner.decision).toBe('cheap');
    expect(ran.at(-1)).toBe('cheap');
    tuner.destroy();
    expect(memory.liveLabels().filter((l) => l.startsWith('GpuTimer'))).toEqual([]);
  });
});
