/**
 * Every struct and buffer word shared by the GaussianImage TypeScript and WGSL, defined once here.
 * The WGSL side (structs and constants) is generated from these tables and registered as the
 * include "gaussian_image_layout", so TS offsets and WGSL fields cannot drift apart.
 *
 * Only 4-byte scalars, vec2 and vec4 are used, so WGSL's alignment rules reduce to "align each
 * field to its own size, round the struct up to its largest alignment".
 */
import { registerWgslInclude } from '../../gpu/wgsl';
import { CHOLESKY_BOUND, PARAMS_PER_GAUSSIAN, ParamGroup } from './cloud2d';
import { TILE_SIZE, TOP_K, TOP_K_EPSILON, WEIGHT_CUT } from './reference';

type FieldType = 'f32' | 'u32' | 'vec2f' | 'vec2u' | 'vec4f';
const FIELD_WORDS: Record<FieldType, number> = { f32: 1, u32: 1, vec2f: 2, vec2u: 2, vec4f: 4 };

export interface StructField {
  name: string;
  type: FieldType;
  /** What the slot holds; copied into the generated WGSL as a comment. */
  doc: string;
}

export class StructLayout {
  /** Offset of each field in 4-byte words. */
  readonly wordOffset: Readonly<Record<string, number>>;
  readonly byteSize: number;

  constructor(
    readonly name: string,
    readonly fields: readonly StructField[],
  ) {
    const offsets: Record<string, number> = {};
    let word = 0;
    let maxAlign = 1;
    for (const field of fields) {
      const size = FIELD_WORDS[field.type];
      maxAlign = Math.max(maxAlign, size);
      word = Math.ceil(word / size) * size;
      offsets[field.name] = word;
      word += size;
    }
    this.wordOffset = offsets;
    this.byteSize = Math.ceil(word / maxAlign) * maxAlign * 4;
  }

  offset(field: string): number {
    const word = this.wordOffset[field];
    if (word === undefined) throw new Error(`${this.name} has no field '${field}'`);
    return word;
  }

  wgsl(): string {
    return `struct ${this.name} {\n${this.fields.map((f) => `  ${f.name}: ${f.type}, // ${f.doc}`).join('\n')}\n}`;
  }
}

/** Per-image uniforms of every stage (written when the image, count or options change). */
export const FrameUniformsLayout = new StructLayout('FrameUniforms', [
  { name: 'image_size', type: 'vec2u', doc: 'W, H in pixels' },
  { name: 'tile_grid', type: 'vec2u', doc: 'ceil(W / 16), ceil(H / 16)' },
  { name: 'gaussian_count', type: 'u32', doc: 'Gaussians drawn (project and gradient threads)' },
  { name: 'intersection_capacity', type: 'u32', doc: 'entries the intersection lists hold; emit drops slots past it' },
  { name: 'tile_entry_cap', type: 'u32', doc: 'tile-list entries summed per tile: 256 reproduces the reference kernel, 0xffffffff sums all' },
  { name: 'pixel_grad_scale', type: 'f32', doc: '2 / (3·W·H): d(mean squared error) / d(pixel value) per unit error' },
]);

/**
 * One projected Gaussian (32 bytes), written by project, read by the rasterizers and the backward
 * pass. σ(pixel) = ½(A·dx² + C·dy²) + B·dx·dy with d = centre − pixel.
 */
export const ProjectedGaussianLayout = new StructLayout('ProjectedGaussian', [
  { name: 'center_conic_ab', type: 'vec4f', doc: 'centre x, y in pixels; conic A, B' },
  { name: 'conic_c_color', type: 'vec4f', doc: 'conic C; colour r, g, b (opacity folded in)' },
]);

/** Adam hyper-parameters of one step (written before every step). */
export const AdamUniformsLayout = new StructLayout('AdamUniforms', [
  { name: 'learning_rate', type: 'vec4f', doc: 'raw x, raw y (the position rate in pixels over ½W and ½H), Cholesky, colour' },
  { name: 'bias_correction', type: 'vec2f', doc: '1 / (1 − β1^t), 1 / (1 − β2^t) for step t (from 1)' },
  { name: 'beta1', type: 'f32', doc: 'first-moment decay' },
  { name: 'beta2', type: 'f32', doc: 'second-moment decay' },
  { name: 'epsilon', type: 'f32', doc: 'added to √v̂' },
  { name: 'param_count', type: 'u32', doc: 'floats updated: 8 × Gaussians' },
]);

/** Words of the binning counters buffer (written by emit_intersections, read by sort and tile ranges). */
export const Counter = {
  /** Tile intersections the Gaussians asked for. */
  intersections: 0,
  /** Entries emitted and sorted: min(intersections, capacity). */
  sortedIntersections: 1,
  /** 1 when the intersections did not fit the capacity (the tail was dropped). */
  overflow: 2,
} as const;
export const COUNTER_WORDS = 4;

/** Packed tile rectangle per Gaussian: (min.x | min.y << 16, max.x | max.y << 16), [min, max). */
export const TILE_RECT_BYTES = 8;
/** Reach box per Gaussian: vec4f (min x, min y, max x, max y) in pixels. */
export const REACH_BYTES = 16;
/** Per intersection slot, the 8 projected-quantity gradients (2 vec4f) of the backward pass. */
export const ISECT_GRAD_BYTES = 32;

const constants = `
const TILE_SIZE: u32 = ${TILE_SIZE}u;
const TILE_PIXELS: u32 = ${TILE_SIZE * TILE_SIZE}u;
const WEIGHT_CUT: f32 = ${WEIGHT_CUT};
const TOP_K: u32 = ${TOP_K}u;
const TOP_K_EPSILON: f32 = ${TOP_K_EPSILON};
const PARAMS_PER_GAUSSIAN: u32 = ${PARAMS_PER_GAUSSIAN}u;
// Added to the raw Cholesky parameters (l11, l21, l22) before use.
const CHOLESKY_BOUND: vec3f = vec3f(${CHOLESKY_BOUND.map((v) => v.toFixed(1)).join(', ')});
// First slot of the Cholesky and colour parameter groups (positions start at 0).
const CHOLESKY_FIRST_SLOT: u32 = ${ParamGroup.cholesky.first}u;
const COLOR_FIRST_SLOT: u32 = ${ParamGroup.color.first}u;
const COUNTER_INTERSECTIONS: u32 = ${Counter.intersections}u;
const COUNTER_SORTED_INTERSECTIONS: u32 = ${Counter.sortedIntersections}u;
const COUNTER_OVERFLOW: u32 = ${Counter.overflow}u;`;

registerWgslInclude(
  'gaussian_image_layout',
  [
    '// Generated from src/methods/gaussianImage/layout.ts: edit there.',
    FrameUniformsLayout.wgsl(),
    ProjectedGaussianLayout.wgsl(),
    AdamUniformsLayout.wgsl(),
    constants,
  ].join('\n'),
);
