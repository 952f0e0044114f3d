/**
 * The tile-based 3DGS forward pass on WebGPU compute (graphdeco-inria diff-gaussian-rasterization,
 * with Brush's two-sort binning: ../shared/docs/gaussians.md §1 and §5.3):
 *
 *   project → depthSort → scanTileCounts → emitIntersections → tileSort → tileRanges → rasterize
 *
 * Every count stays on the GPU: later stages are dispatched indirectly from counts that earlier
 * stages wrote. The only readback is a non-blocking copy of the frame counters (visible splats,
 * intersections, overflow), used for the overlay and to grow the intersection buffers before they
 * overflow. When a frame does overflow, the GPU writes no intersection and rasterize leaves the
 * target untouched; the readback reports it (lastFrameComplete → false, capacityConfirmed → false)
 * and the next frame is encoded with grown buffers.
 *
 * Each stage is a compute pass of its name for the GpuTimer; the radix sorts time their own
 * sub-passes under it ('depthSort.histogram', ...). The sorts (back-end 'auto') and rasterize (loop
 * structure 'auto') time their implementations on the first frames and keep the fastest for the
 * device (src/gpu/variantTuner.ts): what is fast on a GPU and on a CPU emulator differs by 5-10x.
 *
 * Big scenes: no buffer binding exceeds one storage binding (the device limits, or
 * `maxBindingBytes`). The scene is split into chunks (GpuScene) that `project` visits one by one;
 * the per-visible-splat buffers hold at most what one binding allows (the splat budget is capped
 * there, with a note in `limitNote`); the intersection lists are capped at one binding, and a view
 * that needs more is reported in `limitNote` and left undrawn rather than redrawn forever.
 * The camera goes into the uniforms relative to the scene origin, computed in float64.
 */
import { cameraCenter, type Vec3 } from '../../camera/camera';
import { GpuMemory } from '../../gpu/memory';
import type { GpuTimer } from '../../gpu/timing';
import { onesweepSupported } from '../../primitives/onesweepSort';
import { RadixSort } from '../../primitives/radixSort';
import type { SortBackendName } from '../../primitives/sortBackend';
import { TileRanges } from '../../primitives/tileRanges';
import type { FrameInput, FrameTarget } from '../types';
import { GpuScene, maxStorageBindingBytes } from './gpuScene';
import { FRAME_COUNTER_WORDS, DISPATCH_WORDS, FrameCounter, FrameUniformsLayout, ProjectedSplatLayout, TILE_SIZE } from './layout';
import type { Gaussians3dParams, SortBackendChoice, SplatSceneParams } from './params';
import { EmitIntersectionsPass } from './passes/emitIntersectionsPass';
import { ProjectPass, type FrameBuffers, type ProjectionStage } from './passes/projectPass';
import { RasterizePass, type RasterizeVariant } from './passes/rasterizePass';
import { ScanTileCountsPass } from './passes/scanTileCountsPass';
import type { SplatCloud } from './splatCloud';
import { importanceOrder, type SplatStorage } from './splatStorage';

/**
 * Splats another method projects into this pipeline instead of a SplatCloud (e.g. 4D Gaussians
 * sliced at the frame's time): its projection stage replaces `project` and writes the same buffers.
 */
export interface ExternalSplats {
  count: number;
  /** Highest SH degree its projection evaluates (FrameUniforms.sh_degree is clamped to it). */
  shDegree: number;
  /** SH coefficients per splat and channel (FrameUniforms.sh_stride). */
  shStride: number;
  createProjection(frame: FrameBuffers, workgroupSize: number): ProjectionStage;
}

export const GAUSSIANS3D_PASS_NAMES = [
  'project',
  'depthSort',
  'scanTileCounts',
  'emitIntersections',
  'tileSort',
  'tileRanges',
  'rasterize',
] as const;

