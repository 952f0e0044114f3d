/**
 * Fills a SplatCloud one splat at a time while a file streams in, with the checks every loader
 * needs: a splat with any non-finite value (NaN/Inf in the file, or a scale whose exp overflows f32)
 * is dropped, a zero quaternion becomes the identity, and both are reported as warnings. Arrays are
 * allocated for the header's count only when the file size vouches for it; otherwise they grow as
 * splats actually arrive, so a hostile count cannot make us allocate.
 */
import { normalizeQuaternion } from './projection';
import { allocateSplatCloud, shCoefficientCount, type ShDegree, type SplatCloud } from './splatCloud';

/** Splats allocated up front when the count is not backed by a known file size. */
const UNVERIFIED_INITIAL_CAPACITY = 1 << 16;

export class SplatCloudBuilder {
  /** The splat being built, in activated form; loaders write these fields, then call `commit()`. */
  readonly position = new Float64Array(3);
  /** Linear standard deviations. */
  readonly scale = new Float64Array(3);
  /** (w, x, y, z), any length; normalised on commit. */
  readonly rotation = new Float64Array(4);
  opacity = 0;
  /** K RGB triples, [k · 3 + c]. */
  readonly sh: Float64Array;

  private cloud: SplatCloud;
  private count = 0;
  private dropped = 0;
  private zeroRotations = 0;

  /**
   * @param maxCount splats the file announces; more are never accepted.
   * @param verified true when the file size confirms `maxCount` (then the arrays are allocated once).
   */
  constructor(
    readonly shDegree: ShDegree,
    private readonly maxCount: number,
    verified: boolean,
  ) {
    this.sh = new Float64Array(3 * shCoefficientCount(shDegree));
    this.cloud = allocateSplatCloud(verified ? maxCount : Math.min(maxCount, UNVERIFIED_INITIAL_CAPACITY), shDegree);
  }

  /** Splats seen so far, kept or dropped. */
  get seen(): number {
    return this.count + this.dropped;
  }

  /** Validates the current splat and appends it (or counts it as dropped). */
  commit(): void {
    if (this.seen >= this.maxCount) throw new Error(`SplatCloudBuilder: more than the announced ${this.maxCount} splats`);
    if (this.count === this.cloud.count) this.grow();
    const c = this.cloud;
    const i = this.count;
    const r = this.rotation;
    let finite = Number.isFinite(r[0]!) && Number.isFinite(r[1]!) && Number.isFinite(r[2]!) && Number.isFinite(r[3]!);
    const zeroRotation = finite && !normalizeQuaternion(r);
    c.positions.set(this.position, 3 * i);
    c.scales.set(this.scale, 3 * i);
    c.rotations.set(r, 4 * i);
    c.opacities[i] = this.opacity;
    c.sh.set(this.sh, this.sh.length * i);
    // Check what was stored (f32), which also catches values that only overflow in single precision.
    finite &&= Number.isFinite(c.opacities[i]!);
    for (let k = 0; k < 3 && finite; k++) finite = Number.isFinite(c.positions[3 * i + k]!) && Number.isFinite(c.scales[3 * i + k]!);
    for (let k = this.sh.length * i, end = k + this.sh.length; k < end && finite; k++) finite = Number.isFinite(c.sh[k]!);
    if (finite) {
      this.count++;
      if (zeroRotation) this.zeroRotations++;
    } else {
      this.dropped++;
    }
  }

  /** The cloud, trimmed to the splats kept, with warnings; `name` is for messages. */
  finish(name: string): SplatCloud {
    if (this.seen === 0) throw new Error(`${name} contains no splats`);
    if (this.count === 0) throw new Error(`${name}: all ${this.dropped} splats have non-finite values (NaN or Inf); nothing to show`);
    const cloud = this.count === this.cloud.count ? this.cloud : trim(this.cloud, this.count);
    if (this.dropped > 0) {
      cloud.warnings.push(`${name}: dropped ${this.dropped} of ${this.seen} splats with non-finite values (NaN or Inf)`);
    }
    if (this.zeroRotations > 0) {
      cloud.warnings.push(`${name}: ${this.zeroRotations} splats had a zero quaternion; they use the identity rotation`);
    }
    return cloud;
  }

  private grow(): void {
    const capacity = Math.min(this.maxCount, Math.max(1, this.cloud.count * 2));
    const bigger = allocateSplatCloud(capacity, this.shDegree);
    bigger.positions.set(this.cloud.positions);
    bigger.scales.set(this.cloud.scales);
    bigger.rotations.set(this.cloud.rotations);
    bigger.opacities.set(this.cloud.opacities);
    bigger.sh.set(this.cloud.sh);
    this.cloud = bigger;
  }
}

function trim(cloud: SplatCloud, count: number): SplatCloud {
  const k = shCoefficientCount(cloud.shDegree);
  return {
    count,
    shDegree: cloud.shDegree,
    positions: cloud.positions.slice(0, 3 * count),
    scales: cloud.scales.slice(0, 3 * count),
    rotations: cloud.rotations.slice(0, 4 * count),
    opacities: cloud.opacities.slice(0, count),
    sh: cloud.sh.slice(0, 3 * k * count),
    warnings: cloud.warnings,
  };
}
