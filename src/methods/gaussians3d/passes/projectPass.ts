/**
 * Stage `project`: one thread per splat; culls, projects (EWA), evaluates SH and compacts the
 * visible splats. Runs once per scene chunk (GpuScene), each with its own bind group and a
 * SplatChunk uniform slot, and only over the first `budget` splats in upload (importance) order.
 * Owns the per-visible-splat buffers, sized for `slots` visible splats (the whole scene unless one
 * binding holds fewer; the renderer then caps the budget at `slots`). Also writes the indirect
 * workgroup counts of the later per-visible-splat kernels.
 */
import { BINDING_ALIGNMENT } from '../../../primitives/bindings';
import { GpuMemory } from '../../../gpu/memory';
import { beginComputePass, bufferEntries, createComputePipeline, workgroupGrid } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import type { GpuScene } from '../gpuScene';
import { ProjectedSplatLayout, SplatChunkLayout, TILE_RECT_BYTES } from '../layout';
import type { SplatStorage } from '../splatStorage';
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
  /** Compact id → splat upload index (GpuScene.order maps it to the cloud index). */
  globalFromCompactId: GPUBuffer | null;
  /** Float bits of view depth per compact id (the depth sort's keys). */
  depthKeys: GPUBuffer | null;
  /** Compact ids; project writes the identity, the depth sort reorders it front to back. */
  depthOrder: GPUBuffer | null;
  /** ProjectedSplat per compact id, plus the null splat at index `slots` (see emit_intersections.wgsl). */
  projected: GPUBuffer | null;
  /** Packed tile rectangle per compact id. */
  tileRects: GPUBuffer | null;

  private readonly memory: GpuMemory;
  private readonly pipelines = new Map<SplatStorage, GPUComputePipeline>();
  private readonly argsPipeline: GPUComputePipeline;
  private readonly argsBindGroup: GPUBindGroup;
  private readonly maxPerDimension: number;
  private scene!: GpuScene;
  /** SplatChunk records, one per 256-byte slot. */
  private chunkUniforms: GPUBuffer | null = null;
  private chunkBindGroups: GPUBindGroup[] = [];
  /** Workgroup grid of each chunk for the current budget ([0, 0] when the budget ends before it). */
  private chunkGrids: Array<[number, number]> = [];
  private budget = -1;

  constructor(
    private readonly device: GPUDevice,
    scene: GpuScene,
    private readonly frame: FrameBuffers,
    /** Visible splats the per-visible buffers hold. */
    readonly slots: number,
    /** Threads per workgroup of the 1D kernels. @default 256 */
    private readonly workgroupSize = 256,
  ) {
    this.memory = GpuMemory.of(device);
    const storage = (field: string, bytesPerSplat: number) =>
      this.memory.createBuffer({
        label: `ProjectPass.${field}`,
        size: Math.max(1, slots) * bytesPerSplat,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    this.globalFromCompactId = storage('globalFromCompactId', 4);
    this.depthKeys = storage('depthKeys', 4);
    this.depthOrder = storage('depthOrder', 4);
    this.projected = this.memory.createBuffer({
      label: 'ProjectPass.projected',
      size: (slots + 1) * ProjectedSplatLayout.byteSize,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    // The null splat: opacity 0, so rasterize skips it wherever it appears.
    device.queue.writeBuffer(this.projected, slots * ProjectedSplatLayout.byteSize, new Uint8Array(ProjectedSplatLayout.byteSize));
    this.tileRects = storage('tileRects', TILE_RECT_BYTES);

    this.maxPerDimension = device.limits.maxComputeWorkgroupsPerDimension;
    this.argsPipeline = createComputePipeline(device, {
      label: 'ProjectPass.argsPipeline',
      code: visibleArgsSource,
      constants: { WORKGROUP_SIZE: workgroupSize, MAX_WORKGROUPS_PER_DIMENSION: this.maxPerDimension },
    });
    this.argsBindGroup = device.createBindGroup({
      label: 'ProjectPass.argsBindGroup',
      layout: this.argsPipeline.getBindGroupLayout(0),
      entries: bufferEntries(frame.counters, frame.dispatch),
    });
    this.setScene(scene);
  }

  /** Binds another upload of the scene (another storage format): pipeline variant, chunk slots, bind groups. */
  setScene(scene: GpuScene): void {
    this.scene = scene;
    let pipeline = this.pipelines.get(scene.storage);
    if (!pipeline) {
      pipeline = createComputePipeline(this.device, {
        label: `ProjectPass.projectPipeline.${scene.storage}`,
        code: projectSource,
        defines: scene.storage === 'compact' ? ['COMPACT_STORAGE'] : [],
        constants: { WORKGROUP_SIZE: this.workgroupSize },
      });
      this.pipelines.set(scene.storage, pipeline);
    }
    this.memory.release(this.chunkUniforms);
    this.chunkUniforms = this.memory.createBuffer({
      label: 'ProjectPass.chunkUniforms',
      size: scene.chunks.length * BINDING_ALIGNMENT,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.chunkBindGroups = scene.chunks.map((chunk, c) =>
      this.device.createBindGroup({
        label: `ProjectPass.projectBindGroup${c}`,
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          ...bufferEntries(
            this.frame.uniforms, // uniforms
            chunk.geometry, // geometry
            chunk.sh, // sh
            this.frame.counters, // counters
            this.globalFromCompactId!, // global_from_compact_id
            this.depthKeys!, // depth_keys
            this.depthOrder!, // depth_order
            this.projected!, // projected
            this.tileRects!, // tile_rects
          ),
          // chunk
          { binding: 9, resource: { buffer: this.chunkUniforms!, offset: c * BINDING_ALIGNMENT, size: SplatChunkLayout.byteSize } },
        ],
      }),
    );
    this.budget = -1;
  }

  /** Projects only upload indices below `splats` (the most important ones); rewrites the chunk slots when it changed. */
  setBudget(splats: number): void {
    if (splats === this.budget) return;
    this.budget = splats;
    const records = new Uint32Array((this.scene.chunks.length * BINDING_ALIGNMENT) / 4);
    const o = SplatChunkLayout.wordOffset;
    this.chunkGrids = this.scene.chunks.map((chunk, c) => {
      const count = Math.max(0, Math.min(chunk.count, splats - chunk.first));
      records[(c * BINDING_ALIGNMENT) / 4 + o.first!] = chunk.first;
      records[(c * BINDING_ALIGNMENT) / 4 + o.count!] = count;
      return count > 0 ? workgroupGrid(Math.ceil(count / this.workgroupSize), this.maxPerDimension) : [0, 0];
    });
    this.device.queue.writeBuffer(this.chunkUniforms!, 0, records);
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    if (this.budget < 0) throw new Error('ProjectPass.encode before setBudget');
    const pass = beginComputePass(encoder, this.name, timer);
    pass.setPipeline(this.pipelines.get(this.scene.storage)!);
    this.chunkGrids.forEach(([x, y], c) => {
      if (x === 0) return;
      pass.setBindGroup(0, this.chunkBindGroups[c]!);
      pass.dispatchWorkgroups(x, y);
    });
    pass.setPipeline(this.argsPipeline);
    pass.setBindGroup(0, this.argsBindGroup);
    pass.dispatchWorkgroups(1);
    pass.end();
  }

  destroy(): void {
    for (const buffer of [this.globalFromCompactId, this.depthKeys, this.depthOrder, this.projected, this.tileRects, this.chunkUniforms]) {
      this.memory.release(buffer);
    }
    this.globalFromCompactId = this.depthKeys = this.depthOrder = this.projected = this.tileRects = this.chunkUniforms = null;
    this.chunkBindGroups = [];
  }
}
