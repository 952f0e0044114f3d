/**
 * Method `gaussians3d`: trained 3D Gaussian Splatting scenes (every format of src/formats: INRIA and
 * compressed .ply, .splat, .ksplat, .spz, .sog, SOG folders) drawn by the tile-based compute
 * renderer in renderer.ts. The instance keeps the loaded cloud: "save as" writes it, and switching
 * the GPU storage format uploads it again.
 */
import type { Vec3 } from '../../camera/camera';
import type { GpuTimer } from '../../gpu/timing';
import { loadSplatBundle } from '../../formats/openBundle';
import { inriaPlyChunks, splatChunks } from '../../formats/writers';
import type { AssetSource, FrameInput, FrameTarget, MethodContext, MethodDefinition, MethodInstance } from '../types';
import { loadSplatScene, sniffSplatScene, SPLAT_SCENE_EXTENSIONS } from './load';
import { buildGaussians3dMethodGui, defaultGaussians3dMethodParams, type Gaussians3dMethodParams } from './params';
import { Gaussians3dRenderer } from './renderer';
import type { SplatCloud } from './splatCloud';
import { storageFormat } from './splatStorage';

/** Formats "save as" writes, by extension. */
const EXPORT_WRITERS: Record<string, (cloud: SplatCloud) => Generator<Uint8Array>> = { '.ply': inriaPlyChunks, '.splat': splatChunks };

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

class Gaussians3dInstance implements MethodInstance<Gaussians3dMethodParams> {
  readonly passNames: readonly string[];
  readonly bounds: { center: Vec3; radius: number };
  readonly stats: Record<string, number | string>;
  readonly exportFormats = Object.keys(EXPORT_WRITERS);

  constructor(
    private readonly renderer: Gaussians3dRenderer,
    readonly params: Gaussians3dMethodParams,
    private readonly cloud: SplatCloud,
  ) {
    this.passNames = renderer.passNames;
    this.bounds = splatBounds(cloud);
    this.stats = { splats: cloud.count, rendered: '…', visible: '…', intersections: '…', 'SH degree': cloud.shDegree, storage: '…' };
    if (cloud.warnings.length) this.stats.warnings = cloud.warnings.join('; ');
  }

  encode(encoder: GPUCommandEncoder, target: FrameTarget, frame: FrameInput, timer?: GpuTimer): boolean {
    const drawn = this.renderer.encode(encoder, target, frame, this.params, timer);
    this.stats['SH degree'] = Math.max(0, Math.min(this.renderer.shDegree, Math.floor(this.params.shDegree)));
    const rendered = this.renderer.renderedSplats;
    this.stats.rendered = `${rendered.toLocaleString('en-US')} / ${this.cloud.count.toLocaleString('en-US')}`;
    this.stats.storage = storageStat(this.renderer, this.cloud);
    this.refreshCounts();
    // Until a readback confirms the intersection buffers are big enough, and while stages still time
    // their implementations (a few frames after load), ask to be drawn again.
    return drawn && this.renderer.capacityConfirmed && this.renderer.implementations.tuned;
  }

  exportAsset(format: string): Iterable<Uint8Array> {
    const write = EXPORT_WRITERS[format];
    if (!write) throw new Error(`3DGS scenes are saved as ${this.exportFormats.join(' or ')}, not '${format}'`);
    return write(this.cloud);
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
    if (this.renderer.limitNote) this.stats.limit = this.renderer.limitNote;
    else delete this.stats.limit;
  }
}

/** "compact, 88 B/splat (full 240 B: 63% less)": the upload's format and what it saves. */
function storageStat(renderer: Gaussians3dRenderer, cloud: SplatCloud): string {
  const upload = renderer.sceneStorage!;
  const full = storageFormat('full', cloud.shDegree);
  const fullBytes = full.geometryBytes + full.shBytes;
  if (upload.storage === 'full') return `full, ${fullBytes} B/splat`;
  return `${upload.storage}, ${upload.bytesPerSplat} B/splat (full ${fullBytes} B: ${Math.round(100 * (1 - upload.bytesPerSplat / fullBytes))}% less)`;
}

export const gaussians3d: MethodDefinition<Gaussians3dMethodParams> = {
  id: 'gaussians3d',
  label: '3D Gaussian Splatting',
  paperRate: {
    fps: 100,
    gpu: 'NVIDIA RTX A6000',
    resolution: '1080p',
    source: 'Kerbl et al., 3D Gaussian Splatting for Real-Time Radiance Field Rendering (SIGGRAPH 2023): ≥ 100 FPS at 1080p',
  },
  extensions: SPLAT_SCENE_EXTENSIONS,
  opensBundles: true,
  sniff: sniffSplatScene,
  defaultParams: defaultGaussians3dMethodParams,
  buildGui: buildGaussians3dMethodGui,
  async load(context: MethodContext, source: AssetSource, params: Gaussians3dMethodParams): Promise<MethodInstance<Gaussians3dMethodParams>> {
    const cloud = source.bundle ? await loadSplatBundle(source.bundle) : await loadSplatScene(source);
    source.signal?.throwIfAborted();
    const renderer = new Gaussians3dRenderer(context.gpu.device, cloud, { storage: params.storage });
    return new Gaussians3dInstance(renderer, params, cloud);
  },
};
