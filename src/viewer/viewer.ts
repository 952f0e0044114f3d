/**
 * The viewer: owns the GPU device, the canvas, the frame target and the current method instance;
 * loads scenes and assets, turns input into cameras, and draws frames only when something changed
 * (or every frame in continuous mode). Recovers from device loss by recreating the device and
 * reloading the scene in place.
 */
import { cameraFromInria, type Camera, type InriaCameraEntry, type Vec3 } from '../camera/camera';
import { createGpuContext, type GpuContext } from '../gpu/context';
import { GpuMemory } from '../gpu/memory';
import { GpuTimer } from '../gpu/timing';
import { SNIFF_BYTES, methodById, methodForAsset, methodForBundle, methodIds, type AnyMethodDefinition } from '../methods/registry';
import type { AssetSource, FrameInput, MethodInstance, PaperRate } from '../methods/types';
import { ViewControls } from './controls';
import { CanvasBlit, FrameTargetTexture, readFrameTarget } from './frameTarget';
import { assetName, bundleFromPicked, meteredBundle, meteredStream, openAssetStream, readJson, type AssetRef, type PickedFile, type SingleAssetRef } from './loading';
import type { ProgressView } from './loading';
import type { OverlaySnapshot } from './overlay';
import { readCamerasDocument, parseSceneFile, resolveCameraRef, type CameraPathSpec, type SceneFile } from './sceneFile';
import { Timeline } from './timeline';
import { cameraFromView, cameraOnPath, fitCamera, upFromCameras, viewFramingBounds, viewFromCamera, type ViewState } from './view';

/** Everything needed to (re)open what the user looks at; kept to reload after device loss or a method switch. */
export interface LoadRequest {
  asset: AssetRef;
  /** Method id; undefined picks the method from the file. */
  method?: string;
  cameras?: InriaCameraEntry[] | SingleAssetRef;
  camera?: number | string;
  cameraPath?: CameraPathSpec;
  time: number;
  background: Vec3;
  up?: Vec3;
  paperRate?: PaperRate;
}

export interface CameraPreset {
  name: string;
  camera: Camera;
}

interface Loaded {
  definition: AnyMethodDefinition;
  instance: MethodInstance;
  request: LoadRequest;
  name: string;
  presets: CameraPreset[];
  /** Cameras of the path, when the scene has one. */
  path?: { keys: InriaCameraEntry[]; seconds: number; loop: boolean };
}

export interface ViewerEvents {
  /** A message for the user (errors stay until dismissed or the next successful load). */
  message(text: string, kind: 'error' | 'info'): void;
  clearMessage(): void;
  /** A new scene or method is live: the GUI rebuilds its method and camera controls. */
  loaded(): void;
}

export class LoadCancelled extends Error {
  override name = 'LoadCancelled';
}

/** Backing-store pixels per CSS pixel are capped: 3x phones would quadruple the work for little gain. */
const DEFAULT_PIXEL_RATIO_CAP = 2;
const FPS_WINDOW_MS = 1000;

export class Viewer {
  gpu: GpuContext | null = null;
  /** Increments each time a device is created (device loss recovery makes a new one). */
  deviceGeneration = 0;
  current: Loaded | null = null;
  loading = false;
  lastError: string | null = null;
  readonly gpuErrors: string[] = [];

  // Render settings the GUI edits.
  background: Vec3 = [0, 0, 0];
  /** Scene time: over the content's span for dynamic methods, else seconds from 0 (camera paths). */
  readonly timeline = new Timeline();
  continuous = false;
  pixelRatioCap = DEFAULT_PIXEL_RATIO_CAP;
  /** A fixed render size (CLI, tests, screenshots at a set resolution) instead of following the canvas. */
  fixedSize: { width: number; height: number } | null = null;

  view: ViewState = viewFramingBounds([0, 0, 0], 1, [0, -1, 0]);
  /** A preset camera shown exactly (focal, roll) until the user moves. */
  private pinned: Camera | null = null;
  private followPath = false;
  readonly controls: ViewControls;

