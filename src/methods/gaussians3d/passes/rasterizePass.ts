/**
 * Stage `rasterize`: rewrites the visible splats into RasterSplat records and reach boxes
 * (raster_splats.wgsl), then blends each 16×16 tile's splats front to back into the frame target
 * (rasterize.wgsl). Two loop structures draw the same image: 'staged' (workgroup memory, for GPUs)
 * and 'direct' (no workgroup memory or barriers, for CPU emulation); 'auto' times both on the first
 * frames and keeps the faster for the device (VariantTuner). The bind groups follow the target view
 * and the intersection buffers; pipelines are built the first time they are needed.
 */
import { GpuMemory } from '../../../gpu/memory';
import { beginComputePass, createComputePipeline } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import { VariantTuner } from '../../../gpu/variantTuner';
import { registerWgslInclude } from '../../../gpu/wgsl';
import type { FrameTarget } from '../../types';
import { DispatchSlot, ProjectedSplatLayout, TILE_SIZE } from '../layout';
import type { FrameBuffers } from './projectPass';
import rasterSplatSource from '../../../../shaders/gaussians3d/raster_splat.wgsl?raw';
import rasterSplatsSource from '../../../../shaders/gaussians3d/raster_splats.wgsl?raw';
import rasterizeSource from '../../../../shaders/gaussians3d/rasterize.wgsl?raw';

registerWgslInclude('gaussians3d_raster_splat', rasterSplatSource);

/** Bytes of one RasterSplat (shaders/gaussians3d/raster_splat.wgsl): as many as a ProjectedSplat. */
const RASTER_SPLAT_BYTES = 32;
/** Bytes of one reach box (vec4f). */
const REACH_BYTES = 16;

export type RasterizeView = 'image' | 'tileHeatmap';
/** The rasterize loop structure (rasterize.wgsl). */
export type RasterizeVariant = 'staged' | 'direct';

export interface RasterizeInputs {
  tileRanges: GPUBuffer;
  splatIdFromIsect: GPUBuffer;
  /** ProjectedSplat per compact id, with the null splat at index FrameUniforms.splat_count. */
  projected: GPUBuffer;
  target: FrameTarget;
}

const VARIANT_DEFINES: Record<RasterizeVariant | 'tileHeatmap', string[]> = { staged: [], direct: ['DIRECT'], tileHeatmap: ['TILE_HEATMAP'] };

