/**
 * Every struct and buffer word the 4D projection kernels share with TypeScript, defined once here
 * (with the 3DGS StructLayout, so the alignment rules are the same) and registered as the WGSL
 * include "gaussians4d_layout". The 3DGS structs the kernels also use (FrameUniforms,
 * ProjectedSplat, counters) come from gaussians3d/layout.ts.
 */
import { registerWgslInclude } from '../../gpu/wgsl';
import { StructLayout } from '../gaussians3d/layout';
import { MARGINAL_CULL } from './slice';
import { SPLATV_OPACITY_CULL, SPLATV_RECORD_WORDS, SplatvWord } from './splatv';

/**
 * Per-frame values of the 4D projection (its own small uniform buffer, next to the 3DGS
 * FrameUniforms, whose scale_modifier_sq scales Σ(t) and the marginal's variance alike).
 */
export const SliceUniformsLayout = new StructLayout('SliceUniforms', [
  { name: 'time', type: 'f32', doc: 'scene time t the splats are sliced at' },
  { name: 'sh_period', type: 'f32', doc: 'T = time_duration[1] − time_duration[0], period of the temporal SH' },
  { name: 'sh_degree_t', type: 'u32', doc: 'temporal SH orders evaluated: 0, 1, 2 (0 unless the spatial degree evaluated is 3)' },
]);

/**
 * One 4D Gaussian as uploaded by GpuScene4d (64 bytes): the time-independent part of its slice,
 * computed once on the CPU in float64 (slice.ts conditionalSlice, scale modifier 1).
 */
export const Splat4dGeometryLayout = new StructLayout('Splat4dGeometry', [
  { name: 'mean_opacity', type: 'vec4f', doc: 'μ_xyz (xyz), opacity in [0, 1] (w)' },
  { name: 'velocity_time', type: 'vec4f', doc: 'Σ_xt / Σ_tt: the mean moves by velocity·(t − μ_t) (xyz); μ_t (w)' },
  { name: 'cov_a', type: 'vec4f', doc: 'Σ(t) = Σ_xyz − Σ_xt Σ_xtᵀ / Σ_tt: Σ00, Σ01, Σ02, Σ11' },
  { name: 'cov_b', type: 'vec4f', doc: 'Σ12, Σ22, Σ_tt (the temporal marginal\'s variance), 0' },
]);

function constants(): string {
  const words = Object.entries(SplatvWord).map(([k, v]) => `const SPLATV_WORD_${k.toUpperCase()}: u32 = ${v}u;`);
  return [
    `const MARGINAL_CULL: f32 = ${MARGINAL_CULL};`,
    `const SPLATV_OPACITY_CULL: f32 = ${SPLATV_OPACITY_CULL};`,
    `const SPLATV_RECORD_WORDS: u32 = ${SPLATV_RECORD_WORDS}u;`,
    ...words,
  ].join('\n');
}

export const LAYOUT_4D_WGSL = [
  '// Generated from src/methods/gaussians4d/layout.ts: edit the tables there, not this text.',
  SliceUniformsLayout.wgsl(),
  Splat4dGeometryLayout.wgsl(),
  constants(),
].join('\n\n');

registerWgslInclude('gaussians4d_layout', LAYOUT_4D_WGSL);
