/**
 * The per-image state every GaussianImage stage reads: the FrameUniforms buffer and the binning
 * counters. Values are written to the GPU when they change (`write`), never per frame.
 */
import { GpuMemory } from '../../gpu/memory';
import { COUNTER_WORDS, FrameUniformsLayout } from './layout';
import { tileGrid } from './reference';

/** tile_entry_cap value that sums every entry of a tile (our default; see rasterize_sum.wgsl). */
export const NO_TILE_ENTRY_CAP = 0xffffffff;

export class ImageFrame {
  readonly width: number;
  readonly height: number;
  readonly tiles: { x: number; y: number };
  /** FrameUniforms (layout.ts). */
  uniforms: GPUBuffer | null;
  /** Counter words (layout.ts), written by emit_intersections each frame. */
  counters: GPUBuffer | null;
  gaussianCount = 0;
  intersectionCapacity = 0;
  tileEntryCap = NO_TILE_ENTRY_CAP;

  private readonly memory: GpuMemory;
  private readonly data = new ArrayBuffer(FrameUniformsLayout.byteSize);

  constructor(
    private readonly device: GPUDevice,
    owner: string,
    width: number,
    height: number,
  ) {
    this.memory = GpuMemory.of(device);
    this.width = width;
    this.height = height;
    this.tiles = tileGrid(width, height);
    this.uniforms = this.memory.createBuffer({
      label: `${owner}.uniforms`,
      size: FrameUniformsLayout.byteSize,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.counters = this.memory.createBuffer({
      label: `${owner}.counters`,
      size: COUNTER_WORDS * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  get tileCount(): number {
    return this.tiles.x * this.tiles.y;
  }

  /** Uploads the uniforms; call after changing a field (applies to work submitted afterwards). */
  write(): void {
    const o = (name: string) => FrameUniformsLayout.offset(name);
    const u = new Uint32Array(this.data);
    const f = new Float32Array(this.data);
    u.set([this.width, this.height], o('image_size'));
    u.set([this.tiles.x, this.tiles.y], o('tile_grid'));
    u[o('gaussian_count')] = this.gaussianCount;
    u[o('intersection_capacity')] = this.intersectionCapacity;
    u[o('tile_entry_cap')] = this.tileEntryCap;
    f[o('pixel_grad_scale')] = 2 / (3 * this.width * this.height);
    this.device.queue.writeBuffer(this.uniforms!, 0, this.data);
  }

  destroy(): void {
    this.memory.release(this.uniforms);
    this.memory.release(this.counters);
    this.uniforms = this.counters = null;
  }
}
