/**
 * The GaussianImage decoder on the GPU: parameters → image, every frame through
 *
 *   project → scanTileCounts → emitIntersections → tileSort → tileRanges → rasterize
 *
 * into an rgba8unorm texture of the image's size (`output`). It reads a parameter buffer it may
 * own (`fromCloud`) or share with a running fitter (then it shows the live parameters).
 *
 * Intersection capacity: from a CPU estimate at creation, then from non-blocking readbacks of the
 * GPU counters (grown once a frame uses 90% of it). A frame that overflowed dropped entries on the
 * GPU (never wrote out of bounds); `lastFrameComplete` reports it and the next frame is grown.
 */
import { GpuMemory } from '../../gpu/memory';
import type { GpuTimer } from '../../gpu/timing';
import { AsyncReadback } from './asyncReadback';
import { checkFiniteParams, type GaussianCloud2d } from './cloud2d';
import { ImageFrame, NO_TILE_ENTRY_CAP } from './frame';
import { COUNTER_WORDS, Counter } from './layout';
import { ProjectPass } from './passes/projectPass';
import { RasterizePass, type RenderMode, type SumVariant } from './passes/rasterizePass';
import { TILE_BINNING_PASS_NAMES, TileBinning } from './passes/tileBinning';
import { projectGaussian } from './reference';

export const DECODER_PASS_NAMES = ['project', ...TILE_BINNING_PASS_NAMES, 'rasterize'] as const;

const GROW_THRESHOLD = 0.9;
const GROW_HEADROOM = 1.5;

export interface DecoderSource {
  /** Raw parameters, 8 floats per Gaussian (cloud2d.ts); needs STORAGE usage. */
  params: GPUBuffer;
  width: number;
  height: number;
  /** Gaussians drawn now. */
  count: number;
  /** Gaussians the buffers must hold (≥ count). @default count */
  maxGaussians?: number;
  /** Tile intersections to allocate for at first. */
  intersectionCapacity: number;
  /** The summation loop structure (rasterize_sum.wgsl); 'auto' times both on the first frames. @default 'auto' */
  sumVariant?: SumVariant | 'auto';
}

export interface FrameCounts {
  intersections: number;
  overflow: boolean;
}

/** Tile intersections of a cloud by the float64 projection (the GPU's f32 may differ by a few). */
export function countIntersections(cloud: GaussianCloud2d): number {
  let total = 0;
  for (let i = 0; i < cloud.count; i++) {
    const g = projectGaussian(cloud, i);
    if (g) total += (g.tileMax[0] - g.tileMin[0]) * (g.tileMax[1] - g.tileMin[1]);
  }
  return total;
}

export class GaussianImageDecoder {
  readonly passNames = DECODER_PASS_NAMES;
  readonly width: number;
  readonly height: number;
  /** The decoded image (rgba8unorm, STORAGE_BINDING | TEXTURE_BINDING | COPY_SRC). */
  output: GPUTexture | null;
  outputView: GPUTextureView | null;
  lastCounts: FrameCounts | null = null;

  private readonly memory: GpuMemory;
  private readonly frame: ImageFrame;
  private readonly project: ProjectPass;
  private readonly binning: TileBinning;
  private readonly rasterize: RasterizePass;
  private readonly readback: AsyncReadback;
  private ownedParams: GPUBuffer | null = null;
  private requestedCapacity = 0;
  private lastResult: Promise<FrameCounts> | null = null;
  private readonly maxGaussians: number;

  constructor(device: GPUDevice, source: DecoderSource) {
    this.memory = GpuMemory.of(device);
    this.width = source.width;
    this.height = source.height;
    this.maxGaussians = source.maxGaussians ?? source.count;
    this.frame = new ImageFrame(device, 'GaussianImageDecoder', source.width, source.height);
    this.frame.intersectionCapacity = source.intersectionCapacity;
    this.project = new ProjectPass(device, this.frame, source.params, this.maxGaussians);
    this.binning = new TileBinning(device, this.frame, this.project, this.maxGaussians, source.intersectionCapacity);
    this.rasterize = new RasterizePass(device, this.frame, this.project, this.binning, source.sumVariant);
    this.readback = new AsyncReadback(device, 'GaussianImageDecoder.countersReadback');
    this.output = this.memory.createTexture({
      label: 'GaussianImageDecoder.output',
      size: [source.width, source.height],
      format: 'rgba8unorm',
      usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
    });
    this.outputView = this.output.createView({ label: 'GaussianImageDecoder.outputView' });
    this.setCount(source.count);
  }

