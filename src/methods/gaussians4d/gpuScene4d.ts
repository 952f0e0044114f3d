/**
 * Dynamic scenes uploaded once into the read-only storage buffers the 4D projection kernels read.
 *
 * GpuScene4d (a Gaussian4dCloud):
 * | buffer              | per splat i                          | layout                                         |
 * |---------------------|--------------------------------------|------------------------------------------------|
 * | GpuScene4d.geometry | 64 B = Splat4dGeometry (layout.ts)   | [16i + 0..3]  μx, μy, μz, opacity               |
 * |                     |                                      | [16i + 4..7]  velocity x, y, z, μ_t             |
 * |                     |                                      | [16i + 8..11] Σ(t) 00, 01, 02, 11               |
 * |                     |                                      | [16i + 12..15] Σ(t) 12, 22, Σ_tt, 0             |
 * | GpuScene4d.sh       | 12·M B (M coefficients per channel)  | f32 [(i·M + m)·3 + c], exactly Gaussian4dCloud.sh |
 * The slice's time-independent part (slice.ts conditionalSlice: Σ4 from the 4D rotation and scales,
 * then conditioned on t) is computed here in float64, so the kernel only moves the mean and weighs
 * the opacity each frame, and the stored values are as exact as f32 allows.
 *
 * GpuSplatvScene (a SplatvScene): GpuSplatvScene.records holds the 16 u32 words of each splat
 * unchanged (table in splatv.ts); the time model needs the raw motion and rotation every frame.
 */
import { GpuMemory } from '../../gpu/memory';
import type { Gaussian4dCloud } from './cloud4d';
import { Splat4dGeometryLayout } from './layout';
import { conditionalSlice, covariance4D, splatRotation } from './slice';
import type { SplatvScene } from './splatv';

const GEOMETRY_FLOATS = Splat4dGeometryLayout.byteSize / 4;

function checkBindable(device: GPUDevice, count: number, parts: Array<[string, number]>): void {
  const limit = device.limits.maxStorageBufferBindingSize;
  for (const [what, bytes] of parts) {
    if (bytes > limit) {
      throw new Error(
        `This scene has ${count} splats: its ${what} need ${(bytes / 2 ** 20).toFixed(0)} MiB in one buffer, ` +
          `more than this GPU binds (maxStorageBufferBindingSize ${(limit / 2 ** 20).toFixed(0)} MiB).`,
      );
    }
  }
}

export class GpuScene4d {
  readonly count: number;
  /** SH coefficients stored per splat and channel. */
  readonly shStride: number;
  geometry: GPUBuffer | null;
  sh: GPUBuffer | null;
  private readonly memory: GpuMemory;

  constructor(device: GPUDevice, cloud: Gaussian4dCloud) {
    this.memory = GpuMemory.of(device);
    this.count = cloud.count;
    this.shStride = (cloud.shDegree + 1) ** 2 * (cloud.shDegreeT + 1);
    checkBindable(device, cloud.count, [
      ['SH coefficients', cloud.count * this.shStride * 12],
      ['splat geometry', cloud.count * Splat4dGeometryLayout.byteSize],
    ]);
    // At least one record each, so the bindings are never empty.
    const geometry = new Float32Array(Math.max(1, cloud.count) * GEOMETRY_FLOATS);
    const o = Splat4dGeometryLayout.wordOffset;
    for (let i = 0; i < cloud.count; i++) {
      const base = i * GEOMETRY_FLOATS;
      const slice = conditionalSlice(covariance4D(splatRotation(cloud, i), cloud.scales, 4 * i));
      const p = cloud.positions;
      geometry.set([p[4 * i]!, p[4 * i + 1]!, p[4 * i + 2]!, cloud.opacities[i]!], base + o.mean_opacity!);
      geometry.set([...slice.velocity, p[4 * i + 3]!], base + o.velocity_time!);
      const [c00, c01, c02, c11, c12, c22] = slice.cov3;
      geometry.set([c00, c01, c02, c11], base + o.cov_a!);
      geometry.set([c12, c22, slice.varianceT, 0], base + o.cov_b!);
    }
    this.geometry = this.memory.createBufferWithData({ label: 'GpuScene4d.geometry', usage: GPUBufferUsage.STORAGE }, geometry);
    const sh = cloud.count > 0 ? cloud.sh : new Float32Array(this.shStride * 3);
    this.sh = this.memory.createBufferWithData({ label: 'GpuScene4d.sh', usage: GPUBufferUsage.STORAGE }, sh);
  }

  destroy(): void {
    this.memory.release(this.geometry);
    this.memory.release(this.sh);
    this.geometry = this.sh = null;
  }
}

export class GpuSplatvScene {
  readonly count: number;
  records: GPUBuffer | null;
  private readonly memory: GpuMemory;

  constructor(device: GPUDevice, scene: SplatvScene) {
    this.memory = GpuMemory.of(device);
    this.count = scene.count;
    checkBindable(device, scene.count, [['records', scene.records.byteLength]]);
    this.records = this.memory.createBufferWithData({ label: 'GpuSplatvScene.records', usage: GPUBufferUsage.STORAGE }, scene.records);
  }

  destroy(): void {
    this.memory.release(this.records);
    this.records = null;
  }
}