/** Grow the intersection buffers once a frame uses this share of them… */
const GROW_THRESHOLD = 0.85;
/** …to this multiple of the count that frame needed. */
const GROW_HEADROOM = 1.5;
/** Largest first guess of the intersection capacity (entries). */
const INITIAL_CAPACITY_CAP = 1 << 22;
/** Counter readbacks in flight at once (a fixed ring, so tracked memory does not depend on timing); a frame that finds none free is not read back. */
const READBACK_RING = 3;

export interface Gaussians3dRendererOptions {
  /** Threads per workgroup of the 1D kernels (project, tile counts, emit). @default 256 */
  workgroupSize?: number;
  /** Tile intersections the buffers hold before the first growth. @default from splat count, at least 4096 */
  initialIntersectionCapacity?: number;
  /** Storage of the first upload of a SplatCloud (params.storage switches it later). @default 'full' */
  storage?: SplatStorage;
  /**
   * Largest storage binding to create, below the device's limits: tests force several scene chunks
   * and the binding caps with it on small scenes. @default the device's limits
   */
  maxBindingBytes?: number;
  /** World point splat means are stored relative to. @default the scene's bounding-box centre */
  origin?: Vec3;
  /** Rasterize loop structure; 'auto' times both on the first frames and keeps the faster. @default 'auto' */
  rasterizeVariant?: RasterizeVariant | 'auto';
}

/** Renderer params: the shared ones, plus the budget and storage of a scene uploaded from a SplatCloud. */
export type Gaussians3dRenderParams = Gaussians3dParams & Partial<SplatSceneParams>;

/** Counts of the last frame that was read back. */
export interface FrameCounts {
  visible: number;
  intersections: number;
  overflow: boolean;
}

interface CounterReadback {
  buffer: GPUBuffer;
  /** Mapped or being mapped: not usable for another frame yet. */
  busy: boolean;
  /** Resolves with the frame's counts once the copy is mapped. */
  result: Promise<FrameCounts> | null;
}

export class Gaussians3dRenderer {
  /** GAUSSIANS3D_PASS_NAMES, with the external projection's name first when there is one. */
  readonly passNames: readonly string[];
  readonly splatCount: number;
  readonly shDegree: number;
  /** Counts of the most recent frame read back; null before the first arrives. */
  lastCounts: FrameCounts | null = null;
  /** Per-visible-splat slots: the splats one frame can draw (the scene unless one binding holds fewer). */
  readonly visibleSlots: number;
  /** Splats the last frame projected: the budget, capped at the scene and at visibleSlots. */
  renderedSplats = 0;
  /** Why the picture is limited by the GPU's binding size (budget capped, view needing too many intersections), or null. */
  limitNote: string | null = null;

  private readonly memory: GpuMemory;
  private scene: GpuScene | null = null;
  /** Kept to upload again in another storage format. */
  private readonly cloud: SplatCloud | null = null;
  private readonly sceneOptions: { maxBindingBytes?: number; origin?: Vec3; order?: Uint32Array } = {};
  private readonly bindingBytes: number;
  /** The intersection capacity one binding allows. */
  private readonly maxIntersections: number;
  private splatProject: ProjectPass | null = null;
  private readonly shStride: number;
  private destroyed = false;
  private readonly frame: FrameBuffers;
  private readonly uniformData = new ArrayBuffer(FrameUniformsLayout.byteSize);
  private readonly uniformFloats = new Float32Array(this.uniformData);
  private readonly uniformUints = new Uint32Array(this.uniformData);

  private project: ProjectionStage;
  private depthSort: RadixSort | null = null;
  private scanTileCounts: ScanTileCountsPass;
  private emitIntersections: EmitIntersectionsPass;
  private tileSort: RadixSort | null = null;
  private tileRanges: TileRanges;
  private rasterize: RasterizePass;

  private sortBackend: SortBackendChoice | null = null;
  private tileGrid = { x: 0, y: 0 };
  private requestedCapacity = 0;
  private readonly readbacks: CounterReadback[] = [];
  /** The readback recorded by the last encode, mapped in afterSubmit. */
  private pendingReadback: CounterReadback | null = null;
  private lastResult: Promise<FrameCounts> | null = null;
  /** Intersection capacity of the last read-back frame that fitted in it (0: none yet). */
  private confirmedCapacity = 0;

