/**
 * Stage `project`: one thread per splat; culls, projects (EWA), evaluates SH and compacts the
 * visible splats. Owns the per-visible-splat buffers, sized for the whole scene (every splat may be
 * visible). Also writes the indirect workgroup counts of the later per-visible-splat kernels.
 */
import { GpuMemory } from '../../../gpu/memory';
import { beginComputePass, bufferEntries, createComputePipeline, workgroupGrid } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import type { GpuScene } from '../gpuScene';
import { ProjectedSplatLayout, TILE_RECT_BYTES } from '../layout';
import projectSource from '../../../../shaders/gaussians3d/project.wgsl?raw';
import visibleArgsSource from '../../../../shaders/gaussians3d/visible_args.wgsl?raw';

/** Buffers every stage of a frame shares, owned by the renderer. */
export interface FrameBuffers {
  uniforms: GPUBuffer;
  /** FrameCounter words (layout.ts), cleared at the start of each frame. */
  counters: GPUBuffer;
  /** DispatchSlot groups of indirect workgroup counts. */
  dispatch: GPUBuffer;
}

/**
 * The stage that fills the per-visible-splat buffers the later passes read: ProjectPass, or another
 * method's projection of its own splats (Gaussians3dRenderer's ExternalSplats) writing the same
 * buffers, `projected` included with its null splat at index splatCount.
 */
export interface ProjectionStage {
  readonly name: string;
  globalFromCompactId: GPUBuffer | null;
  depthKeys: GPUBuffer | null;
  depthOrder: GPUBuffer | null;
  projected: GPUBuffer | null;
  tileRects: GPUBuffer | null;
  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void;
  destroy(): void;
}

export class ProjectPass implements ProjectionStage {
  readonly name = 'project';
  /** Compact id → splat index. */
  globalFromCompactId: GPUBuffer | null;
  /** Float bits of view depth per compact id (the depth sort's keys). */
  depthKeys: GPUBuffer | null;
  /** Compact ids; project writes the identity, the depth sort reorders it front to back. */
  depthOrder: GPUBuffer | null;
  /** ProjectedSplat per compact id, plus the null splat at index splatCount (see emit_intersections.wgsl). */
  projected: GPUBuffer | null;
  /** Packed tile rectangle per compact id. */
  tileRects: GPUBuffer | null;

  private readonly memory: GpuMemory;
  private readonly projectPipeline: GPUComputePipeline;
  private readonly argsPipeline: GPUComputePipeline;
  private readonly projectBindGroup: GPUBindGroup;
  private readonly argsBindGroup: GPUBindGroup;
  private readonly grid: [number, number];

  constructor(
    device: GPUDevice,
    private readonly scene: GpuScene,
    frame: FrameBuffers,
    /** Threads per workgroup of the 1D kernels. @default 256 */
    workgroupSize = 256,
  ) {
    this.memory = GpuMemory.of(device);
    const slots = Math.max(1, scene.count);
    const storage = (field: string, bytesPerSplat: number) =>
      this.memory.createBuffer({
        label: `ProjectPass.${field}`,
        size: slots * bytesPerSplat,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    this.globalFromCompactId = storage('globalFromCompactId', 4);
    this.depthKeys = storage('depthKeys', 4);
    this.depthOrder = storage('depthOrder', 4);
    this.projected = this.memory.createBuffer({
      label: 'ProjectPass.projected',
      size: (scene.count + 1) * ProjectedSplatLayout.byteSize,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    // The null splat: opacity 0, so rasterize skips it wherever it appears.
    device.queue.writeBuffer(this.projected, scene.count * ProjectedSplatLayout.byteSize, new Uint8Array(ProjectedSplatLayout.byteSize));
    this.tileRects = storage('tileRects', TILE_RECT_BYTES);

    const maxPerDimension = device.limits.maxComputeWorkgroupsPerDimension;
    this.projectPipeline = createComputePipeline(device, {
      label: 'ProjectPass.projectPipeline',
      code: projectSource,
      constants: { WORKGROUP_SIZE: workgroupSize },
    });
    this.argsPipeline = createComputePipeline(device, {
      label: 'ProjectPass.argsPipeline',
      code: visibleArgsSource,
      constants: { WORKGROUP_SIZE: workgroupSize, MAX_WORKGROUPS_PER_DIMENSION: maxPerDimension },
    });
    this.projectBindGroup = device.createBindGroup({
      label: 'ProjectPass.projectBindGroup',
      layout: this.projectPipeline.getBindGroupLayout(0),
      entries: bufferEntries(
        frame.uniforms, // uniforms
        scene.geometry!, // geometry
        scene.sh!, // sh
        frame.counters, // counters
        this.globalFromCompactId, // global_from_compact_id
        this.depthKeys, // depth_keys
        this.depthOrder, // depth_order
        this.projected, // projected
        this.tileRects, // tile_rects
      ),
    });
    this.argsBindGroup = device.createBindGroup({
      label: 'ProjectPass.argsBindGroup',
      layout: this.argsPipeline.getBindGroupLayout(0),
      entries: bufferEntries(frame.counters, frame.dispatch),
    });
    this.grid = workgroupGrid(Math.ceil(scene.count / workgroupSize), maxPerDimension);
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    const pass = beginComputePass(encoder, this.name, timer);
    if (this.scene.count > 0) {
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
    for (const buffer of [this.globalFromCompactId, this.depthKeys, this.depthOrder, this.projected, this.tileRects]) this.memory.release(buffer);
    this.globalFromCompactId = this.depthKeys = this.depthOrder = this.projected = this.tileRects = null;
  }
}
