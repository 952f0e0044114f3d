/**
 * A SplatCloud uploaded once into read-only storage buffers the projection reads: per chunk one
 * geometry buffer and one SH buffer, in the storage format and order of splatStorage.ts.
 *
 * | buffer                 | per splat (upload index u within the chunk)                               |
 * |------------------------|---------------------------------------------------------------------------|
 * | GpuScene.geometry<c>   | SplatGeometry (48 B, 'full') or CompactSplatGeometry (32 B, 'compact')     |
 * | GpuScene.sh<c>         | 12·K B of f32 ('full') or 4·compactShWords B ('compact')                   |
 *
 * Big scenes: a chunk holds as many splats as fit one storage binding (the device's
 * maxStorageBufferBindingSize and maxBufferSize, or a smaller `maxBindingBytes`), so no binding
 * ever exceeds the limits; `project` runs once per chunk. Uploads go through queue.writeBuffer in
 * slices of UPLOAD_SLICE_SPLATS records from one reused staging array, so the CPU never holds a
 * packed copy of the whole scene next to the cloud.
 *
 * Positions are stored relative to `origin` (float64, the bounding-box centre unless given): see
 * sceneOrigin in splatStorage.ts.
 */
import type { Vec3 } from '../../camera/camera';
import { GpuMemory } from '../../gpu/memory';
import { importanceOrder, packSplats, planChunks, sceneOrigin, storageFormat, type SplatStorage, type StorageFormat } from './splatStorage';
import { shCoefficientCount, type ShDegree, type SplatCloud } from './splatCloud';

/** Records packed and written per writeBuffer: a few MB of staging at SH degree 3. */
const UPLOAD_SLICE_SPLATS = 16384;

export interface GpuSceneOptions {
  /** @default 'full' */
  storage?: SplatStorage;
  /** Largest storage binding to create, below the device's limits (tests use it to force several chunks). */
  maxBindingBytes?: number;
  /** Upload index → cloud index. @default importanceOrder(cloud) */
  order?: Uint32Array;
  /** World point the stored means are relative to. @default sceneOrigin(cloud) */
  origin?: Vec3;
}

export interface SceneChunk {
  /** Upload index of the chunk's first splat. */
  first: number;
  count: number;
  geometry: GPUBuffer;
  sh: GPUBuffer;
}

/** The largest storage binding a device allows: maxStorageBufferBindingSize within maxBufferSize. */
export function maxStorageBindingBytes(device: GPUDevice): number {
  return Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
}

export class GpuScene {
  readonly count: number;
  readonly shDegree: ShDegree;
  /** SH coefficients per splat and channel (FrameUniforms.sh_stride). */
  readonly shStride: number;
  readonly format: StorageFormat;
  readonly origin: Vec3;
  /** Upload index → cloud index (importance order). */
  readonly order: Uint32Array;
  readonly chunks: SceneChunk[] = [];
  /** GPU bytes of all chunks. */
  readonly bytes: number;
  private readonly memory: GpuMemory;

  constructor(device: GPUDevice, cloud: SplatCloud, options: GpuSceneOptions = {}) {
    this.memory = GpuMemory.of(device);
    this.count = cloud.count;
    this.shDegree = cloud.shDegree;
    this.shStride = shCoefficientCount(cloud.shDegree);
    this.format = storageFormat(options.storage ?? 'full', cloud.shDegree);
    this.origin = options.origin ?? sceneOrigin(cloud);
    this.order = options.order ?? importanceOrder(cloud);
    if (this.order.length !== cloud.count) throw new Error(`GpuScene: order has ${this.order.length} entries for ${cloud.count} splats`);
    const bindingBytes = Math.min(maxStorageBindingBytes(device), options.maxBindingBytes ?? Infinity);
    const { geometryBytes, shBytes } = this.format;

    const sliceSplats = Math.min(UPLOAD_SLICE_SPLATS, Math.max(1, cloud.count));
    const geometryStaging = new ArrayBuffer(sliceSplats * geometryBytes);
    const shStaging = new ArrayBuffer(sliceSplats * shBytes);
    let bytes = 0;
    for (const [c, range] of planChunks(cloud.count, this.format, bindingBytes).entries()) {
      // At least one record each, so the bindings are never empty.
      const slots = Math.max(1, range.count);
      const buffer = (field: string, size: number) =>
        this.memory.createBuffer({ label: `GpuScene.${field}${c}`, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      const chunk: SceneChunk = { ...range, geometry: buffer('geometry', slots * geometryBytes), sh: buffer('sh', slots * shBytes) };
      this.chunks.push(chunk);
      bytes += slots * (geometryBytes + shBytes);
      for (let done = 0; done < range.count; done += sliceSplats) {
        const n = Math.min(sliceSplats, range.count - done);
        packSplats(cloud, this.format, this.order, this.origin, range.first + done, n, geometryStaging, shStaging);
        device.queue.writeBuffer(chunk.geometry, done * geometryBytes, geometryStaging, 0, n * geometryBytes);
        device.queue.writeBuffer(chunk.sh, done * shBytes, shStaging, 0, n * shBytes);
      }
    }
    this.bytes = bytes;
  }

  get storage(): SplatStorage {
    return this.format.storage;
  }

  destroy(): void {
    for (const chunk of this.chunks) {
      this.memory.release(chunk.geometry);
      this.memory.release(chunk.sh);
    }
    this.chunks.length = 0;
  }
}