  constructor(
    private readonly device: GPUDevice,
    splats: SplatCloud | ExternalSplats,
    options: Gaussians3dRendererOptions = {},
  ) {
    this.memory = GpuMemory.of(device);
    this.splatCount = splats.count;
    this.shDegree = splats.shDegree;
    this.bindingBytes = Math.min(maxStorageBindingBytes(device), options.maxBindingBytes ?? Infinity);
    this.maxIntersections = Math.floor(this.bindingBytes / 4);
    const workgroupSize = options.workgroupSize ?? 256;
    this.frame = {
      uniforms: this.memory.createBuffer({
        label: 'Gaussians3dRenderer.uniforms',
        size: FrameUniformsLayout.byteSize,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      }),
      counters: this.memory.createBuffer({
        label: 'Gaussians3dRenderer.counters',
        size: FRAME_COUNTER_WORDS * 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      }),
      dispatch: this.memory.createBuffer({
        label: 'Gaussians3dRenderer.dispatch',
        size: DISPATCH_WORDS * 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT,
      }),
    };
    if ('createProjection' in splats) {
      this.shStride = splats.shStride;
      this.visibleSlots = splats.count;
      this.project = splats.createProjection(this.frame, workgroupSize);
    } else {
      this.cloud = splats;
      this.sceneOptions = { maxBindingBytes: options.maxBindingBytes, origin: options.origin, order: importanceOrder(splats) };
      this.scene = new GpuScene(device, splats, { ...this.sceneOptions, storage: options.storage });
      this.shStride = this.scene.shStride;
      // `projected` holds the null splat after the slots.
      this.visibleSlots = Math.min(splats.count, Math.floor(this.bindingBytes / ProjectedSplatLayout.byteSize) - 1);
      this.splatProject = new ProjectPass(device, this.scene, this.frame, this.visibleSlots, workgroupSize);
      this.project = this.splatProject;
    }
    this.passNames = [this.project.name, ...GAUSSIANS3D_PASS_NAMES.slice(1)];
    this.scanTileCounts = new ScanTileCountsPass(device, this.visibleSlots, this.frame, this.project, workgroupSize);
    // A typical view touches a few tiles per splat; the first readbacks correct this guess. Big
    // scenes start at 2^22 (16 MiB per list) rather than reserve lists a distant view never fills.
    const guess = Math.max(4096, Math.min(4 * splats.count, INITIAL_CAPACITY_CAP));
    const capacity = Math.min(options.initialIntersectionCapacity ?? guess, this.maxIntersections);
    this.emitIntersections = new EmitIntersectionsPass(device, this.frame, this.project, this.scanTileCounts, capacity, workgroupSize);
    this.tileRanges = new TileRanges(device, { label: 'Gaussians3dRenderer.tileRanges', tileCount: 1 });
    for (let i = 0; i < READBACK_RING; i++) {
      this.readbacks.push({
        buffer: this.memory.createBuffer({
          label: `Gaussians3dRenderer.countersReadback${i}`,
          size: FRAME_COUNTER_WORDS * 4,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        }),
        busy: false,
        result: null,
      });
    }
    this.rasterize = new RasterizePass(device, this.frame, workgroupSize, options.rasterizeVariant);
  }

  get intersectionCapacity(): number {
    return this.emitIntersections.capacity;
  }

  /**
   * Whether a frame encoded now is known to fit the intersection buffers: a frame at the current
   * capacity has been read back without overflow, and the latest read-back frame did not overflow.
   * False after load and after growth until the next readback arrives; a method instance reports
   * such frames as possibly incomplete so the viewer draws again.
   */
  get capacityConfirmed(): boolean {
    return (this.confirmedCapacity === this.emitIntersections.capacity && !this.lastCounts?.overflow) || this.overflowAtLimit(this.lastCounts);
  }

