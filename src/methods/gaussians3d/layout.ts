/**
 * Every struct and buffer word shared by the 3DGS TypeScript and WGSL, defined once here. The WGSL
 * side is generated from these tables (structs and index constants) and registered as the include
 * "gaussians3d_layout", so TS offsets and WGSL fields cannot drift apart. The shared WGSL chunks
 * ("gaussians3d_sh", "gaussians3d_tile_cull", "gaussians3d_project_splat") are registered here too.
 *
 * Only 4- and 8-byte scalars/vectors and vec4s are used, so WGSL's alignment rules reduce to
 * "align each field to its own size, round the struct up to its largest alignment".
 */
import { registerWgslInclude } from '../../gpu/wgsl';
import shSource from '../../../shaders/gaussians3d/sh.wgsl?raw';
import tileCullSource from '../../../shaders/gaussians3d/tile_cull.wgsl?raw';
import projectSplatSource from '../../../shaders/gaussians3d/project_splat.wgsl?raw';

type FieldType = 'f32' | 'u32' | 'vec2f' | 'vec2u' | 'vec4f' | 'vec4u';

const FIELD_WORDS: Record<FieldType, number> = { f32: 1, u32: 1, vec2f: 2, vec2u: 2, vec4f: 4, vec4u: 4 };

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
      const align = size; // f32/u32 → 1 word, vec2 → 2, vec4 → 4
      maxAlign = Math.max(maxAlign, align);
      word = Math.ceil(word / align) * align;
      offsets[field.name] = word;
      word += size;
    }
    this.wordOffset = offsets;
    this.byteSize = Math.ceil(word / maxAlign) * maxAlign * 4;
  }

  wgsl(): string {
    const lines = this.fields.map((f) => `  ${f.name}: ${f.type}, // ${f.doc}`);
    return `struct ${this.name} {\n${lines.join('\n')}\n}`;
  }
}

/**
 * Per-frame uniforms of every 3DGS stage (one uniform buffer, written once per frame).
 * The camera is the COLMAP/OpenCV pinhole of src/camera/camera.ts: p_cam = R·p + t, x right, y down.
 */
export const FrameUniformsLayout = new StructLayout('FrameUniforms', [
  { name: 'view_row0', type: 'vec4f', doc: 'world-to-camera rotation row 0 (xyz) and translation x (w)' },
  { name: 'view_row1', type: 'vec4f', doc: 'row 1 and translation y' },
  { name: 'view_row2', type: 'vec4f', doc: 'row 2 and translation z (camera depth = dot(row2.xyz, p) + row2.w)' },
  { name: 'camera_center', type: 'vec4f', doc: 'world-space camera centre (xyz) for SH view directions; w = 1' },
  { name: 'background', type: 'vec4f', doc: 'linear RGB composited behind the splats (rgb); a = 1' },
  { name: 'focal', type: 'vec2f', doc: 'fx, fy in pixels' },
  { name: 'pixel_offset', type: 'vec2f', doc: 'cx − 0.5, cy − 0.5: pixel (i, j) is sampled at integer (i, j)' },
  { name: 'tan_half_fov', type: 'vec2f', doc: 'W / (2 fx), H / (2 fy); the EWA Jacobian clamps x/z, y/z at 1.3× these' },
  { name: 'image_size', type: 'vec2u', doc: 'W, H in pixels' },
  { name: 'tile_grid', type: 'vec2u', doc: 'ceil(W / 16), ceil(H / 16)' },
  { name: 'splat_count', type: 'u32', doc: 'per-visible-splat slots (the scene, unless one binding holds fewer); index of the null splat' },
  { name: 'sh_stride', type: 'u32', doc: 'SH coefficients stored per splat and channel: (loaded degree + 1)²' },
  { name: 'sh_degree', type: 'u32', doc: 'SH degree evaluated (≤ loaded degree)' },
  { name: 'scale_modifier_sq', type: 'f32', doc: 'scale modifier squared: Σ3D scales with its square' },
  { name: 'intersection_capacity', type: 'u32', doc: 'entries in tileIdFromIsect / splatIdFromIsect' },
]);

/**
 * One splat as uploaded by GpuScene with 'full' storage (48 bytes). The 3D covariance is computed
 * once on the CPU in float64 from scale and rotation (Σ = R S Sᵀ Rᵀ with modifier 1); the scale
 * modifier multiplies it by its square at projection time. Means are stored relative to the scene
 * origin (GpuScene.origin), so they keep f32 precision however far the scene is from (0, 0, 0).
 */
export const SplatGeometryLayout = new StructLayout('SplatGeometry', [
  { name: 'position_opacity', type: 'vec4f', doc: 'mean − scene origin (xyz), opacity in [0, 1] (w)' },
  { name: 'cov_a', type: 'vec4f', doc: 'Σ00, Σ01, Σ02, Σ11' },
  { name: 'cov_b', type: 'vec4f', doc: 'Σ12, Σ22, 0, 0' },
]);