  /** A decoder that owns an upload of `cloud`'s parameters, sized by a CPU count of its intersections. */
  static fromCloud(device: GPUDevice, cloud: GaussianCloud2d, tileEntryCap = NO_TILE_ENTRY_CAP, sumVariant: SumVariant | 'auto' = 'auto'): GaussianImageDecoder {
    checkFiniteParams(cloud, 'GaussianImage');
    const params = GpuMemory.of(device).createBufferWithData({ label: 'GaussianImageDecoder.params', usage: GPUBufferUsage.STORAGE }, cloud.params);
    // Headroom for Gaussians whose f32 radius rounds up where f64 did not, below the growth threshold.
    const capacity = Math.ceil(countIntersections(cloud) * 1.25) + 64;
    const decoder = new GaussianImageDecoder(device, { params, width: cloud.width, height: cloud.height, count: cloud.count, intersectionCapacity: capacity, sumVariant });
    decoder.ownedParams = params;
    decoder.setTileEntryCap(tileEntryCap);
    return decoder;
  }

  /** The summation loop structure in use, and whether it is settled (explicit, cached or timed). */
  get sumVariant(): { variant: SumVariant; decided: boolean } {
    return { variant: this.rasterize.sumVariant, decided: this.rasterize.decided };
  }

  get gaussianCount(): number {
    return this.frame.gaussianCount;
  }

  get intersectionCapacity(): number {
    return this.binning.capacity;
  }

  setCount(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > this.maxGaussians) {
      throw new RangeError(`GaussianImageDecoder: count must be in [1, ${this.maxGaussians}], got ${count}`);
    }
    this.frame.gaussianCount = count;
    this.binning.setGaussianCount(count);
    this.frame.write();
  }

  /** 256 reproduces the reference kernel's cap; NO_TILE_ENTRY_CAP (default) sums every entry. */
  setTileEntryCap(cap: number): void {
    if (cap === this.frame.tileEntryCap) return;
    this.frame.tileEntryCap = cap;
    this.frame.write();
  }

  /** Records one decode into `output`. */
  encode(encoder: GPUCommandEncoder, mode: RenderMode = 'sum', timer?: GpuTimer): void {
    if (!this.output) throw new Error('GaussianImageDecoder.encode after destroy');
    if (this.requestedCapacity > this.binning.capacity) {
      this.binning.setCapacity(this.requestedCapacity);
      this.frame.intersectionCapacity = this.requestedCapacity;
      this.frame.write();
    }
    this.project.encode(encoder, timer);
    this.binning.encode(encoder, timer);
    this.rasterize.encode(encoder, this.outputView!, mode, timer);
    this.pendingCounts(encoder);
  }

  /** Maps this frame's counters and rasterize's tuning sample, if any (call after the encoder's command buffer was submitted). */
  afterSubmit(): void {
    this.rasterize.afterSubmit();
    this.readback.afterSubmit();
  }

  /** Whether the last frame that was read back had room for every intersection. */
  async lastFrameComplete(): Promise<boolean> {
    if (!this.lastResult) return true;
    return !(await this.lastResult).overflow;
  }

  destroy(): void {
    this.project.destroy();
    this.binning.destroy();
    this.rasterize.destroy();
    this.readback.destroy();
    this.frame.destroy();
    this.memory.release(this.output);
    this.memory.release(this.ownedParams);
    this.output = null;
    this.outputView = null;
    this.ownedParams = null;
  }

  private pendingCounts(encoder: GPUCommandEncoder): void {
    const capacity = this.binning.capacity;
    const parts = this.readback.record(encoder, [{ buffer: this.frame.counters!, size: COUNTER_WORDS * 4 }]);
    if (!parts) return;
    const result = parts.then(([bytes]) => {
      const words = new Uint32Array(bytes!);
      const counts = { intersections: words[Counter.intersections]!, overflow: words[Counter.overflow]! !== 0 };
      this.lastCounts = counts;
      if (counts.intersections > capacity * GROW_THRESHOLD) {
        this.requestedCapacity = Math.max(this.requestedCapacity, Math.ceil(counts.intersections * GROW_HEADROOM));
      }
      return counts;
    });
    // A destroyed decoder rejects its last readback; nobody waits for it then.
    result.catch(() => undefined);
    this.lastResult = result;
  }
}