  /** The implementation each timed stage runs ('auto' choices: see VariantTuner); `tuned` once all are settled. */
  get implementations(): { rasterize: RasterizeVariant; depthSort?: SortBackendName; tileSort?: SortBackendName; tuned: boolean } {
    const sorts = [this.depthSort, this.tileSort];
    return {
      rasterize: this.rasterize.variant,
      depthSort: this.depthSort?.backend,
      tileSort: this.tileSort?.backend,
      tuned: this.rasterize.decided && this.scanTileCounts.decided && sorts.every((s) => s?.decided),
    };
  }

  /** Upload index → cloud index of the scene's splats (ids in globalFromCompactId are upload indices); null for external splats. */
  get splatOrder(): Uint32Array | null {
    return this.scene?.order ?? null;
  }

  /** The scene upload: storage format and GPU bytes; null for external splats. */
  get sceneStorage(): { storage: SplatStorage; bytes: number; bytesPerSplat: number } | null {
    const scene = this.scene;
    return scene && { storage: scene.storage, bytes: scene.bytes, bytesPerSplat: scene.format.geometryBytes + scene.format.shBytes };
  }

  /** The frame overflowed a list that cannot grow any more: drawing it again would not help. */
  private overflowAtLimit(counts: FrameCounts | null): boolean {
    return !!counts?.overflow && counts.intersections > this.maxIntersections;
  }

  /**
   * Records one frame into `target` and returns true. Whether the frame fitted the intersection
   * buffers is known only after the GPU ran it: `capacityConfirmed` beforehand (from earlier frames),
   * `lastFrameComplete()` afterwards.
   */
  encode(encoder: GPUCommandEncoder, target: FrameTarget, frame: FrameInput, params: Gaussians3dRenderParams, timer?: GpuTimer): boolean {
    if (this.destroyed) throw new Error('Gaussians3dRenderer.encode after destroy');
    if (frame.camera.width !== target.width || frame.camera.height !== target.height) {
      throw new Error(`Camera is ${frame.camera.width}×${frame.camera.height} but the frame target is ${target.width}×${target.height}`);
    }
    this.prepare(target, params);
    this.writeUniforms(frame, params);
    const sortedCount = { buffer: this.frame.counters, offset: FrameCounter.sortedIntersections * 4 };
    this.tileRanges.setInputs(this.emitIntersections.tileIdFromIsect!, sortedCount);
    this.rasterize.setInputs({
      tileRanges: this.tileRanges.ranges!,
      splatIdFromIsect: this.emitIntersections.splatIdFromIsect!,
      projected: this.project.projected!,
      target,
    });

    encoder.clearBuffer(this.frame.counters);
    this.project.encode(encoder, timer);
    this.depthSort!.encode(encoder, 32, timer);
    this.scanTileCounts.encode(encoder, timer);
    this.emitIntersections.encode(encoder, timer);
    this.tileSort!.encode(encoder, 32 - Math.clz32(this.tileGrid.x * this.tileGrid.y), timer);
    this.tileRanges.encode(encoder, timer);
    this.rasterize.encode(encoder, params.debugView, timer);

    this.recordReadback(encoder);
    return true;
  }

  /** The buffers of the last frame's projection, for tests and debugging tools (valid until the next encode). */
  debugBuffers(): Record<'counters' | 'globalFromCompactId' | 'projected' | 'tileRects' | 'depthKeys' | 'depthOrder', GPUBuffer> {
    const p = this.project;
    return {
      counters: this.frame.counters,
      globalFromCompactId: p.globalFromCompactId!,
      projected: p.projected!,
      tileRects: p.tileRects!,
      depthKeys: p.depthKeys!,
      depthOrder: p.depthOrder!,
    };
  }

