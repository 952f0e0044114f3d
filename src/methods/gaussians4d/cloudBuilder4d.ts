/**
 * Fills a Gaussian4dCloud one splat at a time while a file streams in, with the checks the 3DGS
 * builder makes (gaussians3d/cloudBuilder.ts) plus the 4D ones:
 * - a splat with any non-finite value (NaN/Inf in the file, or a scale whose exp overflows f32) is dropped;
 * - rotations are normalised (each quaternion of a pair; `rotornorm` for a rotor); a zero one
 *   becomes the identity, with a warning;
 * - a splat whose temporal variance Σ_tt is not a normal positive f32 (its scales underflowed) can
 *   never be seen and would divide by zero when sliced: it is dropped, with a warning.
 * Arrays are allocated for the header's count only when the file size vouches for it.
 */
import type { ShDegree } from '../gaussians3d/splatCloud';
import { allocateGaussian4dCloud, type Gaussian4dCloud, type Rotation4dKind } from './cloud4d';
import { normalizeQuaternion4, normalizeRotor } from './rotation4d';
import { sh4dCoefficientCount, type TemporalShDegree } from './sh4d';
import { conditionalSlice, covariance4D, splatRotation } from './slice';

const UNVERIFIED_INITIAL_CAPACITY = 1 << 16;
/** Smallest normal f32: a Σ_tt below it cannot be stored and sliced safely. */
const MIN_NORMAL_F32 = 2 ** -126;

export class Gaussian4dCloudBuilder {
  /** x, y, z, t. */
  readonly position = new Float64Array(4);
  /** Linear σx, σy, σz, σt. */
  readonly scale = new Float64Array(4);
  /** q_l, q_r (w, x, y, z each) or the 8 rotor components, any length; normalised on commit. */
  readonly rotation = new Float64Array(8);
  opacity = 0;
  /** M RGB triples, [m · 3 + c]. */
  readonly sh: Float64Array;

  private cloud: Gaussian4dCloud;
  private count = 0;
  private nonFinite = 0;
  private noTemporalExtent = 0;
  private zeroRotations = 0;

  constructor(
    readonly shDegree: ShDegree,
    readonly shDegreeT: TemporalShDegree,
    readonly rotationKind: Rotation4dKind,
    private readonly timeDuration: [number, number],
    private readonly maxCount: number,
    verified: boolean,
  ) {
    this.sh = new Float64Array(3 * sh4dCoefficientCount(shDegree, shDegreeT));
    this.cloud = this.allocate(verified ? maxCount : Math.min(maxCount, UNVERIFIED_INITIAL_CAPACITY));
  }

  get seen(): number {
    return this.count + this.nonFinite + this.noTemporalExtent;
  }

  /** Validates the current splat and appends it (or counts why it was dropped). */
  commit(): void {
    if (this.seen >= this.maxCount) throw new Error(`Gaussian4dCloudBuilder: more than the announced ${this.maxCount} splats`);
    if (this.count === this.cloud.count) this.grow();
    const c = this.cloud;
    const i = this.count;
    const r = this.rotation;
    let finite = r.every(Number.isFinite);
    let zeroRotation = false;
    if (finite) {
      if (this.rotationKind === 'rotor') zeroRotation = !normalizeRotor(r);
      else {
        const left = normalizeQuaternion4(r, 0);
        const right = normalizeQuaternion4(r, 4);
        zeroRotation = !left || !right;
      }
    }
    c.positions.set(this.position, 4 * i);
    c.scales.set(this.scale, 4 * i);
    c.rotations.set(r, 8 * i);
    c.opacities[i] = this.opacity;
    c.sh.set(this.sh, this.sh.length * i);
    // Check what was stored (f32), which also catches values that only overflow in single precision.
    finite &&= Number.isFinite(c.opacities[i]!);
    for (let k = 0; k < 4 && finite; k++) finite = Number.isFinite(c.positions[4 * i + k]!) && Number.isFinite(c.scales[4 * i + k]!);
    for (let k = this.sh.length * i, end = k + this.sh.length; k < end && finite; k++) finite = Number.isFinite(c.sh[k]!);
    if (!finite) {
      this.nonFinite++;
      return;
    }
    const slice = conditionalSlice(covariance4D(splatRotation(c, i), c.scales, 4 * i));
    const storable = (x: number) => Number.isFinite(Math.fround(x));
    if (!(slice.varianceT >= MIN_NORMAL_F32) || !slice.velocity.every(storable)) {
      this.noTemporalExtent++;
      return;
    }
    this.count++;
    if (zeroRotation) this.zeroRotations++;
  }

  /** The cloud, trimmed to the splats kept, with warnings; `name` is for messages. */
  finish(name: string): Gaussian4dCloud {
    if (this.seen === 0) throw new Error(`${name} contains no splats`);
    const dropped = this.nonFinite + this.noTemporalExtent;
    if (this.count === 0) throw new Error(`${name}: all ${dropped} splats have non-finite values or no temporal extent; nothing to show`);
    const cloud = this.count === this.cloud.count ? this.cloud : this.copy(this.cloud, this.count);
    if (this.nonFinite > 0) cloud.warnings.push(`${name}: dropped ${this.nonFinite} of ${this.seen} splats with non-finite values (NaN or Inf)`);
    if (this.noTemporalExtent > 0) {
      cloud.warnings.push(`${name}: dropped ${this.noTemporalExtent} of ${this.seen} splats whose temporal variance underflows (they can never be seen)`);
    }
    if (this.zeroRotations > 0) cloud.warnings.push(`${name}: ${this.zeroRotations} splats had a zero rotation; they use the identity`);
    return cloud;
  }

  private allocate(count: number): Gaussian4dCloud {
    return allocateGaussian4dCloud(count, this.shDegree, this.shDegreeT, this.rotationKind, this.timeDuration);
  }

  private grow(): void {
    this.cloud = this.copy(this.cloud, Math.min(this.maxCount, Math.max(1, this.cloud.count * 2)));
  }

  /** The first min(count, capacity) splats of `from` in a cloud of `capacity` splats. */
  private copy(from: Gaussian4dCloud, capacity: number): Gaussian4dCloud {
    const to = this.allocate(capacity);
    const n = Math.min(capacity, from.count);
    const shPerSplat = this.sh.length;
    to.positions.set(from.positions.subarray(0, 4 * n));
    to.scales.set(from.scales.subarray(0, 4 * n));
    to.rotations.set(from.rotations.subarray(0, 8 * n));
    to.opacities.set(from.opacities.subarray(0, n));
    to.sh.set(from.sh.subarray(0, shPerSplat * n));
    to.warnings = from.warnings;
    return to;
  }
}
