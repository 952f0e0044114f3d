/**
 * Parameters of the 4D renderer: the 3DGS renderer's own (it draws the sliced splats) plus the
 * temporal SH degree. They flow one way: this object → lil-gui → read every frame (slice uniforms
 * and the 3DGS frame uniforms). The scene time is not a parameter: it comes with every frame
 * (FrameInput.time, driven by the viewer's timeline).
 */
import type GUI from 'lil-gui';
import type { GpuFeatures } from '../../gpu/context';
import { buildGaussians3dGui, defaultGaussians3dParams, type Gaussians3dParams } from '../gaussians3d/params';

export interface Gaussians4dParams extends Gaussians3dParams {
  /**
   * Temporal SH orders evaluated, clamped to the stored degree; as in the reference they are used
   * only while the spatial SH degree evaluated is 3. @default 2
   */
  shDegreeT: number;
}

export function defaultGaussians4dParams(): Gaussians4dParams {
  return { ...defaultGaussians3dParams(), shDegreeT: 2 };
}

export function buildGaussians4dGui(folder: GUI, params: Gaussians4dParams, features: GpuFeatures): void {
  buildGaussians3dGui(folder, params, features);
  folder.add(params, 'shDegreeT', 0, 2, 1).name('temporal SH degree');
}

/** The (spatial, temporal) SH degrees a frame evaluates for a scene storing `stored` degrees. */
export function evaluatedShDegrees(params: Pick<Gaussians4dParams, 'shDegree' | 'shDegreeT'>, stored: { shDegree: number; shDegreeT: number }): [number, number] {
  const spatial = Math.max(0, Math.min(stored.shDegree, Math.floor(params.shDegree)));
  const temporal = spatial === 3 ? Math.max(0, Math.min(stored.shDegreeT, Math.floor(params.shDegreeT))) : 0;
  return [spatial, temporal];
}
