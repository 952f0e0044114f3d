/**
 * Exact conversions between SplatCloud's activated values and the f32 values an INRIA 3DGS .ply
 * stores (log-scale, logit-opacity, unnormalised quaternion), using the very activations the .ply
 * loader applies (`Math.exp`, `sigmoid`, `normalizeQuaternion`, each result rounded to f32).
 *
 * Loaders of other formats pass their scales and opacities through an f32 log / logit first
 * (`scaleFromLog`, `opacityFromLogit`, `representableScale`, `representableOpacity`) and their
 * quaternions through `canonicalQuaternion`, changes far below any format's quantisation (≤ a few
 * f32 ulps). Every value in such a cloud then has an f32 preimage, and the .ply writer finds it
 * (`logScaleFor`, `logitFor`, `storedQuaternionFor`), so load → write .ply → load gives back
 * bit-identical arrays.
 */
import { normalizeQuaternion, sigmoid } from '../methods/gaussians3d/projection';

/** Stored for a zero scale or opacity: exp / sigmoid of it rounds to exactly 0 in f32, yet it is finite. */
const LOG_OF_ZERO = -110;
/** Stored for opacity 1: sigmoid of it rounds to exactly 1 in f32. */
const LOGIT_OF_ONE = 20;
/** How many f32 steps the preimage search walks from the analytic inverse. */
const MAX_SEARCH_STEPS = 64;

/** Activated scale of an f32 log-scale, as the .ply loader computes it (before its f32 store). */
export function scaleFromLog(logScale: number): number {
  return Math.exp(Math.fround(logScale));
}

/** Activated opacity of an f32 logit, as the .ply loader computes it (before its f32 store). */
export function opacityFromLogit(logit: number): number {
  return sigmoid(Math.fround(logit));
}

/** A linear scale moved to the nearest value whose log an f32 can hold exactly. */
export function representableScale(scale: number): number {
  return scale > 0 ? scaleFromLog(Math.log(scale)) : 0;
}

/** An opacity moved to the nearest value whose logit an f32 can hold exactly. */
export function representableOpacity(opacity: number): number {
  if (opacity <= 0) return 0;
  if (opacity >= 1) return 1;
  return opacityFromLogit(Math.log(opacity / (1 - opacity)));
}

const stepBuffer = new Float32Array(1);
const stepBits = new Int32Array(stepBuffer.buffer);

/** The next f32 after `x` towards +∞ (direction 1) or −∞ (direction −1). */
function nextFloat32(x: number, direction: 1 | -1): number {
  stepBuffer[0] = x;
  if (x === 0) {
    stepBits[0] = direction > 0 ? 1 : 0x80000001 | 0;
  } else if (x > 0 === direction > 0) {
    stepBits[0]++;
  } else {
    stepBits[0]--;
  }
  return stepBuffer[0]!;
}

/**
 * An f32 `x` with fround(activate(x)) === target, searched from fround(guess) along the monotone
 * `activate`; falls back to the closest f32 found when none hits exactly.
 */
function preimage(target: number, guess: number, activate: (x: number) => number): number {
  let x = Math.fround(guess);
  let best = x;
  let bestError = Infinity;
  for (let step = 0; step <= MAX_SEARCH_STEPS; step++) {
    const value = Math.fround(activate(x));
    if (value === target) return x;
    const error = Math.abs(value - target);
    if (error < bestError) {
      bestError = error;
      best = x;
    }
    x = nextFloat32(x, value < target ? 1 : -1);
  }
  return best;
}

/** The f32 log-scale the .ply writer stores for activated scale `scale` (an f32). */
export function logScaleFor(scale: number): number {
  if (scale <= 0) return LOG_OF_ZERO;
  if (scale === Infinity) return Infinity;
  return preimage(scale, Math.log(scale), Math.exp);
}

/** The f32 logit the .ply writer stores for opacity `opacity` (an f32 in [0, 1]). */
export function logitFor(opacity: number): number {
  if (opacity <= 0) return LOG_OF_ZERO;
  if (opacity >= 1) return LOGIT_OF_ONE;
  return preimage(opacity, Math.log(opacity / (1 - opacity)), sigmoid);
}

const normalized = new Float64Array(4);

/** True when the .ply loader's normalisation of `stored` gives back `target` in f32. */
function normalizesTo(stored: ArrayLike<number>, target: ArrayLike<number>): boolean {
  for (let c = 0; c < 4; c++) normalized[c] = stored[c]!;
  normalizeQuaternion(normalized);
  for (let c = 0; c < 4; c++) if (Math.fround(normalized[c]!) !== target[c]) return false;
  return true;
}

/** `target` and its one-ulp neighbours (per component, 81 in all) into `candidate`, until `accept` says yes. */
function searchNeighbours(target: ArrayLike<number>, candidate: Float32Array, accept: () => boolean): boolean {
  for (let combo = 0; combo < 81; combo++) {
    for (let c = 0, code = combo; c < 4; c++, code = Math.floor(code / 3)) {
      const shift = code % 3;
      candidate[c] = shift === 0 ? target[c]! : nextFloat32(target[c]!, shift === 1 ? 1 : -1);
    }
    if (accept()) return true;
  }
  return false;
}

const canonical = new Float32Array(4);

/**
 * Normalises `q` (w, x, y, z) in place to a unit quaternion that the .ply loader's normalisation
 * leaves unchanged in f32: the f32 normalisation itself when it is such a fixed point (almost
 * always), else its first one-ulp neighbour that is. A zero quaternion is left for the caller's
 * identity fallback.
 */
export function canonicalQuaternion(q: Float64Array): void {
  for (let c = 0; c < 4; c++) normalized[c] = q[c]!;
  if (!normalizeQuaternion(normalized)) return;
  const target = Float32Array.from(normalized);
  if (searchNeighbours(target, canonical, () => normalizesTo(canonical, canonical))) q.set(canonical);
  else q.set(target);
}

/**
 * Fills `stored` with an f32 quaternion that the .ply loader normalises back to `target` exactly:
 * `target` itself when its normalisation is already a fixed point, else the first of its one-ulp
 * neighbours (per component) that is. Returns false, leaving `target`, when none is.
 */
export function storedQuaternionFor(target: ArrayLike<number>, stored: Float32Array): boolean {
  if (searchNeighbours(target, stored, () => normalizesTo(stored, target))) return true;
  for (let c = 0; c < 4; c++) stored[c] = target[c]!;
  return false;
}
