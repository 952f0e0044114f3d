/**
 * Live parameters of the gaussianImage method: the viewer's GUI writes them, the instance reads
 * them every frame (view and decoding) or when a fit starts (fitting).
 */
import type { RenderMode } from './passes/rasterizePass';
import type { PresentView } from './passes/presentPass';

export interface GaussianImageParams {
  /** What the canvas shows; the original is known only when an image was opened to fit. @default 'decoded' */
  view: PresentView;
  /** Split view: the share of the width showing the original. @default 0.5 */
  split: number;
  /** Difference view: |decoded − original| is multiplied by this. @default 4 */
  differenceGain: number;
  /** Accumulated summation (GaussianImage) or top-K normalised rendering (Image-GS). @default 'sum' */
  renderMode: RenderMode;
  /** Sum only the first 256 entries of each tile, as the reference kernel does. @default false */
  referenceTileCap: boolean;
  /** Fitting: Gaussians of the result. @default 2000 */
  gaussians: number;
  /** Fitting: steps. @default 1000 */
  iterations: number;
  /** Fitting: Image-GS error-guided progressive addition. @default false */
  progressive: boolean;
  /** Fitting: quantisation-aware fine-tuning steps when saving a .gimg. @default 150 */
  fineTuneSteps: number;
}

export function defaultGaussianImageParams(): GaussianImageParams {
  return {
    view: 'decoded',
    split: 0.5,
    differenceGain: 4,
    renderMode: 'sum',
    referenceTileCap: false,
    gaussians: 2000,
    iterations: 1000,
    progressive: false,
    fineTuneSteps: 150,
  };
}
