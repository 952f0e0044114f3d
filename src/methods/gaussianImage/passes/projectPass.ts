/**
 * Stage `project`: one thread per Gaussian: centre, conic, colour and tile rectangle, and the tile
 * count the scan turns into intersection slots. Owns the per-Gaussian buffers, sized for the
 * largest Gaussian count the owner will draw. Also writes each Gaussian's reach box, which the
 * 'direct' rasterize_sum skips by.
 */
import { GpuMemory } from '../../../gpu/memory';
import { beginComputePass, bufferEntries, createComputePipeline, workgroupGrid } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import type { ImageFrame } from '../frame';
import { ProjectedGaussianLayout, REACH_BYTES, TILE_RECT_BYTES } from '../layout';
import projectSource from '../../../../shaders/gaussianImage/project.wgsl?raw';

const WORKGROUP_SIZE = 256;

export class ProjectPass {
  readonly name = 'project';
  /** ProjectedGaussian per Gaussian. */
  projected: GPUBuffer | null;
  /** Packed tile rectangle per Gaussian. */
  tileRects: GPUBuffer | null;
  /** Pixel box per Gaussian outside which its weight is below 1/255 (vec4f; project.wgsl step 5). */
  reach: GPUBuffer | null;
  /** Tiles covered per Gaussian; scanned in place into inclusive offsets by `scanTileCounts`. */
  tileOffsets: GPUBuffer | null;

  private readonly memory: GpuMemory;
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroup: GPUBindGroup;

  constructor(
    private readonly device: GPUDevice,
    private readonly frame: ImageFrame,
    params: GPUBuffer,
    maxGaussians: number,
  ) {
    this.memory = GpuMemory.of(device);
    const storage = (field: string, bytes: number) =>
      this.memory.createBuffer({
        label: `GaussianImageProject.${field}`,
        size: Math.max(1, maxGaussians) * bytes,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      });
    this.projected = storage('projected', ProjectedGaussianLayout.byteSize);
    this.tileRects = storage('tileRects', TILE_RECT_BYTES);
    this.tileOffsets = storage('tileOffsets', 4);
    this.reach = storage('reach', REACH_BYTES);
    this.pipeline = createComputePipeline(device, {
      label: 'GaussianImageProject.pipeline',
      code: projectSource,
      constants: { WORKGROUP_SIZE },
    });
    this.bindGroup = device.createBindGroup({
      label: 'GaussianImageProject.bindGroup',
      layout: this.pipeline.getBindGroupLayout(0),
      // uniforms, params, projected, tile_rects, tile_counts, reach
      entries: bufferEntries(frame.uniforms!, params, this.projected, this.tileRects, this.tileOffsets, this.reach),
    });
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    const [x, y] = workgroupGrid(Math.ceil(this.frame.gaussianCount / WORKGROUP_SIZE), this.device.limits.maxComputeWorkgroupsPerDimension);
    const pass = beginComputePass(encoder, this.name, timer);
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(x, y);
    pass.end();
  }

  destroy(): void {
    this.memory.release(this.projected);
    this.memory.release(this.tileRects);
    this.memory.release(this.tileOffsets);
    this.memory.release(this.reach);
    this.projected = this.tileRects = this.tileOffsets = this.reach = null;
  }
}
