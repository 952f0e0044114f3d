/**
 * Stage `adam`: one Adam step over every parameter float (adam.wgsl), with the learning rate of
 * each parameter group. Owns the two moment buffers; `resetMoments` zeroes a range of Gaussians
 * (new Gaussians of progressive fitting start with fresh optimiser state).
 */
import { GpuMemory } from '../../../gpu/memory';
import { beginComputePass, bufferEntries, createComputePipeline, workgroupGrid } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import { PARAMS_PER_GAUSSIAN } from '../cloud2d';
import { AdamUniformsLayout } from '../layout';
import adamSource from '../../../../shaders/gaussianImage/adam.wgsl?raw';

const WORKGROUP_SIZE = 256;

export interface AdamSettings {
  /** Per group: position (in pixels per step), Cholesky (pixels), colour. */
  learningRate: { position: number; cholesky: number; color: number };
  /** @default 0.9 */
  beta1: number;
  /** @default 0.999 */
  beta2: number;
  /** @default 1e-8 (as torch.optim.Adam, used by GaussianImage when opt_type is "adam") */
  epsilon: number;
}

export class AdamPass {
  readonly name = 'adam';
  private readonly memory: GpuMemory;
  private uniforms: GPUBuffer | null;
  private firstMoment: GPUBuffer | null;
  private secondMoment: GPUBuffer | null;
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroup: GPUBindGroup;
  private readonly data = new ArrayBuffer(AdamUniformsLayout.byteSize);
  private paramCount = 0;

  constructor(
    private readonly device: GPUDevice,
    params: GPUBuffer,
    grads: GPUBuffer,
    maxGaussians: number,
  ) {
    this.memory = GpuMemory.of(device);
    this.uniforms = this.memory.createBuffer({ label: 'GaussianImageAdam.uniforms', size: AdamUniformsLayout.byteSize, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const moment = (field: string) =>
      this.memory.createBuffer({ label: `GaussianImageAdam.${field}`, size: maxGaussians * PARAMS_PER_GAUSSIAN * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.firstMoment = moment('firstMoment');
    this.secondMoment = moment('secondMoment');
    this.pipeline = createComputePipeline(device, { label: 'GaussianImageAdam.pipeline', code: adamSource, constants: { WORKGROUP_SIZE } });
    this.bindGroup = device.createBindGroup({
      label: 'GaussianImageAdam.bindGroup',
      layout: this.pipeline.getBindGroupLayout(0),
      // adam, grads, params, first_moment, second_moment
      entries: bufferEntries(this.uniforms, grads, params, this.firstMoment, this.secondMoment),
    });
  }

  /** Zeroes both moments of Gaussians [first, first + count). */
  resetMoments(encoder: GPUCommandEncoder, first: number, count: number): void {
    const bytes = PARAMS_PER_GAUSSIAN * 4;
    encoder.clearBuffer(this.firstMoment!, first * bytes, count * bytes);
    encoder.clearBuffer(this.secondMoment!, first * bytes, count * bytes);
  }

  /** Writes the step's uniforms; `step` counts from 1 (bias correction). Applies to work submitted afterwards. */
  prepare(step: number, gaussianCount: number, settings: AdamSettings, imageSize: { width: number; height: number }): void {
    const f = new Float32Array(this.data);
    const u = new Uint32Array(this.data);
    const o = (name: string) => AdamUniformsLayout.offset(name);
    const { learningRate: lr, beta1, beta2, epsilon } = settings;
    f.set([lr.position / (0.5 * imageSize.width), lr.position / (0.5 * imageSize.height), lr.cholesky, lr.color], o('learning_rate'));
    f.set([1 / (1 - beta1 ** step), 1 / (1 - beta2 ** step)], o('bias_correction'));
    f[o('beta1')] = beta1;
    f[o('beta2')] = beta2;
    f[o('epsilon')] = epsilon;
    this.paramCount = gaussianCount * PARAMS_PER_GAUSSIAN;
    u[o('param_count')] = this.paramCount;
    this.device.queue.writeBuffer(this.uniforms!, 0, this.data);
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    const [x, y] = workgroupGrid(Math.ceil(this.paramCount / WORKGROUP_SIZE), this.device.limits.maxComputeWorkgroupsPerDimension);
    const pass = beginComputePass(encoder, this.name, timer);
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(x, y);
    pass.end();
  }

  destroy(): void {
    this.memory.release(this.uniforms);
    this.memory.release(this.firstMoment);
    this.memory.release(this.secondMoment);
    this.uniforms = this.firstMoment = this.secondMoment = null;
  }
}
