/**
 * Stage `present`: draws the decoded image (or the original, a split view, or the difference) into
 * the viewer's frame target, letterboxed (present.wgsl). Not part of decoding: the decode rate
 * excludes it.
 */
import { GpuMemory } from '../../../gpu/memory';
import { beginComputePass, createComputePipeline } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import type { FrameTarget } from '../../types';
import { BindGroupCache } from './bindGroupCache';
import presentSource from '../../../../shaders/gaussianImage/present.wgsl?raw';

export type PresentView = 'decoded' | 'original' | 'split' | 'difference';
const VIEW_MODES: Record<PresentView, number> = { decoded: 0, original: 1, split: 2, difference: 3 };
/** PresentUniforms: image_size, offset, background (vec4), scale, mode, split, gain = 16 words. */
const UNIFORM_WORDS = 16;
const WORKGROUP = 8;

export interface PresentInputs {
  decoded: GPUTextureView;
  /** The original image; null shows the decoded one in its place. */
  original: GPUTextureView | null;
  width: number;
  height: number;
  view: PresentView;
  split: number;
  gain: number;
  background: readonly number[];
}

export class PresentPass {
  readonly name = 'present';
  private readonly memory: GpuMemory;
  private uniforms: GPUBuffer | null;
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroups = new BindGroupCache();
  private readonly data = new ArrayBuffer(UNIFORM_WORDS * 4);

  constructor(private readonly device: GPUDevice) {
    this.memory = GpuMemory.of(device);
    this.uniforms = this.memory.createBuffer({ label: 'GaussianImagePresent.uniforms', size: UNIFORM_WORDS * 4, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.pipeline = createComputePipeline(device, {
      label: 'GaussianImagePresent.pipeline',
      code: presentSource,
      constants: { WORKGROUP_SIZE_X: WORKGROUP, WORKGROUP_SIZE_Y: WORKGROUP },
    });
  }

  encode(encoder: GPUCommandEncoder, target: FrameTarget, inputs: PresentInputs, timer?: GpuTimer): void {
    const scale = Math.min(target.width / inputs.width, target.height / inputs.height);
    const f = new Float32Array(this.data);
    const u = new Uint32Array(this.data);
    f.set([inputs.width, inputs.height, (target.width - scale * inputs.width) / 2, (target.height - scale * inputs.height) / 2]);
    f.set([inputs.background[0] ?? 0, inputs.background[1] ?? 0, inputs.background[2] ?? 0, 1], 4);
    f[8] = scale;
    u[9] = inputs.original ? VIEW_MODES[inputs.view] : VIEW_MODES.decoded;
    f[10] = inputs.split;
    f[11] = inputs.gain;
    this.device.queue.writeBuffer(this.uniforms!, 0, this.data);
    const original = inputs.original ?? inputs.decoded;
    const bindGroup = this.bindGroups.get([inputs.decoded, original, target.view], () =>
      this.device.createBindGroup({
        label: 'GaussianImagePresent.bindGroup',
        layout: this.pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.uniforms! } }, // uniforms
          { binding: 1, resource: inputs.decoded }, // decoded
          { binding: 2, resource: original }, // original
          { binding: 3, resource: target.view }, // target_image
        ],
      }),
    );
    const pass = beginComputePass(encoder, this.name, timer);
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(target.width / WORKGROUP), Math.ceil(target.height / WORKGROUP));
    pass.end();
  }

  destroy(): void {
    this.memory.release(this.uniforms);
    this.uniforms = null;
    this.bindGroups.clear();
  }
}
