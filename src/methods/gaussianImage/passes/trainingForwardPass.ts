/**
 * Stage `rasterizeForward` of a training step: rasterize_sum.wgsl with TRAINING defined. Per pixel
 * it writes the clamped image and dL/dC for the L2 loss against the target (squared error in w).
 * Stage `tileLoss` (only on steps whose loss is reported) sums the squared errors per tile, which
 * the host reads back and adds up, so no GPU-wide reduction is needed.
 */
import { beginComputePass, bufferEntries, createComputePipeline } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import type { ImageFrame } from '../frame';
import { BindGroupCache } from './bindGroupCache';
import type { ProjectPass } from './projectPass';
import type { TileBinning } from './tileBinning';
import sumSource from '../../../../shaders/gaussianImage/rasterize_sum.wgsl?raw';
import tileLossSource from '../../../../shaders/gaussianImage/tile_loss.wgsl?raw';

const TILE_LOSS_WORKGROUP_SIZE = 64;

export interface TrainingImages {
  /** Target pixels as vec4f (rgb, 1). */
  target: GPUBuffer;
  /** Written: clamped decoded pixels, vec4f. */
  image: GPUBuffer;
  /** Written: dL/dC per pixel (rgb) and the pixel's squared error (w), vec4f. */
  pixelGrad: GPUBuffer;
  /** Written: Σ squared error per tile, f32. */
  tileLoss: GPUBuffer;
}

export class TrainingForwardPass {
  readonly name = 'rasterizeForward';
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroups = new BindGroupCache();
  private readonly tileLossPipeline: GPUComputePipeline;
  private readonly tileLossBindGroup: GPUBindGroup;

  constructor(
    private readonly device: GPUDevice,
    private readonly frame: ImageFrame,
    private readonly project: ProjectPass,
    private readonly binning: TileBinning,
    private readonly images: TrainingImages,
  ) {
    this.pipeline = createComputePipeline(device, { label: 'GaussianImageTrainingForward.pipeline', code: sumSource, defines: ['TRAINING'] });
    this.tileLossPipeline = createComputePipeline(device, {
      label: 'GaussianImageTrainingForward.tileLossPipeline',
      code: tileLossSource,
      constants: { WORKGROUP_SIZE: TILE_LOSS_WORKGROUP_SIZE },
    });
    this.tileLossBindGroup = device.createBindGroup({
      label: 'GaussianImageTrainingForward.tileLossBindGroup',
      layout: this.tileLossPipeline.getBindGroupLayout(0),
      // uniforms, pixel_grad, tile_loss
      entries: bufferEntries(frame.uniforms!, images.pixelGrad, images.tileLoss),
    });
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    const b = this.binning;
    const i = this.images;
    const resources = [this.frame.uniforms!, b.ranges, b.gaussianFromIsect!, this.project.projected!, i.target, i.image, i.pixelGrad];
    const bindGroup = this.bindGroups.get(resources, () =>
      this.device.createBindGroup({
        label: 'GaussianImageTrainingForward.bindGroup',
        layout: this.pipeline.getBindGroupLayout(0),
        // uniforms, tile_ranges, gaussian_from_isect, projected, target_image, image, pixel_grad
        entries: bufferEntries(...resources),
      }),
    );
    const pass = beginComputePass(encoder, this.name, timer);
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(this.frame.tiles.x, this.frame.tiles.y);
    pass.end();
  }

  /** Sums the squared errors of the last forward per tile into `tileLoss`. */
  encodeTileLoss(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    const pass = beginComputePass(encoder, 'tileLoss', timer);
    pass.setPipeline(this.tileLossPipeline);
    pass.setBindGroup(0, this.tileLossBindGroup);
    pass.dispatchWorkgroups(Math.ceil(this.frame.tileCount / TILE_LOSS_WORKGROUP_SIZE));
    pass.end();
  }

  destroy(): void {
    this.bindGroups.clear();
  }
}