/**
 * One splat with 'compact' storage (32 bytes): mean and opacity stay f32, the rotation is four
 * snorm16 and the scales f16, and the projection rebuilds Σ = R S Sᵀ Rᵀ from them. Storing rotation
 * and scales rather than a rounded Σ keeps Σ positive definite and thin splats thin: f16 entries of
 * Σ itself would blur the smallest axis of a flat splat by up to 1e-3 of its largest.
 */
export const CompactSplatGeometryLayout = new StructLayout('CompactSplatGeometry', [
  { name: 'position_opacity', type: 'vec4f', doc: 'mean − scene origin (xyz), opacity in [0, 1] (w)' },
  { name: 'rotation', type: 'vec2u', doc: 'pack2x16snorm(w, x), pack2x16snorm(y, z) of the unit quaternion' },
  { name: 'scale', type: 'vec2u', doc: 'pack2x16float(s0, s1), pack2x16float(s2, 0): linear standard deviations' },
]);

/**
 * Per-chunk uniforms of the project stage: GpuScene splits the splats into chunks of at most one
 * storage binding each, and `project` runs once per chunk. Each chunk's record sits alone in a
 * 256-byte slot (uniform binding offsets must be aligned).
 */
export const SplatChunkLayout = new StructLayout('SplatChunk', [
  { name: 'first', type: 'u32', doc: 'upload index of the chunk\'s first splat (splats are uploaded in importance order)' },
  { name: 'count', type: 'u32', doc: 'splats of the chunk projected this frame (fewer than it holds when the splat budget ends inside it)' },
]);

/**
 * One visible splat after projection, indexed by compact id (32 bytes). Rasterize stages batches of
 * 256 through workgroup memory (8 KiB), rewritten for its inner loop (StagedSplat in rasterize.wgsl).
 */
export const ProjectedSplatLayout = new StructLayout('ProjectedSplat', [
  { name: 'xy', type: 'vec2f', doc: 'mean in pixel coordinates' },
  { name: 'conic_xy', type: 'vec2f', doc: 'inverse 2D covariance: (Σ⁻¹)00, (Σ⁻¹)01' },
  { name: 'conic_z', type: 'f32', doc: '(Σ⁻¹)11' },
  { name: 'opacity', type: 'f32', doc: 'opacity in [0, 1]' },
  { name: 'color_rg', type: 'u32', doc: 'pack2x16float(r, g) of the SH colour (≥ 0, not clamped above)' },
  { name: 'color_b', type: 'u32', doc: 'pack2x16float(b, 0)' },
]);

/** Bytes of one tile rectangle per compact id: vec2u(min.x | min.y << 16, max.x | max.y << 16), max exclusive. */
export const TILE_RECT_BYTES = 8;

/** Words of the per-frame counter buffer (cleared at the start of every frame). */
export const FrameCounter = {
  /** Splats that survived projection (atomic in project). */
  visible: 0,
  /** Tile intersections of the visible splats (the scan total), also when it exceeds the capacity. */
  intersections: 1,
  /** 1 when `intersections` > intersection_capacity: nothing is emitted and rasterize leaves the target. */
  overflow: 2,
  /** Entries the tile sort and tile ranges work on: `intersections`, or 0 on overflow. */
  sortedIntersections: 3,
} as const;
export const FRAME_COUNTER_WORDS = 4;

/** Words of the indirect dispatch buffer (vec3 groups of workgroup counts). */
export const DispatchSlot = {
  /** One thread per visible splat (tile counts, emit intersections). */
  perVisible: 0,
} as const;
export const DISPATCH_WORDS = 3;

export const TILE_SIZE = 16;

function counterConstants(): string {
  const lines = Object.entries(FrameCounter).map(([k, v]) => `const COUNTER_${k.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase()}: u32 = ${v}u;`);
  lines.push(...Object.entries(DispatchSlot).map(([k, v]) => `const DISPATCH_${k.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase()}: u32 = ${v}u;`));
  lines.push(`const TILE_SIZE: u32 = ${TILE_SIZE}u;`);
  return lines.join('\n');
}

/** The WGSL text of every shared struct and constant. */
export const LAYOUT_WGSL = [
  '// Generated from src/methods/gaussians3d/layout.ts: edit the tables there, not this text.',
  FrameUniformsLayout.wgsl(),
  SplatGeometryLayout.wgsl(),
  CompactSplatGeometryLayout.wgsl(),
  SplatChunkLayout.wgsl(),
  ProjectedSplatLayout.wgsl(),
  counterConstants(),
].join('\n\n');

registerWgslInclude('gaussians3d_layout', LAYOUT_WGSL);
// The other WGSL the 3DGS kernels share.
registerWgslInclude('gaussians3d_sh', shSource);
registerWgslInclude('gaussians3d_tile_cull', tileCullSource);
registerWgslInclude('gaussians3d_project_splat', projectSplatSource);
