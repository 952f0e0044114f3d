/**
 * Method `gaussians3d`: trained 3D Gaussian Splatting scenes (INRIA .ply, antimatter15 .splat)
 * drawn by the tile-based compute renderer in renderer.ts.
 */
import type { Vec3 } from '../../camera/camera';
import type { GpuTimer } from '../../gpu/timing';
import type { AssetSource, FrameInput, FrameTarget, MethodContext, MethodDefinition, MethodInstance } from '../types';
import { loadSplatScene, sniffSplatScene, SPLAT_SCENE_EXTENSIONS } from './load';
import { buildGaussians3dGui, defaultGaussians3dParams, type Gaussians3dParams } from './params';
import { Gaussians3dRenderer } from './renderer';
import type { SplatCloud } from './splatCloud';

/**
 * Where most of the splats are: the centre and half-diagonal of the box between the 2nd and 98th
 * percentile of each axis, so a few far-away floaters do not push the default camera out.
 */
export function splatBounds(cloud: SplatCloud): { center: Vec3; radius: number } {
  return meanBounds(cloud.count, cloud.positions, 3);
}

/** splatBounds of `count` means stored `stride` floats apart in `positions` (x, y, z first). */
export function meanBounds(count: number, positions: ArrayLike<number>, stride: number): { center: Vec3; radius: number } {
  if (count === 0) return { center: [0, 0, 0], radius: 1 };
  const step = Math.max(1, Math.floor(count / 20000));
  const lo: number[] = [];
  const hi: number[] = [];
  for (let axis = 0; axis < 3; axis++) {
    const values: number[] = [];
    for (let i = 0; i < count; i += step) values.push(positions[stride * i + axis]!);
    values.sort((a, b) => a - b);
    lo.push(values[Math.floor(0.02 * (values.length - 1))]!);
    hi.push(values[Math.ceil(0.98 * (values.length - 1))]!);
  }
  const center: Vec3 = [(lo[0]! + hi[0]!) / 2, (lo[1]! + hi[1]!) / 2, (lo[2]! + hi[2]!) / 2];
  const radius = Math.max(1e-3, 0.5 * Math.hypot(hi[0]! - lo[0]!, hi[1]! - lo[1]!, hi[2]! - lo[2]!));
  return { center, radius };
}

class Gaussians3dInstance implements MethodInstance<Gaussians3dParams> {
  readonly passNames: readonly string[];
  readonly bounds: { center: Vec3; radius: number };
  readonly stats: Record<string, number | string>;

  constructor(
    private readonly renderer: Gaussians3dRenderer,
    readonly params: Gaussians3dParams,
    cloud: SplatCloud,
  ) {
    this.passNames = renderer.passNames;
    this.bounds = splatBounds(cloud);
    this.stats = { splats: cloud.count, visible: '…', intersections: '…', 'SH degree': cloud.shDegree };
    if (cloud.warnings.length) this.stats.warnings = cloud.warnings.join('; ');
  }

  encode(encoder: GPUCommandEncoder, target: FrameTarget, frame: FrameInput, timer?: GpuTimer): boolean {
    const drawn = this.renderer.encode(encoder, target, frame, this.params, timer);
    this.stats['SH degree'] = Math.max(0, Math.min(this.renderer.shDegree, Math.floor(this.params.shDegree)));
    this.refreshCounts();
    // Until a readback confirms the intersection buffers are big enough, ask to be drawn again.
    return drawn && this.renderer.capacityConfirmed;
  }

  afterSubmit(): void {
    this.renderer.afterSubmit();
    this.refreshCounts();
  }

  lastFrameComplete(): Promise<boolean> {
    return this.renderer.lastFrameComplete();
  }

  destroy(): void {
    this.renderer.destroy();
  }

  /** Counts of the latest frame read back (a frame or two behind). */
  private refreshCounts(): void {
    const counts = this.renderer.lastCounts;
    if (counts) {
      this.stats.visible = counts.visible;
      this.stats.intersections = counts.intersections;
    }
  }
}

export const gaussians3d: MethodDefinition<Gaussians3dParams> = {
  id: 'gaussians3d',
  label: '3D Gaussian Splatting',
  paperRate: {
    fps: 100,
    gpu: 'NVIDIA RTX A6000',
    resolution: '1080p',
    source: 'Kerbl et al., 3D Gaussian Splatting for Real-Time Radiance Field Rendering (SIGGRAPH 2023): ≥ 100 FPS at 1080p',
  },
  extensions: SPLAT_SCENE_EXTENSIONS,
  sniff: sniffSplatScene,
  defaultParams: defaultGaussians3dParams,
  buildGui: buildGaussians3dGui,
  async load(context: MethodContext, source: AssetSource, params: Gaussians3dParams): Promise<MethodInstance<Gaussians3dParams>> {
    const cloud = await loadSplatScene(source);
    const renderer = new Gaussians3dRenderer(context.gpu.device, cloud);
    return new Gaussians3dInstance(renderer, params, cloud);
  },
};
