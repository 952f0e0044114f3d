/**
 * Stage `emitIntersections`: writes the (tile id, compact splat id) list in depth order. Owns the
 * two intersection buffers; their capacity is chosen by the renderer and grown when a frame's
 * read-back total approaches or exceeds it (the GPU never writes past it: see intersection_total).
 */
import { GpuMemory } from '../../../gpu/memory';
import { beginComputePass, bufferEntries, createComputePipeline } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import { maxElementsOf } from '../../../primitives/bindings';
import { DispatchSlot } from '../layout';
import type { FrameBuffers, ProjectionStage } from './projectPass';
import type { ScanTileCountsPass } from './scanTileCountsPass';
import emitSource from '../../../../shaders/gaussians3d/emit_intersections.wgsl?raw';

export class EmitIntersectionsPass {
  readonly name = 'emitIntersections';
  /** Tile index of each intersection (the tile sort's keys). */
  tileIdFromIsect: GPUBuffer | null = null;
  /** Compact splat id of each intersection (the tile sort's values). */
  splatIdFromIsect: GPUBuffer | null = null;
  /** Entries the two buffers hold. */
  capacity = 0;

  private readonly memory: GpuMemory;
  private readonly pipeline: GPUComputePipeline;
  private bindGroup: GPUBindGroup | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly frame: FrameBuffers,
    private readonly project: ProjectionStage,
    private readonly scanTileCounts: ScanTileCountsPass,
    capacity: number,
    workgroupSize = 256,
  ) {
    this.memory = GpuMemory.of(device);
    this.pipeline = createComputePipeline(device, {
      label: 'EmitIntersectionsPass.pipeline',
      code: emitSource,
      constants: { WORKGROUP_SIZE: workgroupSize },
    });
    this.setCapacity(capacity);
  }

  /** Reallocates both buffers for `capacity` entries (their contents are per-frame, nothing is kept). */
  setCapacity(capacity: number): void {
    const bytes = capacity * 4;
    if (capacity > maxElementsOf(this.device)) {
      throw new Error(
        `This view needs ${capacity} tile intersections (${(bytes / 2 ** 20).toFixed(0)} MiB per list), more than this GPU binds ` +
          `(maxStorageBufferBindingSize ${(this.device.limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB). ` +
          'Lower the resolution or the scale modifier.',
      );
    }
    this.memory.release(this.tileIdFromIsect);
    this.memory.release(this.splatIdFromIsect);
    const storage = (field: string) =>
      this.memory.createBuffer({
        label: `EmitIntersectionsPass.${field}`,
        size: Math.max(4, bytes),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    this.tileIdFromIsect = storage('tileIdFromIsect');
    this.splatIdFromIsect = storage('splatIdFromIsect');
    this.capacity = capacity;
    this.bindGroup = this.device.createBindGroup({
      label: 'EmitIntersectionsPass.bindGroup',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: bufferEntries(
        this.frame.uniforms, // uniforms
        this.frame.counters, // counters
        this.project.depthOrder!, // depth_order
        this.project.tileRects!, // tile_rects
        this.project.projected!, // projected
        this.scanTileCounts.tileOffsets!, // tile_offsets
        this.tileIdFromIsect, // tile_id_from_isect
        this.splatIdFromIsect, // splat_id_from_isect
      ),
    });
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    const pass = beginComputePass(encoder, this.name, timer);
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup!);
    pass.dispatchWorkgroupsIndirect(this.frame.dispatch, DispatchSlot.perVisible * 4);
    pass.end();
  }

  destroy(): void {
    this.memory.release(this.tileIdFromIsect);
    this.memory.release(this.splatIdFromIsect);
    this.tileIdFromIsect = this.splatIdFromIsect = null;
    this.bindGroup = null;
  }
}
