/**
 * Stage `rasterize`: one workgroup per 16×16 tile draws the decoded image into an rgba8unorm
 * texture, by accumulated summation (GaussianImage, rasterize_sum.wgsl) or by Image-GS top-K
 * normalised rendering (rasterize_top_k.wgsl). Summation has two loop structures that draw the
 * same image: 'perPixel' (for GPUs) and 'direct' (for CPU emulation); 'auto' times both on the
 * first frames and keeps the faster for the device (VariantTuner). Pipelines are built on first use.
 */
import { beginComputePass, bufferEntries, createComputePipeline } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import { VariantTuner } from '../../../gpu/variantTuner';
import type { ImageFrame } from '../frame';
import { BindGroupCache } from './bindGroupCache';
import type { ProjectPass } from './projectPass';
import type { TileBinning } from './tileBinning';
import sumSource from '../../../../shaders/gaussianImage/rasterize_sum.wgsl?raw';
import topKSource from '../../../../shaders/gaussianImage/rasterize_top_k.wgsl?raw';

export type RenderMode = 'sum' | 'topK';
/** The rasterize_sum loop structure (rasterize_sum.wgsl). */
export type SumVariant = 'perPixel' | 'direct';

/** rasterize_sum's defines for a variant. */
export function sumDefines(variant: SumVariant): string[] {
  return variant === 'direct' ? ['DIRECT'] : [];
}

/** A tuner over the rasterize_sum variants; 'perPixel' (the GPU design) runs until it decides. */
export function sumVariantTuner(device: GPUDevice, key: string, variant: SumVariant | 'auto'): VariantTuner<SumVariant> {
  const candidates: SumVariant[] = variant === 'auto' ? ['perPixel', 'direct'] : [variant];
  return new VariantTuner(device, key, candidates, candidates[0]!);
}

type Kernel = SumVariant | 'topK';

export class RasterizePass {
  readonly name = 'rasterize';
  private readonly pipelines = new Map<Kernel, GPUComputePipeline>();
  private readonly bindGroups = new Map<Kernel, BindGroupCache>();
  private readonly tuner: VariantTuner<SumVariant>;

  constructor(
    private readonly device: GPUDevice,
    private readonly frame: ImageFrame,
    private readonly project: ProjectPass,
    private readonly binning: TileBinning,
    /** @default 'auto' */
    variant: SumVariant | 'auto' = 'auto',
  ) {
    this.tuner = sumVariantTuner(device, 'gaussianImage.rasterizeSum', variant);
  }

  /** The summation loop structure chosen (before a decision: the fallback). */
  get sumVariant(): SumVariant {
    return this.tuner.decision ?? this.tuner.fallback;
  }

  /** Whether the summation loop structure is settled (explicit, cached or timed). */
  get decided(): boolean {
    return this.tuner.decision !== null;
  }

  /** Draws every pixel of `output` (an rgba8unorm storage texture of the image's size). */
  encode(encoder: GPUCommandEncoder, output: GPUTextureView, mode: RenderMode, timer?: GpuTimer): void {
    // Top-K is never a tuning sample.
    const { variant, timer: passTimer } = mode === 'sum' ? this.tuner.begin(timer) : { variant: 'topK' as const, timer };
    const pipeline = this.pipeline(variant);
    const b = this.binning;
    const resources = [b.ranges, b.gaussianFromIsect!, this.project.projected!];
    let cache = this.bindGroups.get(variant);
    if (!cache) this.bindGroups.set(variant, (cache = new BindGroupCache()));
    const bindGroup = cache.get([...resources, output], () =>
      this.device.createBindGroup({
        label: `GaussianImageRasterize.${variant}BindGroup`,
        layout: pipeline.getBindGroupLayout(0),
        // uniforms, tile_ranges, gaussian_from_isect, projected, decoded_image (, reach)
        entries: [
          ...bufferEntries(this.frame.uniforms!, ...resources),
          { binding: 4, resource: output },
          ...(variant === 'direct' ? [{ binding: 5, resource: { buffer: this.project.reach! } }] : []),
        ],
      }),
    );
    const pass = beginComputePass(encoder, this.name, passTimer);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(this.frame.tiles.x, this.frame.tiles.y);
    pass.end();
    if (mode === 'sum') this.tuner.end(encoder);
  }

  /** After the frame's submit: reads a tuning sample back, if this frame took one. */
  afterSubmit(): void {
    this.tuner.afterSubmit();
  }

  destroy(): void {
    this.tuner.destroy();
    this.pipelines.clear();
    this.bindGroups.clear();
  }

  private pipeline(kernel: Kernel): GPUComputePipeline {
    let pipeline = this.pipelines.get(kernel);
    if (!pipeline) {
      pipeline = createComputePipeline(this.device, {
        label: `GaussianImageRasterize.${kernel}Pipeline`,
        code: kernel === 'topK' ? topKSource : sumSource,
        defines: kernel === 'topK' ? [] : sumDefines(kernel),
      });
      this.pipelines.set(kernel, pipeline);
    }
    return pipeline;
  }
}