export class RasterizePass {
  readonly name = 'rasterize';
  private readonly memory: GpuMemory;
  private readonly layout: GPUBindGroupLayout;
  private readonly preparePipeline: GPUComputePipeline;
  private readonly pipelines = new Map<RasterizeVariant | 'tileHeatmap', GPUComputePipeline>();
  private readonly tuner: VariantTuner<RasterizeVariant>;
  /** RasterSplat and reach box per ProjectedSplat slot. */
  private rasterSplats: GPUBuffer | null = null;
  private rasterReach: GPUBuffer | null = null;
  private prepareBindGroup: GPUBindGroup | null = null;
  private bindGroup: GPUBindGroup | null = null;
  private inputs: RasterizeInputs | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly frame: FrameBuffers,
    /** Threads per workgroup the frame's per-visible-splat dispatch counts were made for. @default 256 */
    workgroupSize = 256,
    /** @default 'auto' */
    variant: RasterizeVariant | 'auto' = 'auto',
  ) {
    this.memory = GpuMemory.of(device);
    this.preparePipeline = createComputePipeline(device, {
      label: 'RasterizePass.preparePipeline',
      code: rasterSplatsSource,
      constants: { WORKGROUP_SIZE: workgroupSize },
    });
    const storage = (type: GPUBufferBindingType): GPUBindGroupLayoutEntry['buffer'] => ({ type });
    this.layout = device.createBindGroupLayout({
      label: 'RasterizePass.layout',
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: storage('uniform') }, // uniforms
        { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: storage('read-only-storage') }, // counters
        { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: storage('read-only-storage') }, // tile_ranges
        { binding: 3, visibility: GPUShaderStage.COMPUTE, buffer: storage('read-only-storage') }, // splat_id_from_isect
        { binding: 4, visibility: GPUShaderStage.COMPUTE, buffer: storage('read-only-storage') }, // raster_splats
        { binding: 5, visibility: GPUShaderStage.COMPUTE, buffer: storage('read-only-storage') }, // raster_reach
        { binding: 6, visibility: GPUShaderStage.COMPUTE, storageTexture: { access: 'write-only', format: 'rgba8unorm' } }, // target_image
      ],
    });
    const candidates: RasterizeVariant[] = variant === 'auto' ? ['staged', 'direct'] : [variant];
    this.tuner = new VariantTuner(device, 'gaussians3d.rasterize', candidates, candidates[0]!);
  }

  /** The loop structure chosen (before a decision: the fallback). */
  get variant(): RasterizeVariant {
    return this.tuner.decision ?? this.tuner.fallback;
  }

  /** Whether the loop structure is settled (explicit, cached or timed). */
  get decided(): boolean {
    return this.tuner.decision !== null;
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
    if (old?.projected !== inputs.projected) {
      const slots = inputs.projected.size / ProjectedSplatLayout.byteSize;
      this.memory.release(this.rasterSplats);
      this.memory.release(this.rasterReach);
      this.rasterSplats = this.memory.createBuffer({ label: 'RasterizePass.rasterSplats', size: slots * RASTER_SPLAT_BYTES, usage: GPUBufferUsage.STORAGE });
      this.rasterReach = this.memory.createBuffer({ label: 'RasterizePass.rasterReach', size: slots * REACH_BYTES, usage: GPUBufferUsage.STORAGE });
      this.prepareBindGroup = this.device.createBindGroup({
        label: 'RasterizePass.prepareBindGroup',
        layout: this.preparePipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.frame.uniforms } }, // uniforms
          { binding: 1, resource: { buffer: this.frame.counters } }, // counters
          { binding: 2, resource: { buffer: inputs.projected } }, // projected
          { binding: 3, resource: { buffer: this.rasterSplats } }, // raster_splats
          { binding: 4, resource: { buffer: this.rasterReach } }, // raster_reach
        ],
      });
    }
    this.inputs = inputs;
    this.bindGroup = this.device.createBindGroup({
      label: 'RasterizePass.bindGroup',
      layout: this.layout,
      entries: [
        { binding: 0, resource: { buffer: this.frame.uniforms } }, // uniforms
        { binding: 1, resource: { buffer: this.frame.counters } }, // counters
        { binding: 2, resource: { buffer: inputs.tileRanges } }, // tile_ranges
        { binding: 3, resource: { buffer: inputs.splatIdFromIsect } }, // splat_id_from_isect
        { binding: 4, resource: { buffer: this.rasterSplats! } }, // raster_splats
        { binding: 5, resource: { buffer: this.rasterReach! } }, // raster_reach
        { binding: 6, resource: inputs.target.view }, // target_image
      ],
    });
  }

  encode(encoder: GPUCommandEncoder, view: RasterizeView, timer?: GpuTimer): void {
    const inputs = this.inputs;
    if (!inputs) throw new Error('RasterizePass.encode before setInputs');
    // The heatmap is a debug view: never a tuning sample.
    const { variant, timer: passTimer } = view === 'image' ? this.tuner.begin(timer) : { variant: 'tileHeatmap' as const, timer };
    const pass = beginComputePass(encoder, this.name, passTimer);
    pass.setPipeline(this.preparePipeline);
    pass.setBindGroup(0, this.prepareBindGroup!);
    pass.dispatchWorkgroupsIndirect(this.frame.dispatch, DispatchSlot.perVisible * 4);
    pass.setPipeline(this.pipeline(variant));
    pass.setBindGroup(0, this.bindGroup!);
    pass.dispatchWorkgroups(Math.ceil(inputs.target.width / TILE_SIZE), Math.ceil(inputs.target.height / TILE_SIZE));
    pass.end();
    if (view === 'image') this.tuner.end(encoder);
  }

  /** After the frame's submit: reads a tuning sample back, if this frame took one. */
  afterSubmit(): void {
    this.tuner.afterSubmit();
  }

  destroy(): void {
    this.tuner.destroy();
    this.memory.release(this.rasterSplats);
    this.memory.release(this.rasterReach);
    this.rasterSplats = this.rasterReach = null;
    this.prepareBindGroup = this.bindGroup = null;
    this.inputs = null;
    this.pipelines.clear();
  }

  private pipeline(variant: RasterizeVariant | 'tileHeatmap'): GPUComputePipeline {
    let pipeline = this.pipelines.get(variant);
    if (!pipeline) {
      pipeline = createComputePipeline(this.device, {
        label: `RasterizePass.${variant}Pipeline`,
        code: rasterizeSource,
        defines: VARIANT_DEFINES[variant],
        layout: this.device.createPipelineLayout({ label: `RasterizePass.${variant}Layout`, bindGroupLayouts: [this.layout] }),
      });
      this.pipelines.set(variant, pipeline);
    }
    return pipeline;
  }
}
