/**
 * `window.nerve`: the small debug and automation surface the e2e tests and the command-line tools
 * (render, bench) drive the real app through. State fields are plain values; actions are async
 * and report failure through `error` (the same text the page shows), never by throwing.
 *
 *   ready, error, adapter, features   GPU state and the last error shown to the user
 *   loading, method, asset, frameCount, deviceGeneration
 *   stats(), memory(), gpuMs()         the method's stats, tracked GPU memory, GPU ms per pass
 *   openScene(url), openUrl(url, method?), openSceneObject(json, baseUrl), switchMethod(id), reload()
 *   setSize(w, h) / setSize(null)      fixed render size, or follow the canvas again
 *   showCamera(index), camera(), setControlMode(mode), setBackground(rgb), setTime(t) (pauses the timeline)
 *   timeRange                          the span of scene time of dynamic content, else null
 *   nativeSize                         the open content's own pixel size (an image), else null
 *   exportFormats, saveAs(format)      what the open content can be saved as; saveAs downloads it (returns the file name)
 *   renderFrames(n)                    draws n frames and waits for the GPU
 *   readFrame()                        the frame target as base64 RGBA (no overlay)
 *   benchmark(frames, warmup)          per-frame wall and GPU ms for the CLI bench
 *   loseDevice()                       destroys the device as a driver reset would
 *   idle()                             resolves when no load is in flight
 */
import type { Camera } from '../camera/camera';
import type { AdapterSummary } from '../gpu/context';
import { GpuTimer } from '../gpu/timing';
import type { PaperRate } from '../methods/types';
import type { ControlMode } from './controls';
import { downloadExport } from './download';
import type { Viewer } from './viewer';

export interface BenchFrames {
  method: string;
  asset: string;
  width: number;
  height: number;
  /** Wall time per frame: encode + submit until the GPU reports the work done. */
  wallMs: number[];
  /** GPU ms per pass for each measured frame (empty objects when timestamps are unavailable). */
  gpuMs: Array<Record<string, number>>;
  timestamps: boolean;
  memoryBytes: number;
  memoryByOwner: Record<string, number>;
  stats: Record<string, number | string>;
  paperRate?: PaperRate;
}

export interface NerveHooks {
  ready: boolean;
  readonly error: string | null;
  adapter: AdapterSummary | null;
  features: string[];
  readonly loading: boolean;
  readonly method: string | null;
  readonly asset: string | null;
  readonly frameCount: number;
  readonly deviceGeneration: number;
  readonly gpuErrors: readonly string[];
  stats(): Record<string, number | string>;
  memory(): { totalBytes: number; byOwner: Record<string, number>; liveLabels: string[] };
  gpuMs(): Record<string, number>;
  idle(): Promise<void>;
  openScene(url: string): Promise<string | null>;
  openUrl(url: string, method?: string): Promise<string | null>;
  openSceneObject(json: unknown, baseUrl: string): Promise<string | null>;
  switchMethod(id: string): Promise<string | null>;
  reload(): Promise<string | null>;
  setSize(width: number | null, height?: number): void;
  showCamera(index: number): void;
  /** The camera the next frame will use. */
  camera(): Camera;
  setControlMode(mode: ControlMode): void;
  setBackground(rgb: [number, number, number]): void;
  setTime(seconds: number): void;
  readonly timeRange: [number, number] | null;
  /** The open content's own pixel size (an image), else null. */
  readonly nativeSize: { width: number; height: number } | null;
  readonly exportFormats: readonly string[];
  /** Starts the download of the open content as `format`; resolves to its file name, or the error. */
  saveAs(format: string): Promise<{ fileName: string } | { error: string }>;
  renderFrames(count: number): Promise<void>;
  readFrame(): Promise<{ width: number; height: number; base64: string }>;
  benchmark(frames: number, warmup: number): Promise<BenchFrames>;
  loseDevice(): void;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return true;
}

