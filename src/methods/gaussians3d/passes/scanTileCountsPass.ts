/**
 * Stage `scanTileCounts`: tiles each visible splat can show in (its 3-sigma rectangle less the tiles
 * where it stays below alpha 1/255, see tile_cull.wgsl), in depth order, their inclusive
 * prefix sum (each splat's end slot in the intersection list) and the frame's intersection total,
 * which is checked against the intersection capacity (overflow flag) on the GPU. The prefix sum is
 * the levels scan (PrefixScan, for GPUs) or the serial scan (SerialScan, for CPU emulation),
 * whichever the first frames measure faster (VariantTuner).
 */
import { GpuMemory } from '../../../gpu/memory';
import { beginComputePass, bufferEntries, createComputePipeline } from '../../../gpu/pass';
import type { GpuTimer } from '../../../gpu/timing';
import { VariantTuner } from '../../../gpu/variantTuner';
import { PrefixScan } from '../../../primitives/scan';
import { SerialScan } from '../../../primitives/serialScan';
import { DispatchSlot, FrameCounter } from '../layout';
import type { FrameBuffers, ProjectionStage } from './projectPass';
import tileCountsSource from '../../../../shaders/gaussians3d/tile_counts.wgsl?raw';
import intersectionTotalSource from '../../../../shaders/gaussians3d/intersection_total.wgsl?raw';

type ScanVariant = 'levels' | 'serial';

export class ScanTileCountsPass {
  readonly name = 'scanTileCounts';
  /** Tiles touched by the k-th nearest visible splat. */
  tileCounts: GPUBuffer | null;
  /** Inclusive prefix sums of tileCounts: splat k owns intersection slots [offsets[k−1], offsets[k]). */
  tileOffsets: GPUBuffer | null;

  private readonly memory: GpuMemory;
  /** Both scans while tuning, the chosen one after. */
  private scans: Map<ScanVariant, PrefixScan | SerialScan> | null;
  private readonly tuner: VariantTuner<ScanVariant>;
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
    const count = { buffer: frame.counters, offset: FrameCounter.visible * 4 };
    this.tuner = new VariantTuner<ScanVariant>(device, `${this.name}.scan.${Math.ceil(Math.log2(Math.max(2, slots)))}`, ['levels', 'serial'], 'levels');
    this.scans = new Map();
    for (const variant of this.tuner.decision ? [this.tuner.decision] : this.tuner.candidates) {
      const options = { label: this.name, maxCount: slots, inclusive: true };
      const scan = variant === 'levels' ? new PrefixScan(device, options) : new SerialScan(device, options);
      scan.setInputs(this.tileCounts, this.tileOffsets, count);
      this.scans.set(variant, scan);
    }

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

    const scan = this.tuner.begin(timer);
    this.scans!.get(scan.variant)!.encode(encoder, scan.timer);
    this.tuner.end(encoder);

    pass = beginComputePass(encoder, this.name, timer);
    pass.setPipeline(this.totalPipeline);
    pass.setBindGroup(0, this.totalBindGroup);
    pass.dispatchWorkgroups(1);
    pass.end();
  }

  /** Whether the scan implementation is settled. */
  get decided(): boolean {
    return this.tuner.decision !== null;
  }

  /** After the frame's submit: reads a tuning sample back; once decided, frees the other scan. */
  afterSubmit(): void {
    this.tuner.afterSubmit();
    const decision = this.tuner.decision;
    if (!decision || !this.scans) return;
    for (const [variant, scan] of this.scans) {
      if (variant !== decision) {
        scan.destroy();
        this.scans.delete(variant);
      }
    }
  }

  destroy(): void {
    for (const scan of this.scans?.values() ?? []) scan.destroy();
    this.scans = null;
    this.tuner.destroy();
    this.memory.release(this.tileCounts);
    this.memory.release(this.tileOffsets);
    this.tileCounts = this.tileOffsets = null;
  }
}