  /** Maps this frame's counter copy (call after the encoder's command buffer was submitted). */
  afterSubmit(): void {
    // Stages choosing their implementation by timing read their samples back.
    this.depthSort?.afterSubmit();
    this.scanTileCounts.afterSubmit();
    this.tileSort?.afterSubmit();
    this.rasterize.afterSubmit();
    const readback = this.pendingReadback;
    this.pendingReadback = null;
    if (!readback) return;
    const capacity = this.emitIntersections.capacity;
    readback.result = readback.buffer.mapAsync(GPUMapMode.READ).then(() => {
      const words = new Uint32Array(readback.buffer.getMappedRange(0, FRAME_COUNTER_WORDS * 4));
      const counts: FrameCounts = {
        visible: words[FrameCounter.visible]!,
        intersections: words[FrameCounter.intersections]!,
        overflow: words[FrameCounter.overflow]! !== 0,
      };
      readback.buffer.unmap();
      readback.busy = false;
      this.lastCounts = counts;
      if (!counts.overflow) this.confirmedCapacity = capacity;
      if (counts.intersections > capacity * GROW_THRESHOLD) {
        // Headroom only as far as one binding goes, and no further than that.
        const grown = Math.min(Math.max(counts.intersections, Math.ceil(counts.intersections * GROW_HEADROOM)), this.maxIntersections);
        this.requestedCapacity = Math.max(this.requestedCapacity, grown);
      }
      this.noteLimits(counts);
      return counts;
    });
    // A destroyed buffer rejects the map; the renderer is gone then and nobody waits for it.
    readback.result.catch(() => undefined);
    this.lastResult = readback.result;
  }

  /** Whether the last submitted frame (or, if it was not read back, the latest one that was) was drawn completely. */
  async lastFrameComplete(): Promise<boolean> {
    if (!this.lastResult) return true;
    const counts = await this.lastResult;
    return !counts.overflow || this.overflowAtLimit(counts);
  }

  destroy(): void {
    this.project.destroy();
    this.depthSort?.destroy();
    this.scanTileCounts.destroy();
    this.emitIntersections.destroy();
    this.tileSort?.destroy();
    this.tileRanges.destroy();
    this.rasterize.destroy();
    this.depthSort = this.tileSort = null;
    this.scene?.destroy();
    this.scene = null;
    this.destroyed = true;
    this.memory.release(this.frame.uniforms);
    this.memory.release(this.frame.counters);
    this.memory.release(this.frame.dispatch);
    for (const r of this.readbacks) this.memory.release(r.buffer);
    this.readbacks.length = 0;
    this.pendingReadback = null;
  }

  /** Applies what changed since the last frame: scene storage and budget, buffer growth, sort back-end, tile grid. */
  private prepare(target: FrameTarget, params: Gaussians3dRenderParams): void {
    if (this.cloud && this.scene && this.splatProject) {
      if (params.storage !== undefined && params.storage !== this.scene.storage) {
        // The old upload goes first, so two copies of the scene never coexist on the GPU.
        this.scene.destroy();
        this.scene = new GpuScene(this.device, this.cloud, { ...this.sceneOptions, storage: params.storage });
        this.splatProject.setScene(this.scene);
      }
      const budget = params.splatBudget && params.splatBudget > 0 ? Math.floor(params.splatBudget) : this.splatCount;
      this.renderedSplats = Math.min(budget, this.splatCount, this.visibleSlots);
      this.splatProject.setBudget(this.renderedSplats);
    } else {
      this.renderedSplats = this.splatCount;
    }
    // Onesweep where it is not safe would fail; the portable sort runs everywhere.
    const backend = params.sortBackend === 'onesweep' && !onesweepSupported(this.device) ? 'portable' : params.sortBackend;
    const backendChanged = backend !== this.sortBackend;
    const grow = this.requestedCapacity > this.emitIntersections.capacity;
    if (grow) this.emitIntersections.setCapacity(this.requestedCapacity);
    if (backendChanged) {
      this.depthSort?.destroy();
      this.depthSort = new RadixSort(this.device, { label: 'depthSort', maxCount: Math.max(1, this.visibleSlots), backend });
      this.depthSort.setInputs(this.project.depthKeys!, this.project.depthOrder!, { buffer: this.frame.counters, offset: FrameCounter.visible * 4 });
    }
    if (backendChanged || grow) {
      // The tile sort's scratch buffers are sized by the intersection capacity.
      this.tileSort?.destroy();
      this.tileSort = new RadixSort(this.device, { label: 'tileSort', maxCount: this.emitIntersections.capacity, backend });
      this.tileSort.setInputs(this.emitIntersections.tileIdFromIsect!, this.emitIntersections.splatIdFromIsect!, {
        buffer: this.frame.counters,
        offset: FrameCounter.sortedIntersections * 4,
      });
    }
    this.sortBackend = backend;
    const grid = { x: Math.ceil(target.width / TILE_SIZE), y: Math.ceil(target.height / TILE_SIZE) };
    if (grid.x !== this.tileGrid.x || grid.y !== this.tileGrid.y) {
      this.tileGrid = grid;
      this.tileRanges.setTileCount(grid.x * grid.y);
    }
  }

