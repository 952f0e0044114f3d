/**
 * Stage `scanTileCounts`: tiles each visible splat can show in (its 3-sigma rectangle less the tiles
 * where it stays below alpha 1/255, see tile_cull.wgsl), in depth order, their inclusive
 * prefix sum (each splat's end slot in the intersection list) and the frame's intersection total,
 * which is checked against the intersection capacity (overflow flag) on the GPU.
 */
import { GpuMemory } from '../../../gpu/memory';
import { beginComputePass, bufferEntries, createComputePipeline } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import { PrefixScan } from '../../../primitives/scan';
import { DispatchSlot, FrameCounter } from '../layout';
import type { FrameBuffers, ProjectionStage } from './projectPass';
import tileCountsSource from '../../../../shaders/gaussians3d/tile_counts.wgsl?raw';
import intersectionTotalSource from '../../../../shaders/gaussians3d/intersection_total.wgsl?raw';

export class ScanTileCountsPass {
  readonly name = 'scanTileCounts';
  /** Tiles touched by the k-th nearest visible splat. */
  tileCounts: GPUBuffer | null;
  /** Inclusive prefix sums of tileCounts: splat k owns intersection slots [offsets[k−1], offsets[k]). */
  tileOffsets: GPUBuffer | null;

  private readonly memory: GpuMemory;
  private scan: PrefixScan | null;
  private readonly countsPipeline: GPUComputePipeline;
  private readonly totalPipeline: GPUComputePipeline;
  private readonly countsBindGroup: GPUBindGroup;
  private readonly totalBindGroup: GPUBindGroup;

  constructor(
    device: GPUDevice,
    splatCount: number,
    private readonly frame: FrameBuffers,
    project: ProjectionStage,
    workgroupSize = 256,
  ) {
    this.memory = GpuMemory.of(device);
    const slots = Math.max(1, splatCount);
    const storage = (field: string) =>
      this.memory.createBuffer({
        label: `ScanTileCountsPass.${field}`,
        size: slots * 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    this.tileCounts = storage('tileCounts');
    this.tileOffsets = storage('tileOffsets');
    this.scan = new PrefixScan(device, { label: this.name, maxCount: slots, inclusive: true });
    this.scan.setInputs(this.tileCounts, this.tileOffsets, { buffer: frame.counters, offset: FrameCounter.visible * 4 });

    this.countsPipeline = createComputePipeline(device, {
      label: 'ScanTileCountsPass.countsPipeline',
      code: tileCountsSource,
      constants: { WORKGROUP_SIZE: workgroupSize },
    });
    this.totalPipeline = createComputePipeline(device, { label: 'ScanTileCountsPass.totalPipeline', code: intersectionTotalSource });
    this.countsBindGroup = device.createBindGroup({
      label: 'ScanTileCountsPass.countsBindGroup',
      layout: this.countsPipeline.getBindGroupLayout(0),
      // counters, depth_order, tile_rects, projected, tile_counts
      entries: bufferEntries(frame.counters, project.depthOrder!, project.tileRects!, project.projected!, this.tileCounts),
    });
    this.totalBindGroup = device.createBindGroup({
      label: 'ScanTileCountsPass.totalBindGroup',
      layout: this.totalPipeline.getBindGroupLayout(0),
      // uniforms, tile_offsets, counters
      entries: bufferEntries(frame.uniforms, this.tileOffsets, frame.counters),
    });
  }

  encode(encoder: GPUCommandEncoder, timer?: GpuTimer): void {
    let pass = beginComputePass(encoder, this.name, timer);
    pass.setPipeline(this.countsPipeline);
    pass.setBindGroup(0, this.countsBindGroup);
    pass.dispatchWorkgroupsIndirect(this.frame.dispatch, DispatchSlot.perVisible * 4);
    pass.end();

    this.scan!.encode(encoder, timer);

    pass = beginComputePass(encoder, this.name, timer);
    pass.setPipeline(this.totalPipeline);
    pass.setBindGroup(0, this.totalBindGroup);
    pass.dispatchWorkgroups(1);
    pass.end();
  }

  destroy(): void {
    this.scan?.destroy();
    this.scan = null;
    this.memory.release(this.tileCounts);
    this.memory.release(this.tileOffsets);
    this.tileCounts = this.tileOffsets = null;
  }
}
