/**
 * Stage `rasterize`: one workgroup per 16×16 tile (64 threads, 4 pixels each) blends the tile's
 * splats front to back into the frame target. The bind group follows the target view and the intersection buffers; the tile
 * heatmap debug variant is built the first time it is asked for.
 */
import { beginComputePass, createComputePipeline } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import type { FrameTarget } from '../../types';
import type { FrameBuffers } from './projectPass';
import rasterizeSource from '../../../../shaders/gaussians3d/rasterize.wgsl?raw';

export type RasterizeView = 'image' | 'tileHeatmap';

export interface RasterizeInputs {
  tileRanges: GPUBuffer;
  splatIdFromIsect: GPUBuffer;
  projected: GPUBuffer;
  target: FrameTarget;
}

export class RasterizePass {
  readonly name = 'rasterize';
  private readonly imagePipeline: GPUComputePipeline;
  private heatmapPipeline: GPUComputePipeline | null = null;
  private bindGroups = new Map<GPUComputePipeline, GPUBindGroup>();
  private inputs: RasterizeInputs | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly frame: FrameBuffers,
  ) {
    this.imagePipeline = createComputePipeline(device, { label: 'RasterizePass.imagePipeline', code: rasterizeSource });
  }

  /** Rebinds when any input buffer or the target changed since the last call. */
  setInputs(inputs: RasterizeInputs): void {
    const old = this.inputs;
    if (
      old &&
      old.tileRanges === inputs.tileRanges &&
      old.splatIdFromIsect === inputs.splatIdFromIsect &&
      old.projected === inputs.projected &&
      old.target.view === inputs.target.view
    ) {
      return;
    }
    this.inputs = inputs;
    this.bindGroups.clear();
  }

  encode(encoder: GPUCommandEncoder, view: RasterizeView, timer?: GpuTimer): void {
    const inputs = this.inputs;
    if (!inputs) throw new Error('RasterizePass.encode before setInputs');
    const pipeline =
      view === 'tileHeatmap'
        ? (this.heatmapPipeline ??= createComputePipeline(this.device, {
            label: 'RasterizePass.heatmapPipeline',
            code: rasterizeSource,
            defines: ['TILE_HEATMAP'],
          }))
        : this.imagePipeline;
    let bindGroup = this.bindGroups.get(pipeline);
    if (!bindGroup) {
      // The heatmap variant uses a subset of the bindings ('auto' layouts drop unused ones).
      const resources: GPUBindingResource[] = [
        { buffer: this.frame.uniforms }, // uniforms
        { buffer: this.frame.counters }, // counters
        { buffer: inputs.tileRanges }, // tile_ranges
        { buffer: inputs.splatIdFromIsect }, // splat_id_from_isect
        { buffer: inputs.projected }, // projected
        inputs.target.view, // target_image
      ];
      const used = view === 'tileHeatmap' ? [0, 1, 2, 5] : [0, 1, 2, 3, 4, 5];
      bindGroup = this.device.createBindGroup({
        label: `RasterizePass.bindGroup.${view}`,
        layout: pipeline.getBindGroupLayout(0),
        entries: used.map((binding) => ({ binding, resource: resources[binding]! })),
      });
      this.bindGroups.set(pipeline, bindGroup);
    }
    const pass = beginComputePass(encoder, this.name, timer);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(inputs.target.width / 16), Math.ceil(inputs.target.height / 16));
    pass.end();
  }

  destroy(): void {
    this.bindGroups.clear();
    this.inputs = null;
    this.heatmapPipeline = null;
  }
}
