/**
 * Dynamic scenes on the 3DGS tile renderer: the 4D projection stage (Project4dPass: slice at the
 * frame's time, then the 3DGS projection) replaces the 3DGS `project`, and the 3DGS passes after it
 * run unchanged:
 *
 *   project4d | projectSplatv → depthSort → scanTileCounts → emitIntersections → tileSort → tileRanges → rasterize
 */
import type { GpuTimer } from '../../gpu/timing';
import { Gaussians3dRenderer, type Gaussians3dRendererOptions } from '../gaussians3d/renderer';
import type { FrameInput, FrameTarget } from '../types';
import { GpuScene4d, GpuSplatvScene } from './gpuScene4d';
import { evaluatedShDegrees, type Gaussians4dParams } from './params';
import { Project4dPass } from './passes/project4dPass';
import type { DynamicScene } from './load';
import { SPLATV_TIME_RANGE } from './splatv';

export class Gaussians4dRenderer {
  readonly splatCount: number;
  /** Stored SH degrees (.splatv colours are direct: degree 0). */
  readonly shDegree: number;
  readonly shDegreeT: number;
  /** The span of time the content covers. */
  readonly timeRange: [number, number];
  readonly renderer: Gaussians3dRenderer;

  private scene: GpuScene4d | GpuSplatvScene | null;
  private projection: Project4dPass | null = null;
  private readonly shPeriod: number;

  constructor(device: GPUDevice, content: DynamicScene, options: Gaussians3dRendererOptions = {}) {
    if (content.kind === '4d') {
      const { cloud } = content;
      this.shDegree = cloud.shDegree;
      this.shDegreeT = cloud.shDegreeT;
      this.timeRange = [...cloud.timeDuration];
      this.shPeriod = cloud.timeDuration[1] - cloud.timeDuration[0];
      this.scene = new GpuScene4d(device, cloud);
    } else {
      this.shDegree = 0;
      this.shDegreeT = 0;
      this.timeRange = [...SPLATV_TIME_RANGE];
      this.shPeriod = 1;
      this.scene = new GpuSplatvScene(device, content.scene);
    }
    const scene = this.scene;
    this.splatCount = scene.count;
    const source = scene instanceof GpuScene4d ? ({ kind: '4d', scene } as const) : ({ kind: 'splatv', scene } as const);
    this.renderer = new Gaussians3dRenderer(
      device,
      {
        count: scene.count,
        shDegree: this.shDegree,
        shStride: scene instanceof GpuScene4d ? scene.shStride : 1,
        createProjection: (frame, workgroupSize) => (this.projection = new Project4dPass(device, source, frame, workgroupSize)),
      },
      options,
    );
  }

  get passNames(): readonly string[] {
    return this.renderer.passNames;
  }

  /** Records one frame at `frame.time` into `target`. */
  encode(encoder: GPUCommandEncoder, target: FrameTarget, frame: FrameInput, params: Gaussians4dParams, timer?: GpuTimer): boolean {
    if (!this.projection) throw new Error('Gaussians4dRenderer.encode after destroy');
    const [, shDegreeT] = evaluatedShDegrees(params, this);
    this.projection.setFrame({ time: frame.time, shPeriod: this.shPeriod, shDegreeT });
    return this.renderer.encode(encoder, target, frame, params, timer);
  }

  destroy(): void {
    // The 3DGS renderer destroys its projection stage with its other passes.
    this.renderer.destroy();
    this.projection = null;
    this.scene?.destroy();
    this.scene = null;
  }
}
