/**
 * Parameters of the 3DGS renderer. They flow one way: this object → lil-gui → the renderer, which
 * reads them every frame (scalars into the frame uniforms; the sort back-end and the debug view
 * select objects or pipeline variants, rebuilt only when the value changes).
 */
import type GUI from 'lil-gui';
import type { GpuFeatures } from '../../gpu/context';
import type { Vec3 } from '../../camera/camera';
import type { SplatStorage } from './splatStorage';

export type SortBackendChoice = 'auto' | 'portable' | 'onesweep' | 'serial';
export type DebugView = 'image' | 'tileHeatmap';

export interface Gaussians3dParams {
  /** Multiplies every splat's scale (the reference rasterizer's scale_modifier). @default 1 */
  scaleModifier: number;
  /** Highest SH degree evaluated, clamped to the loaded scene's degree. @default 3 */
  shDegree: number;
  /** Use `background` instead of the scene's / viewer's background. @default false */
  overrideBackground: boolean;
  /** Linear RGB background when `overrideBackground` is set. @default [0, 0, 0] */
  background: Vec3;
  /** Radix sort back-end of the depth and tile sorts; onesweep only where the GPU supports it; 'auto' times them on the first frames and keeps the fastest. @default 'auto' */
  sortBackend: SortBackendChoice;
  /** 'tileHeatmap' colours each tile by its number of splats (blue few, red ≥ 4096). @default 'image' */
  debugView: DebugView;
}

export function defaultGaussians3dParams(): Gaussians3dParams {
  return {
    scaleModifier: 1,
    shDegree: 3,
    overrideBackground: false,
    background: [0, 0, 0],
    sortBackend: 'auto',
    debugView: 'image',
  };
}

export function buildGaussians3dGui(folder: GUI, params: Gaussians3dParams, features: GpuFeatures): void {
  folder.add(params, 'scaleModifier', 0.05, 2, 0.01).name('scale modifier');
  folder.add(params, 'shDegree', 0, 3, 1).name('SH degree');
  folder.add(params, 'overrideBackground').name('override background');
  folder.addColor(params, 'background').name('background');
  // Onesweep needs subgroups; without them only the portable sort exists.
  const backends: SortBackendChoice[] = features.subgroups ? ['auto', 'portable', 'onesweep', 'serial'] : ['auto', 'portable', 'serial'];
  folder.add(params, 'sortBackend', backends).name('sort back-end');
  folder.add(params, 'debugView', { image: 'image', 'tile heatmap': 'tileHeatmap' }).name('view');
}

/**
 * Params that exist only for a scene uploaded from a SplatCloud (method `gaussians3d`; dynamic
 * methods that reuse the renderer have none of them).
 */
export interface SplatSceneParams {
  /**
   * Splats drawn: the `splatBudget` most important ones (opacity × volume, sorted once at load);
   * 0 draws them all. @default 0
   */
  splatBudget: number;
  /**
   * Per-splat GPU storage: 'full' (f32, Σ precomputed: 48 B + 12 B per SH coefficient) or 'compact'
   * (32 B geometry with f16 scales and snorm16 rotation, f16 colour, 8-bit higher SH). Switching
   * uploads the scene again. @default 'full'
   */
  storage: SplatStorage;
}

export type Gaussians3dMethodParams = Gaussians3dParams & SplatSceneParams;

export function defaultGaussians3dMethodParams(): Gaussians3dMethodParams {
  return { ...defaultGaussians3dParams(), splatBudget: 0, storage: 'full' };
}

/** The renderer's controls plus the scene's own (budget, storage). */
export function buildGaussians3dMethodGui(folder: GUI, params: Gaussians3dMethodParams, features: GpuFeatures): void {
  buildGaussians3dGui(folder, params, features);
  folder.add(params, 'splatBudget', 0, undefined, 1).name('splat budget (0: all)');
  folder.add(params, 'storage', { 'full (f32)': 'full', 'compact (f16, 8-bit SH)': 'compact' }).name('GPU storage');
}
