/**
 * A diagnostic method: every pixel coloured by the world direction of its camera ray. It accepts
 * any asset (it only counts the bytes), so it checks the viewer's loading, camera conventions,
 * controls, method switching and readback without depending on a file format. `reference.ts`
 * computes the same image on the CPU.
 */
import renderSource from '../../../shaders/testPattern/render.wgsl?raw';
import { GpuMemory } from '../../gpu/memory';
import { beginComputePass, createComputePipeline } from '../../gpu/pass';
import type { GpuTimer } from '../../gpu/timing';
import type { AssetSource, FrameInput, FrameTarget, MethodContext, MethodDefinition, MethodInstance } from '../types';

export interface TestPatternParams {
  /** Multiplies the colour. @default 1 */
  brightness: number;
}

/** Frame uniform, matching `Frame` in render.wgsl: 3 rotation rows (vec4 each), fx fy cx cy, size (u32 ×2), brightness, pad. */
const FRAME_FLOATS = 20;

async function countBytes(source: AssetSource): Promise<number> {
  const reader = source.stream.getReader();
  let bytes = 0;
  try {
    for (;;) {
      source.signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) return bytes;
      bytes += value.byteLength;
      source.onProgress?.(bytes);
    }
  } finally {
    reader.releaseLock();
  }
}

class TestPatternInstance implements MethodInstance<TestPatternParams> {
  readonly passNames = ['testPattern'] as const;
  readonly bounds = { center: [0, 0, 0] as [number, number, number], radius: 1 };
  readonly stats: Record<string, number | string>;
  private readonly pipeline: GPUComputePipeline;
  private uniforms: GPUBuffer | null;
  private readonly frameData = new ArrayBuffer(FRAME_FLOATS * 4);
  private readonly frameFloats = new Float32Array(this.frameData);
  private readonly frameUints = new Uint32Array(this.frameData);
  private bindGroup: GPUBindGroup | null = null;
  private boundTarget: GPUTexture | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly memory: GpuMemory,
    readonly params: TestPatternParams,
    bytes: number,
  ) {
    this.stats = { 'asset bytes': bytes };
    this.pipeline = createComputePipeline(device, { label: 'TestPattern.pipeline', code: renderSource });
    this.uniforms = memory.createBuffer({ label: 'TestPattern.uniforms', size: FRAME_FLOATS * 4, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  encode(encoder: GPUCommandEncoder, target: FrameTarget, frame: FrameInput, timer?: GpuTimer): boolean {
    const c = frame.camera;
    const r = c.rotation;
    const f = this.frameFloats;
    f.set([r[0], r[1], r[2], 0, r[3], r[4], r[5], 0, r[6], r[7], r[8], 0, c.fx, c.fy, c.cx, c.cy]);
    this.frameUints[16] = target.width;
    this.frameUints[17] = target.height;
    f[18] = this.params.brightness;
    this.device.queue.writeBuffer(this.uniforms!, 0, this.frameData);
    if (this.boundTarget !== target.texture) {
      this.bindGroup = this.device.createBindGroup({
        label: 'TestPattern.bindGroup',
        layout: this.pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.uniforms! } }, // frame
          { binding: 1, resource: target.view }, // frame_target
        ],
      });
      this.boundTarget = target.texture;
    }
    const pass = beginComputePass(encoder, 'testPattern', timer);
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(Math.ceil(target.width / 8), Math.ceil(target.height / 8));
    pass.end();
    return true;
  }

  destroy(): void {
    this.memory.release(this.uniforms);
    this.uniforms = null;
    this.bindGroup = null;
    this.boundTarget = null;
  }
}

export const testPattern: MethodDefinition<TestPatternParams> = {
  id: 'testPattern',
  label: 'Test pattern (ray directions)',
  // Never picked by file type: only by a scene file or the method switcher.
  extensions: [],
  defaultParams: () => ({ brightness: 1 }),
  buildGui(folder, params) {
    folder.add(params, 'brightness', 0, 2, 0.01);
  },
  async load(context: MethodContext, source: AssetSource, params: TestPatternParams): Promise<MethodInstance<TestPatternParams>> {
    const bytes = await countBytes(source);
    return new TestPatternInstance(context.gpu.device, GpuMemory.of(context.gpu.device), params, bytes);
  },
};
