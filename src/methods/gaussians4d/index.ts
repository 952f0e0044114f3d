/**
 * Method `gaussians4d`: dynamic Gaussian scenes, sliced at the frame's time into 3D Gaussians that
 * the 3DGS tile renderer draws (renderer.ts). Opens nerve's 4D .ply (ply4d.ts; written by
 * tools/convert4dgs.py from a fudan-zvg/4d-gaussian-splatting checkpoint) and splaTV .splatv files
 * (splatv.ts, with their own time model and header cameras).
 */
import type { Camera, Vec3 } from '../../camera/camera';
import type { GpuTimer } from '../../gpu/timing';
import { isPlyMagic } from '../../formats/ply';
import { meanBounds } from '../gaussians3d';
import type { AssetSource, FrameInput, FrameTarget, MethodContext, MethodDefinition, MethodInstance } from '../types';
import { loadDynamicScene, type DynamicScene } from './load';
import { isPly4dHead } from './ply4d';
import { buildGaussians4dGui, defaultGaussians4dParams, evaluatedShDegrees, type Gaussians4dParams } from './params';
import { Gaussians4dRenderer } from './renderer';
import { isSplatvMagic, SPLATV_RECORD_WORDS, splatvCameras } from './splatv';

class Gaussians4dInstance implements MethodInstance<Gaussians4dParams> {
  readonly passNames: readonly string[];
  readonly bounds: { center: Vec3; radius: number };
  readonly stats: Record<string, number | string>;
  readonly cameras?: Camera[];
  readonly timeRange: [number, number];

  constructor(
    private readonly renderer: Gaussians4dRenderer,
    readonly params: Gaussians4dParams,
    content: DynamicScene,
  ) {
    this.passNames = renderer.passNames;
    this.timeRange = renderer.timeRange;
    if (content.kind === '4d') {
      const { cloud } = content;
      this.bounds = meanBounds(cloud.count, cloud.positions, 4);
      this.stats = { splats: cloud.count, format: `4D .ply (${cloud.rotationKind === 'rotor' ? 'rotor' : 'quaternion pair'})`, visible: '…', intersections: '…' };
      if (cloud.warnings.length) this.stats.warnings = cloud.warnings.join('; ');
    } else {
      const { scene } = content;
      // Words 0-2 of each record are the f32 position at the splat's own time.
      this.bounds = meanBounds(scene.count, new Float32Array(scene.records.buffer, scene.records.byteOffset, scene.records.length), SPLATV_RECORD_WORDS);
      this.cameras = splatvCameras(scene);
      this.stats = { splats: scene.count, format: '.splatv', visible: '…', intersections: '…' };
      if (scene.warnings.length) this.stats.warnings = scene.warnings.join('; ');
    }
  }

  encode(encoder: GPUCommandEncoder, target: FrameTarget, frame: FrameInput, timer?: GpuTimer): boolean {
    const drawn = this.renderer.encode(encoder, target, frame, this.params, timer);
    const [spatial, temporal] = evaluatedShDegrees(this.params, this.renderer);
    this.stats['SH degree'] = this.renderer.shDegreeT > 0 ? `${spatial} (temporal ${temporal})` : spatial;
    this.refreshCounts();
    // As the 3DGS method: until a readback confirms the intersection buffers fit and the timed
    // stages have settled, ask to be drawn again (the number of splats alive changes with time, so
    // growth can happen at any frame).
    return drawn && this.renderer.renderer.capacityConfirmed && this.renderer.renderer.implementations.tuned;
  }

  afterSubmit(): void {
    this.renderer.renderer.afterSubmit();
    this.refreshCounts();
  }

  /** Counts of the latest frame read back (a frame or two behind). */
  private refreshCounts(): void {
    const counts = this.renderer.renderer.lastCounts;
    if (counts) {
      this.stats.visible = counts.visible;
      this.stats.intersections = counts.intersections;
    }
  }

  lastFrameComplete(): Promise<boolean> {
    return this.renderer.renderer.lastFrameComplete();
  }

  destroy(): void {
    this.renderer.destroy();
  }
}

/** .splatv by its magic; a 4D .ply by `t`/`scale_t` properties or the converter's leading `comment time_duration`. */
export function sniffDynamicScene(head: Uint8Array): boolean {
  if (isSplatvMagic(head)) return true;
  if (!isPlyMagic(head)) return false;
  return isPly4dHead(head) || /^ply\r?\nformat [^\n]*\n(comment [^\n]*\n)*comment time_duration\b/.test(new TextDecoder('latin1').decode(head));
}

export const gaussians4d: MethodDefinition<Gaussians4dParams> = {
  id: 'gaussians4d',
  label: '4D Gaussian Splatting',
  paperRate: {
    fps: 277,
    gpu: 'NVIDIA RTX 3090',
    resolution: 'not stated',
    source:
      'Duan et al., 4D-Rotor Gaussian Splatting (SIGGRAPH 2024, arXiv 2402.03307), abstract: up to 277 FPS on an RTX 3090 and ' +
      '583 FPS on an RTX 4090 (project page: "off screen"); the dataset and resolution of these numbers are not stated there',
  },
  extensions: ['.splatv', '.ply'],
  sniff: sniffDynamicScene,
  defaultParams: defaultGaussians4dParams,
  buildGui: buildGaussians4dGui,
  async load(context: MethodContext, source: AssetSource, params: Gaussians4dParams): Promise<MethodInstance<Gaussians4dParams>> {
    const content = await loadDynamicScene(source);
    const renderer = new Gaussians4dRenderer(context.gpu.device, content);
    return new Gaussians4dInstance(renderer, params, content);
  },
};
