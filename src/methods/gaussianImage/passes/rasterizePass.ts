/**
 * Stage `rasterize`: one 16×16 workgroup per tile draws the decoded image into an rgba8unorm
 * texture, by accumulated summation (GaussianImage, rasterize_sum.wgsl) or by Image-GS top-K
 * normalised rendering (rasterize_top_k.wgsl). The top-K pipeline is built on first use.
 */
import { beginComputePass, bufferEntries, createComputePipeline } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import type { ImageFrame } from '../frame';
import { BindGroupCache } from './bindGroupCache';
import type { ProjectPass } from './projectPass';
import type { TileBinning } from './tileBinning';
import sumSource from '../../../../shaders/gaussianImage/rasterize_sum.wgsl?raw';
import topKSource from '../../../../shaders/gaussianImage/rasterize_top_k.wgsl?raw';

export type RenderMode = 'sum' | 'topK';

export class RasterizePass {
  readonly name = 'rasterize';
  private readonly pipelines = new Map<RenderMode, GPUComputePipeline>();
  private readonly bindGroups = new Map<RenderMode, BindGroupCache>();

  constructor(
    private readonly device: GPUDevice,
    private readonly frame: ImageFrame,
    private readonly project: ProjectPass,
    private readonly binning: TileBinning,
  ) {
    this.pipeline('sum');
  }

  /** Draws every pixel of `output` (an rgba8unorm storage texture of the image's size). */
  encode(encoder: GPUCommandEncoder, output: GPUTextureView, mode: RenderMode, timer?: GpuTimer): void {
    const pipeline = this.pipeline(mode);
    const b = this.binning;
    const resources = [b.ranges, b.gaussianFromIsect!, this.project.projected!];
    let cache = this.bindGroups.get(mode);
    if (!cache) this.bindGroups.set(mode, (cache = new BindGroupCache()));
    const bindGroup = cache.get([...resources, output], () =>
      this.device.createBindGroup({
        label: `GaussianImageRasterize.${mode}BindGroup`,
        layout: pipeline.getBindGroupLayout(0),
        // uniforms, tile_ranges, gaussian_from_isect, projected, decoded_image
        entries: [...bufferEntries(this.frame.uniforms!, ...resources), { binding: 4, resource: output }],
      }),
    );
    const pass = beginComputePass(encoder, this.name, timer);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(this.frame.tiles.x, this.frame.tiles.y);
    pass.end();
  }

  destroy(): void {
    this.pipelines.clear();
    this.bindGroups.clear();
  }

  private pipeline(mode: RenderMode): GPUComputePipeline {
    let pipeline = this.pipelines.get(mode);
    if (!pipeline) {
      pipeline = createComputePipeline(this.device, {
        label: `GaussianImageRasterize.${mode}Pipeline`,
        code: mode === 'sum' ? sumSource : topKSource,
      });
      this.pipelines.set(mode, pipeline);
    }
    return pipeline;
  }
}