  private writeUniforms(frame: FrameInput, params: Gaussians3dParams): void {
    const { camera } = frame;
    const o = FrameUniformsLayout.wordOffset;
    const f = this.uniformFloats;
    const u = this.uniformUints;
    const r = camera.rotation;
    // The camera relative to the scene origin, in float64: p_cam = R·(p − origin) + (R·origin + t).
    const origin = this.scene?.origin ?? [0, 0, 0];
    const t = [0, 1, 2].map((row) => r[3 * row]! * origin[0] + r[3 * row + 1]! * origin[1] + r[3 * row + 2]! * origin[2] + camera.translation[row]!);
    const center = cameraCenter(camera);
    f.set([r[0], r[1], r[2], t[0]!], o.view_row0!);
    f.set([r[3], r[4], r[5], t[1]!], o.view_row1!);
    f.set([r[6], r[7], r[8], t[2]!], o.view_row2!);
    f.set([center[0] - origin[0], center[1] - origin[1], center[2] - origin[2], 1], o.camera_center!);
    const background = params.overrideBackground ? params.background : frame.background;
    f.set([...background, 1], o.background!);
    f.set([camera.fx, camera.fy], o.focal!);
    f.set([camera.cx - 0.5, camera.cy - 0.5], o.pixel_offset!);
    f.set([camera.width / (2 * camera.fx), camera.height / (2 * camera.fy)], o.tan_half_fov!);
    u.set([camera.width, camera.height], o.image_size!);
    u.set([this.tileGrid.x, this.tileGrid.y], o.tile_grid!);
    u[o.splat_count!] = this.visibleSlots;
    u[o.sh_stride!] = this.shStride;
    u[o.sh_degree!] = Math.max(0, Math.min(this.shDegree, Math.floor(params.shDegree)));
    f[o.scale_modifier_sq!] = params.scaleModifier * params.scaleModifier;
    u[o.intersection_capacity!] = this.emitIntersections.capacity;
    this.device.queue.writeBuffer(this.frame.uniforms, 0, this.uniformData);
  }

  /** Notes for the user when a binding limit shapes the picture. */
  private noteLimits(counts: FrameCounts): void {
    const notes: string[] = [];
    if (this.renderedSplats < this.splatCount && this.renderedSplats === this.visibleSlots) {
      notes.push(`drawing the ${this.visibleSlots} most important of ${this.splatCount} splats: one GPU storage binding holds no more visible splats`);
    }
    if (this.overflowAtLimit(counts)) {
      notes.push(
        `this view needs ${counts.intersections} tile intersections, one GPU storage binding holds ${this.maxIntersections}: ` +
          'it is not drawn; lower the splat budget, the resolution or the scale modifier',
      );
    }
    this.limitNote = notes.length ? notes.join('; ') : null;
  }

  /** Copies the frame counters into a free staging buffer of the ring. */
  private recordReadback(encoder: GPUCommandEncoder): void {
    // A frame encoded without afterSubmit after it was never mapped: its slot is free again.
    if (this.pendingReadback) this.pendingReadback.busy = false;
    const readback = this.readbacks.find((r) => !r.busy);
    if (!readback) return;
    encoder.copyBufferToBuffer(this.frame.counters, 0, readback.buffer, 0, FRAME_COUNTER_WORDS * 4);
    readback.busy = true;
    this.pendingReadback = readback;
  }
}