  frameCount = 0;
  cpuMs = 0;
  private readonly frameTimes = new Float64Array(240);
  private frameTimeIndex = 0;

  private memory: GpuMemory | null = null;
  private canvasContext: GPUCanvasContext | null = null;
  private canvasFormat: GPUTextureFormat = 'bgra8unorm';
  private frameTarget: FrameTargetTexture | null = null;
  private blit: CanvasBlit | null = null;
  timer: GpuTimer | null = null;
  private rafId = 0;
  private dirty = false;
  private lastFrameTime = 0;
  private loadController: AbortController | null = null;
  private loadPromise: Promise<void> = Promise.resolve();
  private readonly lossTimes: number[] = [];
  private cssSize = { width: 1, height: 1 };
  private readonly frameInput: FrameInput = { camera: null as unknown as Camera, time: 0, background: [0, 0, 0] };

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly progress: ProgressView,
    private readonly events: ViewerEvents,
  ) {
    this.controls = new ViewControls(canvas, () => this.interactiveView(), () => this.requestRedraw());
    new ResizeObserver(() => {
      this.cssSize = { width: canvas.clientWidth, height: canvas.clientHeight };
      this.requestRedraw();
    }).observe(canvas);
    this.cssSize = { width: canvas.clientWidth, height: canvas.clientHeight };
  }

  /** FrameInput.time (the timeline's; setting it scrubs, clamped to the span). */
  get time(): number {
    return this.timeline.time;
  }

  set time(time: number) {
    this.timeline.scrub(time);
  }

  get playing(): boolean {
    return this.timeline.playing;
  }

  set playing(on: boolean) {
    this.timeline.playing = on;
  }

  /** Creates the device; throws GpuUnavailableError with a user-facing message when WebGPU is missing. */
  async initGpu(): Promise<void> {
    const gpu = await createGpuContext(navigator.gpu);
    const device = gpu.device;
    this.gpu = gpu;
    this.deviceGeneration++;
    this.memory = GpuMemory.of(device);
    device.onuncapturederror = (event) => this.reportGpuError(event.error.message);
    void device.lost.then((info) => {
      // Our own teardown forgets the device before destroying it; anything else (driver reset, or
      // a test calling device.destroy()) is a loss to recover from.
      if (this.gpu?.device === device) void this.recover(info);
    });
    this.canvasContext = this.canvas.getContext('webgpu');
    if (!this.canvasContext) throw new Error('The canvas did not give a WebGPU context.');
    this.canvasFormat = navigator.gpu.getPreferredCanvasFormat();
    this.canvasContext.configure({ device, format: this.canvasFormat, alphaMode: 'opaque' });
    this.frameTarget = new FrameTargetTexture(this.memory);
    this.blit = new CanvasBlit(device, this.canvasFormat);
    this.timer = new GpuTimer(device);
    this.resizeIfNeeded();
  }

  get memoryTracker(): GpuMemory | null {
    return this.memory;
  }

  // ---------------------------------------------------------------- loading

  /** Opens a scene file by URL (relative to the page). */
  async openSceneUrl(url: string, cameraOverride?: number): Promise<void> {
    await this.run(url, async (signal) => {
      const sceneUrl = new URL(url, location.href).href;
      const json = await readJson({ kind: 'url', url: sceneUrl }, signal);
      const scene = parseSceneFile(json, url, methodIds());
      if (cameraOverride !== undefined) scene.camera = cameraOverride;
      return sceneRequest(scene, (path) => ({ kind: 'url', url: new URL(path, sceneUrl).href }));
    });
  }

  /** Opens a scene given as an object (the CLI), resolving its paths against `baseUrl`. */
  async openSceneObject(json: unknown, baseUrl: string): Promise<void> {
    await this.run('scene', async () => {
      const scene = parseSceneFile(json, 'scene', methodIds());
      return sceneRequest(scene, (path) => ({ kind: 'url', url: new URL(path, new URL(baseUrl, location.href)).href }));
    });
  }

  /** Opens an asset by URL; the method follows from the file unless given. */
  async openAssetUrl(url: string, method?: string, camera?: number): Promise<void> {
    await this.run(url, async () => {
      if (method !== undefined) methodById(method);
      return { asset: { kind: 'url', url: new URL(url, location.href).href }, method, time: 0, background: this.background, camera };
    });
  }

  /**
   * Opens dropped or picked files (a promise while a dropped folder is being walked): a scene .json
   * (its asset and cameras found among the files by name, else relative to the page), a cameras.json
   * (applied to the current scene), a SOG folder (its meta.json and images, opened as one bundle), or
   * an asset.
   */
  async openFiles(picked: PickedFile[] | Promise<PickedFile[]>): Promise<void> {
    const label = Array.isArray(picked) ? picked.map((f) => f.path).join(', ') : 'dropped files';
    await this.run(label, async (signal) => {
      const all = await picked;
      const files = all.map((f) => f.file);
      const byName = new Map(files.map((f) => [f.name, f]));
      const resolve = (path: string): SingleAssetRef => {
        const file = byName.get(path.slice(path.lastIndexOf('/') + 1));
        return file ? { kind: 'file', file } : { kind: 'url', url: new URL(path, location.href).href };
      };
      const isJson = (f: File) => f.name.toLowerCase().endsWith('.json');
      let cameras: InriaCameraEntry[] | undefined;
      let cameraFiles = new Set<File>();
      let sogMeta = false;
      for (const file of files.filter(isJson)) {
        const json = await readJson({ kind: 'file', file }, signal);
        if (Array.isArray(json)) {
          cameras = readCamerasDocument(json, file.name);
          cameraFiles = new Set([...cameraFiles, file]);
        } else if (/^(lod-)?meta\.json$/.test(file.name) && json && typeof json === 'object' && !('method' in json)) sogMeta = true;
        else return sceneRequest(parseSceneFile(json, file.name, methodIds()), resolve);
      }
      const camera = cameras ? 0 : undefined;
      if (sogMeta) {
        // A SOG folder: meta.json and the images it names, read through one bundle.
        const parts = all.filter((f) => !cameraFiles.has(f.file));
        const size = parts.reduce((sum, f) => sum + f.file.size, 0);
        return { asset: { kind: 'bundle', bundle: bundleFromPicked(parts), size }, time: 0, background: this.background, cameras, camera };
      }
      const assets = files.filter((f) => !isJson(f));
      if (assets.length > 1) throw new Error(`Drop one asset at a time (got ${assets.map((f) => f.name).join(', ')}), a SOG folder, or a scene .json with its files.`);
      if (assets.length === 1) return { asset: { kind: 'file', file: assets[0]! }, time: 0, background: this.background, cameras, camera };
      if (!cameras) throw new Error('Nothing to open: drop an asset, a scene .json or a cameras.json.');
      if (!this.current) throw new Error('Open a scene before its cameras.json.');
      return { ...this.current.request, cameras, camera: 0, cameraPath: undefined };
    });
  }

  /** Reopens the current asset with another method (its params start from that method's defaults). */
  async switchMethod(id: string): Promise<void> {
    const current = this.current;
    if (!current || current.definition.id === id) return;
    await this.run(id, async () => ({ ...current.request, method: methodById(id).id }), { keepView: true });
  }

  /** Reloads what is open (after device loss, or to check teardown), keeping the view. */
  async reload(): Promise<void> {
    const current = this.current;
    if (!current) return;
    await this.run(current.name, async () => ({ ...current.request, method: current.definition.id }), { keepView: true, params: current.instance.params });
  }

  /** Resolves once no load is in flight. */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.loadPromise;
      await seen;
    } while (seen !== this.loadPromise);
  }

  cancelLoad(): void {
    this.loadController?.abort(new LoadCancelled('Loading cancelled.'));
  }

  /**
   * One load at a time: a new one cancels the previous. The old scene stays on screen until the
   * new one is ready, so a bad file leaves the viewer as it was, with a message.
   */
  private run(label: string, makeRequest: (signal: AbortSignal) => Promise<LoadRequest>, options: { keepView?: boolean; params?: object } = {}): Promise<void> {
    this.cancelLoad();
    const controller = new AbortController();
    this.loadController = controller;
    const previous = this.loadPromise;
    const task = (async () => {
      await previous.catch(() => undefined);
      if (controller.signal.aborted) return;
      this.loading = true;
      this.progress.show(label, () => this.cancelLoad());
      try {
        const request = await makeRequest(controller.signal);
        await this.load(request, controller.signal, options);
        this.lastError = null;
        this.events.clearMessage();
      } catch (error) {
        // A load replaced by a newer one ends quietly; one the user cancelled says so.
        if (controller.signal.aborted) {
          if (this.loadController === controller) this.events.message('Loading cancelled.', 'info');
        }
        else this.reportError((error as Error).message ?? String(error));
      } finally {
        if (this.loadController === controller) {
          this.loadController = null;
          this.loading = false;
          this.progress.hide();
        }
      }
    })();
    this.loadPromise = task;
    return task;
  }

  private async load(request: LoadRequest, signal: AbortSignal, options: { keepView?: boolean; params?: object }): Promise<void> {
    const gpu = this.gpu;
    if (!gpu || !this.memory) throw new Error('The GPU is not ready.');
    const name = assetName(request.asset);
    let entries: InriaCameraEntry[] = [];
    if (request.cameras && !Array.isArray(request.cameras)) {
      const ref = request.cameras;
      entries = readCamerasDocument(await readJson(ref, signal), ref.kind === 'file' ? ref.file.name : ref.url);
      request = { ...request, cameras: entries };
    } else if (request.cameras) entries = request.cameras;

    let size: number | undefined;
    let bytesSeen = 0;
    const onBytes = (bytes: number) => {
      bytesSeen = Math.max(bytesSeen, bytes);
      this.progress.update(bytesSeen, size);
    };
    let definition: AnyMethodDefinition;
    let source: AssetSource;
    if (request.asset.kind === 'bundle') {
      size = request.asset.size;
      definition = request.method ? methodById(request.method) : methodForBundle(name);
      if (!definition.opensBundles) throw new Error(`${definition.label} opens single files, not the folder ${name}`);
      const empty = new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
      source = { name, size, stream: empty, bundle: meteredBundle(request.asset.bundle, signal, onBytes), signal, onProgress: onBytes };
    } else {
      const opened = await openAssetStream(request.asset, signal);
      size = opened.size;
      const metered = await meteredStream(opened.stream, signal, onBytes, SNIFF_BYTES);
      definition = request.method ? methodById(request.method) : methodForAsset(name, metered.head);
      source = { name, size, stream: metered.stream, signal, onProgress: onBytes };
    }
    this.progress.update(0, size);
    const params = options.params ?? definition.defaultParams();
    const instance = await definition.load({ gpu, memory: this.memory }, source, params);
    if (signal.aborted || this.gpu !== gpu) {
      instance.destroy();
      signal.throwIfAborted();
      throw new Error('The GPU device was replaced while loading.');
    }
    this.progress.preparing();

    const presets: CameraPreset[] = entries.map((entry, i) => ({ name: entry.img_name ?? `camera ${i}`, camera: cameraFromInria(entry) }));
    for (const [i, camera] of (instance.cameras ?? []).entries()) presets.push({ name: `asset camera ${i}`, camera });
    const loaded: Loaded = { definition, instance, request: { ...request, method: definition.id }, name, presets };
    if (request.cameraPath) {
      loaded.path = {
        keys: request.cameraPath.cameras.map((ref) => entries[resolveCameraRef(ref, entries, `${name} cameraPath`)]!),
        seconds: request.cameraPath.seconds,
        loop: request.cameraPath.loop,
      };
    }
    // Presets list the scene's cameras first, so an index or img_name means the same in both.
    const startCamera = request.camera === undefined ? undefined : resolveCameraRef(request.camera, presets.map((p) => ({ img_name: p.name })), name);

    const old = this.current;
    this.current = loaded;
    old?.instance.destroy();

    this.background = [...request.background];
    const { center, radius } = instance.bounds;
    this.controls.moveSpeed = Math.max(radius, 1e-6) * 0.5;
    this.controls.minDistance = Math.max(radius, 1e-6) * 1e-3;
    this.timeline.setRange(instance.timeRange ?? null);
    if (!options.keepView) {
      this.time = request.time;
      const up = request.up ?? upFromCameras(presets.map((p) => p.camera)) ?? [0, -1, 0];
      this.view = viewFramingBounds(center, radius, up);
      this.pinned = null;
      this.followPath = !!loaded.path;
      // Dynamic content plays from the start; static content only along a camera path.
      this.playing = !!loaded.path || !!instance.timeRange;
      if (startCamera !== undefined) this.pinned = presets[startCamera]!.camera;
    }
    this.events.loaded();
    this.requestRedraw();
  }

  /** File extensions the open content can be saved as (empty when its method cannot export). */
  get exportFormats(): readonly string[] {
    return this.current?.instance.exportFormats ?? [];
  }

  /**
   * The open content written as `format` ('.ply', '.splat', …) and a file name for it; the caller
   * hands it to the browser as a download. The whole file is built in memory (a Blob of chunks).
   */
  exportCurrent(format: string): { blob: Blob; fileName: string } {
    const current = this.current;
    if (!current?.instance.exportAsset || !this.exportFormats.includes(format)) {
      throw new Error(current ? `${current.definition.label} cannot save as ${format} (it saves as: ${this.exportFormats.join(', ') || 'nothing'})` : 'Nothing is open to save.');
    }
    const chunks = [...current.instance.exportAsset(format)] as BlobPart[];
    const stem = current.name.replace(/\.[^./]*$/, '');
    return { blob: new Blob(chunks, { type: 'application/octet-stream' }), fileName: `${stem}${format}` };
  }

  // ---------------------------------------------------------------- camera

  /** The editable view; the first edit after a pinned preset starts from that preset. */
  private interactiveView(): ViewState {
    if (this.pinned) {
      const bounds = this.current?.instance.bounds ?? { center: [0, 0, 0] as Vec3, radius: 1 };
      this.view = viewFromCamera(this.pinned, this.view.up, bounds.center, bounds.radius * 1e-3);
      this.pinned = null;
    }
    this.followPath = false;
    return this.view;
  }

  showPreset(index: number): void {
    const preset = this.current?.presets[index];
    if (!preset) throw new Error(`No camera preset ${index}`);
    this.pinned = preset.camera;
    this.followPath = false;
    this.requestRedraw();
  }

  resetView(): void {
    const current = this.current;
    if (!current) return;
    this.view = viewFramingBounds(current.instance.bounds.center, current.instance.bounds.radius, this.view.up);
    this.pinned = null;
    this.followPath = !!current.path;
    this.requestRedraw();
  }

  /** The camera for the next frame at the current render size. */
  currentCamera(width: number, height: number): Camera {
    const radius = this.current?.instance.bounds.radius ?? 1;
    const path = this.current?.path;
    if (path && this.followPath) return cameraOnPath(path.keys, this.time, path.seconds, path.loop, width, height);
    if (this.pinned) return fitCamera(this.pinned, width, height);
    const near = Math.max(1e-4, radius * 1e-4);
    return cameraFromView(this.view, width, height, near, Math.max(near * 10, this.view.distance + radius * 100));
  }

  // ---------------------------------------------------------------- frames

  requestRedraw(): void {
    this.dirty = true;
    if (!this.rafId) this.rafId = requestAnimationFrame(this.onAnimationFrame);
  }

  private readonly onAnimationFrame = (now: number): void => {
    this.rafId = 0;
    const seconds = this.lastFrameTime ? Math.min(0.1, (now - this.lastFrameTime) / 1000) : 0;
    this.lastFrameTime = now;
    this.controls.update(seconds);
    this.timeline.advance(seconds);
    this.renderFrame();
    if (this.dirty || this.continuous || this.playing || this.controls.moving) this.rafId = requestAnimationFrame(this.onAnimationFrame);
    else this.lastFrameTime = 0;
  };

  /** Render size: the fixed size, else the canvas's CSS size times devicePixelRatio (capped), within the device's limit. */
  renderSize(): { width: number; height: number } {
    const max = this.gpu?.device.limits.maxTextureDimension2D ?? 8192;
    let width: number;
    let height: number;
    if (this.fixedSize) ({ width, height } = this.fixedSize);
    else {
      const ratio = Math.min(window.devicePixelRatio || 1, this.pixelRatioCap);
      width = Math.round(this.cssSize.width * ratio);
      height = Math.round(this.cssSize.height * ratio);
    }
    return { width: Math.max(1, Math.min(max, width)), height: Math.max(1, Math.min(max, height)) };
  }

  private resizeIfNeeded(): void {
    if (!this.gpu || !this.frameTarget) return;
    const { width, height } = this.renderSize();
    if (this.frameTarget.resize(width, height)) {
      this.canvas.width = width;
      this.canvas.height = height;
      this.frameTarget.clear(this.gpu.device, this.background);
    }
  }

  /** Encodes and submits one frame. Returns false when the method asked to be drawn again. */
  renderFrame(): boolean {
    this.dirty = false;
    const gpu = this.gpu;
    if (!gpu || !this.frameTarget || !this.blit || !this.canvasContext || !this.timer) return true;
    const start = performance.now();
    this.resizeIfNeeded();
    const target = this.frameTarget.target!;
    const encoder = gpu.device.createCommandEncoder({ label: 'Viewer.frame' });
    this.timer.beginFrame();
    let complete = true;
    const current = this.current;
    if (current) {
      const input = this.frameInput;
      input.camera = this.currentCamera(target.width, target.height);
      input.time = this.time;
      input.background = this.background;
      try {
        complete = current.instance.encode(encoder, target, input, this.timer);
      } catch (error) {
        this.reportError(`${current.definition.label} failed to draw: ${(error as Error).message}`);
        this.current = null;
        current.instance.destroy();
        return true;
      }
    }
    this.blit.encode(encoder, target, this.canvasContext.getCurrentTexture().createView(), this.timer);
    this.timer.resolve(encoder);
    gpu.device.queue.submit([encoder.finish()]);
    this.timer.collect();
    const instance = current?.instance;
    instance?.afterSubmit?.();
    if (!complete) this.dirty = true;
    // A frame can turn out incomplete only after the GPU ran it (e.g. an intersection buffer
    // overflowed); the method grows its buffers and the frame is drawn again, even if nothing moves.
    instance?.lastFrameComplete?.().then((ok) => {
      if (!ok && this.current?.instance === instance) this.requestRedraw();
    }, () => undefined); // rejected only when the instance was destroyed meanwhile
    this.frameCount++;
    const end = performance.now();
    this.cpuMs += (end - start - this.cpuMs) * 0.1;
    this.frameTimes[this.frameTimeIndex++ % this.frameTimes.length] = end;
    return complete;
  }

  /** Frames drawn during the last second. */
  fps(): number {
    const now = performance.now();
    let count = 0;
    let oldest = now;
    for (const t of this.frameTimes) {
      if (t > 0 && now - t < FPS_WINDOW_MS) {
        count++;
        oldest = Math.min(oldest, t);
      }
    }
    return count < 2 ? 0 : ((count - 1) * 1000) / Math.max(1, now - oldest);
  }

  /** Renders `count` frames back to back and waits for the GPU to finish them (tests, CLI). */
  async renderFrames(count: number): Promise<void> {
    await this.idle();
    for (let i = 0; i < count; i++) {
      this.renderFrame();
      await this.gpu?.device.queue.onSubmittedWorkDone();
    }
    // A method that needed another pass (e.g. a grown buffer) gets it, a bounded number of times.
    const incomplete = async () => this.dirty || (await this.current?.instance.lastFrameComplete?.()) === false;
    for (let retries = 0; (await incomplete()) && retries < 8; retries++) {
      this.renderFrame();
      await this.gpu?.device.queue.onSubmittedWorkDone();
    }
  }

  /** The frame target's pixels as RGBA bytes (exactly what the method rendered; no overlay). */
  async readFrame(): Promise<{ width: number; height: number; data: Uint8Array }> {
    const target = this.frameTarget?.target;
    if (!this.gpu || !this.memory || !target) throw new Error('No frame to read: the GPU is not ready.');
    const data = await readFrameTarget(this.gpu.device, this.memory, target);
    return { width: target.width, height: target.height, data };
  }

  overlaySnapshot(): OverlaySnapshot | null {
    const target = this.frameTarget?.target;
    if (!target || !this.memory || !this.timer) return null;
    return {
      method: this.current?.definition.label ?? 'no method',
      asset: this.current?.name ?? (this.loading ? 'loading…' : 'nothing open'),
      width: target.width,
      height: target.height,
      devicePixelRatio: this.fixedSize ? target.width / Math.max(1, this.cssSize.width) : Math.min(window.devicePixelRatio || 1, this.pixelRatioCap),
      fps: this.fps(),
      continuous: this.continuous,
      cpuMs: this.cpuMs,
      gpuMsByPass: this.timer.msByPass,
      timestamps: this.timer.enabled,
      memoryBytes: this.memory.totalBytes,
      memoryByOwner: this.memory.byOwner(),
      stats: this.current?.instance.stats ?? {},
      paperRate: this.current?.request.paperRate ?? this.current?.definition.paperRate,
      timeline: this.timeline.bounded ? this.timeline.label() : undefined,
    };
  }

  // ---------------------------------------------------------------- errors and device loss

  reportError(message: string): void {
    this.lastError = message;
    this.events.message(message, 'error');
  }

  private reportGpuError(message: string): void {
    this.gpuErrors.push(message);
    this.reportError(`WebGPU error: ${message}`);
  }

  /** Tears down everything on the lost device, makes a new one and reopens the scene. */
  private async recover(info: GPUDeviceLostInfo): Promise<void> {
    const now = performance.now();
    this.lossTimes.push(now);
    while (this.lossTimes.length && now - this.lossTimes[0]! > 30_000) this.lossTimes.shift();
    const current = this.current;
    this.cancelLoad();
    this.teardownGpu();
    if (this.lossTimes.length > 3) {
      this.reportError(`The GPU device was lost ${this.lossTimes.length} times in 30 s (${info.message || info.reason}). Reload the page to try again.`);
      return;
    }
    this.events.message(`The GPU device was lost (${info.message || info.reason}); recreating it and reloading the scene…`, 'info');
    try {
      await this.initGpu();
    } catch (error) {
      this.reportError(`The GPU device was lost and could not be recreated: ${(error as Error).message}`);
      return;
    }
    if (current) {
      this.current = null;
      const request = { ...current.request, method: current.definition.id };
      await this.run(current.name, async () => request, { keepView: true, params: current.instance.params });
    } else this.requestRedraw();
  }

  /** Destroys every GPU object and the device (device loss, page teardown). */
  teardownGpu(): void {
    const gpu = this.gpu;
    try {
      this.current?.instance.destroy();
    } catch {
      // A method's destroy on a lost device may fail; the device is going away anyway.
    }
    this.current = null;
    this.timer?.destroy();
    this.blit?.destroy();
    this.frameTarget?.destroy();
    this.timer = null;
    this.blit = null;
    this.frameTarget = null;
    this.canvasContext?.unconfigure();
    this.gpu = null;
    this.memory = null;
    gpu?.device.destroy();
  }
}

/** A load request from a validated scene file; `resolve` maps the file's relative paths. */
export function sceneRequest(scene: SceneFile, resolve: (path: string) => SingleAssetRef): LoadRequest {
  return {
    asset: resolve(scene.asset),
    method: scene.method,
    cameras: typeof scene.cameras === 'string' ? resolve(scene.cameras) : scene.cameras,
    camera: scene.camera,
    cameraPath: scene.cameraPath,
    time: scene.time,
    background: scene.background,
    up: scene.up,
    paperRate: scene.paperRate,
  };
}
