/**
 * A SplatCloud uploaded once into the two read-only storage buffers the projection reads.
 *
 * | buffer               | per splat i                     | layout                                          |
 * |----------------------|---------------------------------|-------------------------------------------------|
 * | GpuScene.geometry    | 48 B = SplatGeometry (layout.ts)| [12i + 0..3] x, y, z, opacity                    |
 * |                      |                                 | [12i + 4..7] Σ00, Σ01, Σ02, Σ11                  |
 * |                      |                                 | [12i + 8..11] Σ12, Σ22, 0, 0                     |
 * | GpuScene.sh          | 12·K B (K = (degree + 1)²)      | f32 [(i·K + k)·3 + c], exactly SplatCloud.sh    |
 *
 * Σ is the 3D covariance R S Sᵀ Rᵀ (scale modifier 1) computed here in float64 by the reference's
 * computeCov3D, so the GPU does not repeat the quaternion math every frame and the stored value is
 * as exact as f32 allows.
 */
import { GpuMemory } from '../../gpu/memory';
import { SplatGeometryLayout } from './layout';
import { computeCov3D } from './projection';
import { shCoefficientCount, type ShDegree, type SplatCloud } from './splatCloud';

const GEOMETRY_FLOATS = SplatGeometryLayout.byteSize / 4;

export class GpuScene {
  readonly count: number;
  readonly shDegree: ShDegree;
  /** SH coefficients stored per splat and channel. */
  readonly shStride: number;
  geometry: GPUBuffer | null;
  sh: GPUBuffer | null;
  private readonly memory: GpuMemory;

  constructor(device: GPUDevice, cloud: SplatCloud) {
    this.memory = GpuMemory.of(device);
    this.count = cloud.count;
    this.shDegree = cloud.shDegree;
    this.shStride = shCoefficientCount(cloud.shDegree);
    const limit = device.limits.maxStorageBufferBindingSize;
    const shBytes = cloud.count * this.shStride * 3 * 4;
    const geometryBytes = cloud.count * SplatGeometryLayout.byteSize;
    for (const [what, bytes] of [['SH coefficients', shBytes], ['splat geometry', geometryBytes]] as const) {
      if (bytes > limit) {
        throw new Error(
          `This scene has ${cloud.count} splats: its ${what} need ${(bytes / 2 ** 20).toFixed(0)} MiB in one buffer, ` +
            `more than this GPU binds (maxStorageBufferBindingSize ${(limit / 2 ** 20).toFixed(0)} MiB).`,
        );
      }
    }

    // At least one record each, so the bindings are never empty.
    const geometry = new Float32Array(Math.max(1, cloud.count) * GEOMETRY_FLOATS);
    for (let i = 0; i < cloud.count; i++) {
      const o = i * GEOMETRY_FLOATS;
      geometry.set(cloud.positions.subarray(3 * i, 3 * i + 3), o);
      geometry[o + 3] = cloud.opacities[i]!;
      const cov = computeCov3D(cloud.scales.subarray(3 * i, 3 * i + 3), cloud.rotations.subarray(4 * i, 4 * i + 4));
      geometry.set(cov, o + 4);
    }
    this.geometry = this.memory.createBufferWithData({ label: 'GpuScene.geometry', usage: GPUBufferUsage.STORAGE }, geometry);
    const sh = cloud.count > 0 ? cloud.sh : new Float32Array(this.shStride * 3);
    this.sh = this.memory.createBufferWithData({ label: 'GpuScene.sh', usage: GPUBufferUsage.STORAGE }, sh);
  }

  destroy(): void {
    this.memory.release(this.geometry);
    this.memory.release(this.sh);
    this.geometry = null;
    this.sh = null;
  }
}
