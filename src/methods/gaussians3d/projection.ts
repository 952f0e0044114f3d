/**
 * The per-splat math of 3D Gaussian splatting in float64, in one place for the loaders (activations)
 * and the CPU reference renderer (preprocess). Each function mirrors a piece of the reference CUDA
 * (graphdeco-inria/diff-gaussian-rasterization @ 59f5f77, forward.cu and auxiliary.h); the constants
 * are those of ../shared/docs/gaussians.md §1.1-1.6.
 */
import { cameraCenter, type Camera, type Vec3 } from '../../camera/camera';
import { evalSH } from './sh';
import type { SplatCloud } from './splatCloud';

/** Tiles are BLOCK_X × BLOCK_Y = 16 × 16 pixels. */
export const TILE_SIZE = 16;
/** `in_frustum`: splats with view-space z at or below this are culled. */
export const NEAR_CULL_Z = 0.2;
/** computeCov2D clamps x/z and y/z to this multiple of the half field of view's tangent. */
export const FRUSTUM_CLAMP = 1.3;
/** Added to the 2D covariance diagonal: every splat is at least about one pixel wide. */
export const LOW_PASS = 0.3;
/** The eigenvalue spread is floored at this before the square root (preprocessCUDA). */
export const MIN_EIGEN_SPREAD = 0.1;

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * Unit quaternion (w, x, y, z) from raw file values. A zero (or non-finite-length) quaternion has no
 * rotation to keep; it becomes the identity and the function returns false so loaders can warn.
 */
export function normalizeQuaternion(q: Float64Array | number[]): boolean {
  const length = Math.hypot(q[0]!, q[1]!, q[2]!, q[3]!);
  if (!(length > 0) || !Number.isFinite(length)) {
    q[0] = 1;
    q[1] = q[2] = q[3] = 0;
    return false;
  }
  for (let i = 0; i < 4; i++) q[i] = q[i]! / length;
  return true;
}

/** Rotation matrix (row-major) of quaternion (w, x, y, z), as `build_rotation`; not normalised here, as in CUDA. */
export function quaternionToMatrix(q: ArrayLike<number>): number[] {
  const r = q[0]!;
  const x = q[1]!;
  const y = q[2]!;
  const z = q[3]!;
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - r * z), 2 * (x * z + r * y),
    2 * (x * y + r * z), 1 - 2 * (x * x + z * z), 2 * (y * z - r * x),
    2 * (x * z - r * y), 2 * (y * z + r * x), 1 - 2 * (x * x + y * y),
  ];
}

/**
 * World-space covariance Σ = R S Sᵀ Rᵀ with S = diag(scale · modifier), as the upper triangle
 * [Σ00, Σ01, Σ02, Σ11, Σ12, Σ22] (computeCov3D). `scale` is linear, `rotation` is (w, x, y, z).
 */
export function computeCov3D(scale: ArrayLike<number>, rotation: ArrayLike<number>, modifier = 1): number[] {
  const R = quaternionToMatrix(rotation);
  // M = R S: column j of R scaled by s_j; Σ = M Mᵀ.
  const s0 = modifier * scale[0]!;
  const s1 = modifier * scale[1]!;
  const s2 = modifier * scale[2]!;
  const M = [R[0]! * s0, R[1]! * s1, R[2]! * s2, R[3]! * s0, R[4]! * s1, R[5]! * s2, R[6]! * s0, R[7]! * s1, R[8]! * s2];
  const dot = (i: number, j: number) => M[3 * i]! * M[3 * j]! + M[3 * i + 1]! * M[3 * j + 1]! + M[3 * i + 2]! * M[3 * j + 2]!;
  return [dot(0, 0), dot(0, 1), dot(0, 2), dot(1, 1), dot(1, 2), dot(2, 2)];
}

