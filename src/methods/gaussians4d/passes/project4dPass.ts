/**
 * Stage `project4d` (4D Gaussians) or `projectSplatv` (.splatv): one thread per splat slices it at
 * the frame's time and projects the 3D Gaussian it gives, writing exactly the buffers the 3DGS
 * `project` stage writes, so the 3DGS renderer runs its later passes on them unchanged (it creates
 * this stage through ExternalSplats). Owns the per-visible-splat buffers and the slice uniforms; also
 * writes the indirect workgroup counts of the later per-visible-splat kernels, as 3DGS project does.
 */
import { GpuMemory } from '../../../gpu/memory';
import { beginComputePass, bufferEntries, createComputePipeline, workgroupGrid } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import { ProjectedSplatLayout, TILE_RECT_BYTES } from '../../gaussians3d/layout';
import type { FrameBuffers, ProjectionStage } from '../../gaussians3d/passes/projectPass';
import type { GpuScene4d, GpuSplatvScene } from '../gpuScene4d';
import { SliceUniformsLayout } from '../layout';
import visibleArgsSource from '../../../../shaders/gaussians3d/visible_args.wgsl?raw';
import project4dSource from '../../../../shaders/gaussians4d/project4d.wgsl?raw';
import projectSplatvSource from '../../../../shaders/gaussians4d/project_splatv.wgsl?raw';

/** What a frame slices at, written into the slice uniforms before the frame is encoded. */
export interface SliceFrame {
  time: number;
  /** Period of the temporal SH (4D scenes; ignored for .splatv). */
  shPeriod: number;
  /** Temporal SH orders evaluated (4D scenes; 0 for .splatv). */
  shDegreeT: number;
}

export type GpuDynamicScene = { kind: '4d'; scene: GpuScene4d } | { kind: 'splatv'; scene: GpuSplatvScene };

export class Project4dPass implements ProjectionStage {
  readonly name: 'project4d' | 'projectSplatv';
  globalFromCompactId: GPUBuffer | null;
  depthKeys: GPUBuffer | null;
  depthOrder: GPUBuffer | null;
  projected: GPUBuffer | null;
  tileRects: GPUBuffer | null;
  /** SliceUniforms (layout.ts). */
  sliceUniforms: GPUBuffer | null;

  private readonly memory: GpuMemory;
  private readonly projectPipeline: GPUComputePipeline;
  private readonly argsPipeline: GPUComputePipeline;
  private readonly projectBindGroup: GPUBindGroup;
  private readonly argsBindGroup: GPUBindGroup;
  private readonly grid: [number, number];
  private readonly count: number;
  private readonly uniformData = new ArrayBuffer(SliceUniformsLayout.byteSize);

  constructor(
    private readonly device: GPUDevice,
    source: GpuDynamicScene,
    frame: FrameBuffers,
    /** Threads per workgroup. @default 256 */
    workgroupSize = 256,
  ) {
    this.memory = GpuMemory.of(device);
    this.name = source.kind === '4d' ? 'project4d' : 'projectSplatv';
    this.count = source.scene.count;
    const slots = Math.max(1, this.count);
    const storage = (field: string, bytesPerSplat: number) =>
      this.memory.createBuffer({
        label: `Project4dPass.${field}`,
        size: slots * bytesPerSplat,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    this.globalFromCompactId = storage('globalFromCompactId', 4);
    this.depthKeys = storage('depthKeys', 4);
    this.depthOrder = storage('depthOrder', 4);
    this.projected = this.memory.createBuffer({
      label: 'Project4dPass.projected',
      size: (this.count + 1) * ProjectedSplatLayout.byteSize,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    // The null splat the later 3DGS passes expect at index splatCount: opacity 0, never drawn.
    device.queue.writeBuffer(this.projected, this.count * ProjectedSplatLayout.byteSize, new Uint8Array(ProjectedSplatLayout.byteSize));
    this.tileRects = storage('tileRects', TILE_RECT_BYTES);
    this.sliceUniforms = this.memory.createBuffer({
      label: 'Project4dPass.sliceUniforms',
      size: SliceUniformsLayout.byteSize,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });

    const maxPerDimension = device.limits.maxComputeWorkgroupsPerDimension;
    this.projectPipeline = createComputePipeline(device, {
      label: `Project4dPass.${this.name}Pipeline`,
      code: source.kind === '4d' ? project4dSource : projectSplatvSource,
      constants: { WORKGROUP_SIZE: workgroupSize },
    });
    this.argsPipeline = createComputePipeline(device, {
      label: 'Project4dPass.argsPipeline',
      code: visibleArgsSource,
      constants: { WORKGROUP_SIZE: workgroupSize, MAX_WORKGROUPS_PER_DIMENSION: maxPerDimension },
    });
    const inputs: GPUBindGroupEntry[] =
      source.kind === '4d'
        ? [
            { binding: 1, resource: { buffer: source.scene.geometry! } }, // geometry
            { binding: 2, resource: { buffer: source.scene.sh! } }, // sh
          ]
        : [{ binding: 1, resource: { buffer: source.scene.records! } }]; // records
    this.projectBindGroup = device.createBindGroup({
      label: 'Project4dPass.projectBindGroup',
      layout: this.projectPipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: frame.uniforms } }, // uniforms
        ...inputs,
        { binding: 3, resource: { buffer: frame.counters } }, // counters
        { binding: 4, resource: { buffer: this.globalFromCompactId } }, // global_from_compact_id
        { binding: 5, resource: { buffer: this.depthKeys } }, // depth_keys
        { binding: 6, resource: { buffer: this.depthOrder } }, // depth_order
        { binding: 7, resource: { buffer: this.projected } }, // projected
        { binding: 8, resource: { buffer: this.tileRects } }, // tile_rects
        { binding: 9, resource: { buffer: this.sliceUniforms } }, // slice
      ],
    });
    this.argsBindGroup = device.createBindGroup({
      label: 'Project4dPass.argsBindGroup',
      layout: this.argsPipeline.getBindGroupLayout(0),
      entries: bufferEntries(frame.counters, frame.dispatch),
    });
    this.grid = workgroupGrid(Math.ceil(this.count / workgroupSize), maxPerDimension);
  }

  /** Writes the slice uniforms of the next frame (call before encoding it). */
  setFrame(frame: SliceFrame): void {
    const o = SliceUniformsLayout.wordOffset;
    const floats = new Float32Array(this.uniformData);
    const uints = new Uint32Array(this.uniformData);
    floats[o.time!] = frame.time;
    floats[o.sh_period!] = frame.shPeriod;
    uints[o.sh_degree_t!] = frame.shDegreeT;
    this.device.queue.writeBuffer(this.sliceUniforms!, 0, this.uniformData);
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    const pass = beginComputePass(encoder, this.name, timer);
    if (this.count > 0) {
      pass.setPipeline(this.projectPipeline);
      pass.setBindGroup(0, this.projectBindGroup);
      pass.dispatchWorkgroups(this.grid[0], this.grid[1]);
    }
    pass.setPipeline(this.argsPipeline);
    pass.setBindGroup(0, this.argsBindGroup);
    pass.dispatchWorkgroups(1);
    pass.end();
  }

  destroy(): void {
    for (const buffer of [this.globalFromCompactId, this.depthKeys, this.depthOrder, this.projected, this.tileRects, this.sliceUniforms]) this.memory.release(buffer);
    this.globalFromCompactId = this.depthKeys = this.depthOrder = this.projected = this.tileRects = this.sliceUniforms = null;
  }
}
