/**
 * Stage `rasterizeForward` of a training step: rasterize_sum.wgsl with TRAINING defined. Per pixel
 * it writes the clamped image and dL/dC for the L2 loss against the target (squared error in w).
 * Like the decoder's rasterize, it times the 'perPixel' and 'direct' loop structures on the first
 * steps and keeps the faster (VariantTuner).
 * Stage `tileLoss` (only on steps whose loss is reported) sums the squared errors per tile, which
 * the host reads back and adds up, so no GPU-wide reduction is needed.
 */
import { beginComputePass, bufferEntries, createComputePipeline } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import type { VariantTuner } from '../../../gpu/variantTuner';
import type { ImageFrame } from '../frame';
import { BindGroupCache } from './bindGroupCache';
import type { ProjectPass } from './projectPass';
import { sumDefines, sumVariantTuner, type SumVariant } from './rasterizePass';
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
  private readonly pipelines = new Map<SumVariant, GPUComputePipeline>();
  private readonly bindGroups = new Map<SumVariant, BindGroupCache>();
  private readonly tuner: VariantTuner<SumVariant>;
  private readonly tileLossPipeline: GPUComputePipeline;
  private readonly tileLossBindGroup: GPUBindGroup;

  constructor(
    private readonly device: GPUDevice,
    private readonly frame: ImageFrame,
    private readonly project: ProjectPass,
    private readonly binning: TileBinning,
    private readonly images: TrainingImages,
    /** @default 'auto' */
    variant: SumVariant | 'auto' = 'auto',
  ) {
    this.tuner = sumVariantTuner(device, 'gaussianImage.trainingForward', variant);
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

  /** The loop structure chosen (before a decision: the fallback). */
  get variant(): SumVariant {
    return this.tuner.decision ?? this.tuner.fallback;
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    const { variant, timer: passTimer } = this.tuner.begin(timer);
    const pipeline = this.pipeline(variant);
    const b = this.binning;
    const i = this.images;
    const resources = [this.frame.uniforms!, b.ranges, b.gaussianFromIsect!, this.project.projected!, i.target, i.image, i.pixelGrad];
    if (variant === 'direct') resources.push(this.project.reach!);
    let cache = this.bindGroups.get(variant);
    if (!cache) this.bindGroups.set(variant, (cache = new BindGroupCache()));
    const bindGroup = cache.get(resources, () =>
      this.device.createBindGroup({
        label: `GaussianImageTrainingForward.${variant}BindGroup`,
        layout: pipeline.getBindGroupLayout(0),
        // uniforms, tile_ranges, gaussian_from_isect, projected, target_image, image, pixel_grad (, reach)
        entries: bufferEntries(...resources),
      }),
    );
    const pass = beginComputePass(encoder, this.name, passTimer);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(this.frame.tiles.x, this.frame.tiles.y);
    pass.end();
    this.tuner.end(encoder);
  }

  /** After the step's submit: reads a tuning sample back, if this step took one. */
  afterSubmit(): void {
    this.tuner.afterSubmit();
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
    this.tuner.destroy();
    this.pipelines.clear();
    this.bindGroups.clear();
  }

  private pipeline(variant: SumVariant): GPUComputePipeline {
    let pipeline = this.pipelines.get(variant);
    if (!pipeline) {
      pipeline = createComputePipeline(this.device, {
        label: `GaussianImageTrainingForward.${variant}Pipeline`,
        code: sumSource,
        defines: ['TRAINING', ...sumDefines(variant)],
      });
      this.pipelines.set(variant, pipeline);
    }
    return pipeline;
  }
}