export function createHooks(viewer: Viewer): NerveHooks {
  // Actions resolve to the error they caused (null on success).
  const act = async (action: Promise<void>): Promise<string | null> => {
    viewer.lastError = null;
    await action;
    await viewer.idle();
    return viewer.lastError;
  };
  const hooks: NerveHooks = {
    ready: false,
    get error() {
      return viewer.lastError;
    },
    adapter: null,
    features: [],
    get loading() {
      return viewer.loading;
    },
    get method() {
      return viewer.current?.definition.id ?? null;
    },
    get asset() {
      return viewer.current?.name ?? null;
    },
    get frameCount() {
      return viewer.frameCount;
    },
    get deviceGeneration() {
      return viewer.deviceGeneration;
    },
    get gpuErrors() {
      return viewer.gpuErrors;
    },
    stats: () => ({ ...(viewer.current?.instance.stats ?? {}) }),
    memory: () => {
      const memory = viewer.memoryTracker;
      return {
        totalBytes: memory?.totalBytes ?? 0,
        byOwner: Object.fromEntries((memory?.byOwner() ?? []).map(([owner, t]) => [owner, t.bytes])),
        liveLabels: memory?.liveLabels() ?? [],
      };
    },
    gpuMs: () => Object.fromEntries(viewer.timer?.msByPass ?? []),
    idle: () => viewer.idle(),
    openScene: (url) => act(viewer.openSceneUrl(url)),
    openUrl: (url, method) => act(viewer.openAssetUrl(url, method)),
    openSceneObject: (json, baseUrl) => act(viewer.openSceneObject(json, baseUrl)),
    switchMethod: (id) => act(viewer.switchMethod(id)),
    reload: () => act(viewer.reload()),
    setSize(width, height) {
      viewer.fixedSize = width === null ? null : { width, height: height ?? width };
      viewer.requestRedraw();
    },
    showCamera: (index) => viewer.showPreset(index),
    camera: () => {
      const size = viewer.renderSize();
      return viewer.currentCamera(size.width, size.height);
    },
    setControlMode(mode) {
      viewer.controls.mode = mode;
    },
    setBackground(rgb) {
      viewer.background = [...rgb];
      viewer.requestRedraw();
    },
    setTime(seconds) {
      viewer.time = seconds;
      viewer.playing = false;
      viewer.requestRedraw();
    },
    get timeRange() {
      return viewer.current?.instance.timeRange ?? null;
    },
    get nativeSize() {
      return viewer.current?.instance.nativeSize ?? null;
    },
    get exportFormats() {
      return viewer.exportFormats;
    },
    async saveAs(format) {
      await viewer.idle();
      try {
        return { fileName: downloadExport(viewer, format) };
      } catch (error) {
        return { error: (error as Error).message };
      }
    },
    renderFrames: (count) => viewer.renderFrames(count),
    async readFrame() {
      const frame = await viewer.readFrame();
      return { width: frame.width, height: frame.height, base64: toBase64(frame.data) };
    },
    async benchmark(frames, warmup) {
      await viewer.idle();
      const gpu = viewer.gpu;
      const current = viewer.current;
      if (!gpu || !current) throw new Error(viewer.lastError ?? 'Nothing is loaded to benchmark.');
      const memory = hooks.memory();
      // Unsmoothed timings for the duration: each measured frame's own GPU times.
      const normalTimer = viewer.timer;
      const timer = new GpuTimer(gpu.device, 1);
      viewer.timer = timer;
      const wallMs: number[] = [];
      const gpuMs: Array<Record<string, number>> = [];
      try {
        await viewer.renderFrames(warmup);
        for (let i = 0; i < frames; i++) {
          const read = timer.framesRead;
          const start = performance.now();
          viewer.renderFrame();
          await gpu.device.queue.onSubmittedWorkDone();
          wallMs.push(performance.now() - start);
          if (timer.enabled && (await waitFor(() => timer.framesRead > read, 2000))) gpuMs.push(Object.fromEntries(timer.msByPass));
          else gpuMs.push({});
        }
      } finally {
        viewer.timer = normalTimer;
        timer.destroy();
      }
      const target = await viewer.readFrame();
      return {
        method: current.definition.id,
        asset: current.name,
        width: target.width,
        height: target.height,
        wallMs,
        gpuMs,
        timestamps: timer.enabled,
        memoryBytes: memory.totalBytes,
        memoryByOwner: memory.byOwner,
        stats: hooks.stats(),
        paperRate: current.request.paperRate ?? current.definition.paperRate,
      };
    },
    loseDevice() {
      viewer.gpu?.device.destroy();
    },
  };
  return hooks;
}