/** View-space position of a world-space point: R · p + t. */
export function toCameraSpace(camera: Camera, p: ArrayLike<number>): Vec3 {
  const m = camera.rotation;
  const t = camera.translation;
  return [
    m[0] * p[0]! + m[1] * p[1]! + m[2] * p[2]! + t[0],
    m[3] * p[0]! + m[4] * p[1]! + m[5] * p[2]! + t[1],
    m[6] * p[0]! + m[7] * p[1]! + m[8] * p[2]! + t[2],
  ];
}

/**
 * EWA screen-space covariance [a, b, c] = [Σ'00, Σ'01, Σ'11] of a splat at view-space `meanCam`
 * (computeCov2D): x/z and y/z are clamped to ±1.3 · tan(fov/2) with tan(fov_x/2) = W / (2 fx), so
 * splats far off-screen keep a sane Jacobian; Σ' = J W Σ Wᵀ Jᵀ; then +0.3 on the diagonal.
 */
export function computeCov2D(meanCam: ArrayLike<number>, cov3D: ArrayLike<number>, camera: Camera): [number, number, number] {
  const { fx, fy } = camera;
  const limX = (FRUSTUM_CLAMP * camera.width) / (2 * fx);
  const limY = (FRUSTUM_CLAMP * camera.height) / (2 * fy);
  const tz = meanCam[2]!;
  const tx = Math.min(limX, Math.max(-limX, meanCam[0]! / tz)) * tz;
  const ty = Math.min(limY, Math.max(-limY, meanCam[1]! / tz)) * tz;
  // J (2×3; its third row is zero in the CUDA code, so it does not matter).
  const j00 = fx / tz;
  const j02 = (-fx * tx) / (tz * tz);
  const j11 = fy / tz;
  const j12 = (-fy * ty) / (tz * tz);
  // T = J W (2×3), W = view rotation (row-major).
  const W = camera.rotation;
  const T0 = [j00 * W[0] + j02 * W[6], j00 * W[1] + j02 * W[7], j00 * W[2] + j02 * W[8]];
  const T1 = [j11 * W[3] + j12 * W[6], j11 * W[4] + j12 * W[7], j11 * W[5] + j12 * W[8]];
  const [s00, s01, s02, s11, s12, s22] = [cov3D[0]!, cov3D[1]!, cov3D[2]!, cov3D[3]!, cov3D[4]!, cov3D[5]!];
  // Σ · v for symmetric Σ stored as its upper triangle.
  const sigma = (v: number[]): number[] => [
    s00 * v[0]! + s01 * v[1]! + s02 * v[2]!,
    s01 * v[0]! + s11 * v[1]! + s12 * v[2]!,
    s02 * v[0]! + s12 * v[1]! + s22 * v[2]!,
  ];
  const dot = (u: number[], v: number[]) => u[0]! * v[0]! + u[1]! * v[1]! + u[2]! * v[2]!;
  const sT0 = sigma(T0);
  const sT1 = sigma(T1);
  return [dot(T0, sT0) + LOW_PASS, dot(T0, sT1), dot(T1, sT1) + LOW_PASS];
}

/**
 * Inverse 2D covariance and the 3-sigma radius in pixels (preprocessCUDA), or null when det == 0.
 * radius = ceil(3 · sqrt(λmax)) with λ = mid ± sqrt(max(0.1, mid² − det)).
 */
export function conicAndRadius(cov2D: readonly [number, number, number]): { conic: [number, number, number]; radius: number } | null {
  const [a, b, c] = cov2D;
  const det = a * c - b * b;
  if (det === 0) return null;
  const mid = 0.5 * (a + c);
  const spread = Math.sqrt(Math.max(MIN_EIGEN_SPREAD, mid * mid - det));
  const lambda = Math.max(mid + spread, mid - spread);
  return { conic: [c / det, -b / det, a / det], radius: Math.ceil(3 * Math.sqrt(lambda)) };
}

