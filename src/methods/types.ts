/**
 * The contract between the viewer and a rendering method. The viewer owns the device, the canvas,
 * the GUI and the frame target; a method loads an asset, encodes frames into the target, names its
 * GPU passes for timing and frees every GPU object it made in `destroy()`.
 */
import type GUI from 'lil-gui';
import type { Camera, Vec3 } from '../camera/camera';
import type { GpuContext, GpuFeatures } from '../gpu/context';
import type { GpuMemory } from '../gpu/memory';
import type { GpuTimer } from '../gpu/timing';
import type { AssetBundle } from '../formats/bundle';

/** A rate reported in a method's paper, shown next to ours in the overlay. */
export interface PaperRate {
  fps: number;
  gpu: string;
  resolution: string;
  source: string;
}

export interface FrameInput {
  camera: Camera;
  /** Scene time (dynamic methods); static methods ignore it. */
  time: number;
  /** Linear RGB in [0, 1]. */
  background: Vec3;
}

/**
 * The image a method renders into: an rgba8unorm texture of the camera's size with
 * STORAGE_BINDING | TEXTURE_BINDING | COPY_SRC usage. It persists between frames, so a method that
 * cannot produce a correct frame (e.g. while growing a buffer) may leave the previous one in place.
 */
export interface FrameTarget {
  texture: GPUTexture;
  view: GPUTextureView;
  width: number;
  height: number;
}

export const FRAME_TARGET_FORMAT: GPUTextureFormat = 'rgba8unorm';

export interface MethodContext {
  gpu: GpuContext;
  memory: GpuMemory;
}

/**
 * Bytes of an asset as they arrive. `size` is known for files and most URLs.
 *
 * An asset made of several files (a dropped SOG folder: meta.json and its WebP images) comes as
 * `bundle` instead, read file by file; `stream` is then empty and `size` the bundle's total. Only
 * methods whose definition sets `opensBundles` are given one.
 */
export interface AssetSource {
  name: string;
  size?: number;
  stream: ReadableStream<Uint8Array>;
  bundle?: AssetBundle;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number) => void;
}

export interface MethodInstance<P extends object = object> {
  /** Live parameters: the GUI writes them, `encode` reads them every frame. */
  readonly params: P;
  /** Numbers for the overlay (e.g. splats, intersections); read each frame, keep it cheap. */
  readonly stats: Readonly<Record<string, number | string>>;
  /** Names of the GPU passes `encode` times, in order. */
  readonly passNames: readonly string[];
  /** Where the content is, for a default camera when the scene names none. */
  readonly bounds: { center: Vec3; radius: number };
  /** Cameras that came with the asset (e.g. .splatv), if any. */
  readonly cameras?: Camera[];
  /** Dynamic content: the span of scene time it covers; the viewer's timeline plays over it. */
  readonly timeRange?: [number, number];
  /** Content with a pixel size of its own (an image): `npm run render`/`bench` default to it. */
  readonly nativeSize?: { width: number; height: number };
  /**
   * Records one frame into `target`. Returns false when the frame could not be drawn completely
   * (e.g. a buffer had to grow); the caller should draw again.
   */
  encode(encoder: GPUCommandEncoder, target: FrameTarget, frame: FrameInput, timer?: GpuTimer): boolean;
  /** Called after the frame's submit, for non-blocking readbacks (counts, overflow flags). */
  afterSubmit?(): void;
  /** Resolves once the GPU work of the last submitted frame has been checked; true if it was complete. */
  lastFrameComplete?(): Promise<boolean>;
  /** File extensions (with the dot) `exportAsset` writes the loaded content as ("save as"); absent when it cannot. */
  readonly exportFormats?: readonly string[];
  /** The loaded content as a file of one of `exportFormats`, in chunks (join them with `new Blob(chunks)`). */
  exportAsset?(format: string): Iterable<Uint8Array>;
  destroy(): void;
}

export interface MethodDefinition<P extends object = object> {
  readonly id: string;
  readonly label: string;
  readonly paperRate?: PaperRate;
  /** File extensions this method opens (lower case, with the dot). */
  readonly extensions: readonly string[];
  /** Content sniffing on the first bytes, where the format allows it. */
  sniff?(head: Uint8Array): boolean;
  /** Opens multi-file assets (AssetSource.bundle, e.g. a dropped folder). */
  readonly opensBundles?: boolean;
  defaultParams(): P;
  /** Adds controls for `params` to `folder`; controls that need a device feature only when it exists. */
  buildGui(folder: GUI, params: P, features: GpuFeatures): void;
  load(context: MethodContext, source: AssetSource, params: P): Promise<MethodInstance<P>>;
}