/** Tile rectangle [min, max) in tile units, clamped to the grid (getRect). */
export interface TileRect {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export function tileGrid(camera: Camera): { x: number; y: number } {
  return { x: Math.ceil(camera.width / TILE_SIZE), y: Math.ceil(camera.height / TILE_SIZE) };
}

/** getRect: the tiles a square of half-size `radius` around (px, py) touches; `(int)` truncates toward zero. */
export function getRect(px: number, py: number, radius: number, grid: { x: number; y: number }): TileRect {
  const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, Math.trunc(v)));
  return {
    minX: clamp((px - radius) / TILE_SIZE, grid.x),
    minY: clamp((py - radius) / TILE_SIZE, grid.y),
    maxX: clamp((px + radius + TILE_SIZE - 1) / TILE_SIZE, grid.x),
    maxY: clamp((py + radius + TILE_SIZE - 1) / TILE_SIZE, grid.y),
  };
}

/** Everything the rasterizer needs of one splat after preprocessing. */
export interface ProjectedSplat {
  /** False when culled; the fields below are then zero except `cull`. */
  visible: boolean;
  cull: 'near' | 'degenerate' | 'offscreen' | null;
  /** Screen position in pixels (pixel (i, j) is sampled at (i, j)). */
  px: number;
  py: number;
  /** View-space z, the sort key. */
  depth: number;
  /** Inverse 2D covariance (a, b, c): power = −½(a dx² + c dy²) − b dx dy. */
  conic: [number, number, number];
  opacity: number;
  /** 3-sigma radius in pixels (an integer). */
  radius: number;
  rect: TileRect;
  /** SH colour with +0.5, clamped ≥ 0. */
  rgb: [number, number, number];
}

function culled(reason: 'near' | 'degenerate' | 'offscreen', depth = 0): ProjectedSplat {
  return {
    visible: false,
    cull: reason,
    px: 0,
    py: 0,
    depth,
    conic: [0, 0, 0],
    opacity: 0,
    radius: 0,
    rect: { minX: 0, minY: 0, maxX: 0, maxY: 0 },
    rgb: [0, 0, 0],
  };
}

/**
 * preprocessCUDA for splat `i`: near cull (z ≤ 0.2), covariances, det == 0 cull, conic and radius,
 * pixel position px = fx·x/z + cx − 0.5 (camera.ts), tile rectangle (zero area ⇒ culled), and SH colour
 * along the direction from the camera centre to the world-space mean. `center` is the camera centre,
 * passed in by callers that project many splats.
 */
export function projectSplat(cloud: SplatCloud, i: number, camera: Camera, center: Vec3 = cameraCenter(camera)): ProjectedSplat {
  const mean = cloud.positions.subarray(3 * i, 3 * i + 3);
  const t = toCameraSpace(camera, mean);
  if (t[2] <= NEAR_CULL_Z) return culled('near', t[2]);
  const cov3D = computeCov3D(cloud.scales.subarray(3 * i, 3 * i + 3), cloud.rotations.subarray(4 * i, 4 * i + 4));
  const shape = conicAndRadius(computeCov2D(t, cov3D, camera));
  if (!shape) return culled('degenerate', t[2]);
  const px = (camera.fx * t[0]) / t[2] + camera.cx - 0.5;
  const py = (camera.fy * t[1]) / t[2] + camera.cy - 0.5;
  const rect = getRect(px, py, shape.radius, tileGrid(camera));
  if ((rect.maxX - rect.minX) * (rect.maxY - rect.minY) === 0) return culled('offscreen', t[2]);
  const d = [mean[0]! - center[0], mean[1]! - center[1], mean[2]! - center[2]];
  const length = Math.hypot(d[0]!, d[1]!, d[2]!);
  const dir: Vec3 = [d[0]! / length, d[1]! / length, d[2]! / length];
  const k = (cloud.shDegree + 1) ** 2;
  return {
    visible: true,
    cull: null,
    px,
    py,
    depth: t[2],
    conic: shape.conic,
    opacity: cloud.opacities[i]!,
    radius: shape.radius,
    rect,
    rgb: evalSH(cloud.shDegree, cloud.sh, dir, 3 * k * i),
  };
}
