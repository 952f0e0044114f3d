/**
 * Picks the fastest of interchangeable implementations of a GPU stage (e.g. the radix sort's
 * back-ends, the rasterizer's loop structures) by timing each on the first frames, so the choice
 * follows what the device measures rather than its name. Where the right design differs between
 * GPUs and CPU emulators (workgroup memory and barriers are cheap on one, loads on the other), the
 * difference is large enough that a few samples decide.
 *
 * Per frame the stage asks `begin()` which variant to run and which timer to time its passes with:
 * while tuning, one sample frame runs a candidate timed by the tuner's own GpuTimer (the caller's
 * timer does not see those passes that frame), and until its timing has been read back the frames
 * in between run the best candidate so far, untimed (the caller's timer would otherwise keep the
 * pass names of a candidate that may lose). The stage calls `end(encoder)` after recording its
 * passes and `afterSubmit()` after the submit.
 *
 * Decision: every candidate gets one sample; a candidate more than PRUNE_FACTOR slower than the
 * fastest first sample gets no more; the rest get SAMPLES each and the lowest median wins. A
 * candidate CLEAR_FACTOR faster than all others after one sample each wins at once. Decisions are
 * cached per device and key (WeakMap on the GPUDevice), so a stage built again later (another
 * scene, a grown buffer) starts with the answer. Without timestamp queries the fallback variant
 * runs; when timings stop arriving, the best one measured so far.
 */
import { GpuTimer } from './timing';

const SAMPLES = 3;
const PRUNE_FACTOR = 2;
const CLEAR_FACTOR = 3;
/** Frames to wait for one sample's timing before giving up on tuning. */
const MAX_WAIT_FRAMES = 30;

const decisionsByDevice = new WeakMap<GPUDevice, Map<string, string>>();

/** The cached decision for `key` on `device`, if one was made. */
export function tunedVariant(device: GPUDevice, key: string): string | undefined {
  return decisionsByDevice.get(device)?.get(key);
}

export interface TunerFrame<V extends string> {
  variant: V;
  /** The timer to give the stage's passes this frame: the tuner's while sampling, else the caller's. */
  timer: GpuTimer | undefined;
}

export class VariantTuner<V extends string> {
  /** GPU ms of each candidate's sample frames so far (for reports and tests). */
  readonly samples = new Map<V, number[]>();
  private decided: V | null;
  private timer: GpuTimer | null = null;
  /** The candidate whose sample frame was recorded and not yet read back. */
  private sampling: V | null = null;
  private resolvedThisFrame = false;
  private framesRead = 0;
  private waitedFrames = 0;
  private next = 0;

  constructor(
    private readonly device: GPUDevice,
    /** Cache key: what is being chosen and for which size class. */
    readonly key: string,
    readonly candidates: readonly V[],
    /** Runs before a decision, and for good without timestamp queries. */
    readonly fallback: V,
  ) {
    const cached = tunedVariant(device, key) as V | undefined;
    this.decided = cached !== undefined && candidates.includes(cached) ? cached : candidates.length === 1 ? candidates[0]! : null;
    if (this.decided === null && device.features.has('timestamp-query')) this.timer = new GpuTimer(device, 1);
    if (!this.timer) this.decided ??= fallback;
    for (const c of candidates) this.samples.set(c, []);
  }

  /** The decision, or null while tuning. */
  get decision(): V | null {
    return this.decided;
  }

  /** What to run this frame (see the class comment). */
  begin(callerTimer?: GpuTimer): TunerFrame<V> {
    this.resolvedThisFrame = false;
    if (this.decided === null && this.sampling !== null) {
      const timer = this.timer!;
      if (timer.framesRead !== this.framesRead) {
        this.record(this.sampling, timer);
      } else if (++this.waitedFrames > MAX_WAIT_FRAMES) {
        this.decide(this.best());
      } else {
        // Untimed: the caller's timer would keep the pass names of a candidate that may lose.
        return { variant: this.best(), timer: undefined };
      }
    }
    if (this.decided !== null) return { variant: this.decided, timer: callerTimer };
    const timer = this.timer!;
    const candidate = this.nextCandidate();
    this.sampling = candidate;
    this.framesRead = timer.framesRead;
    this.waitedFrames = 0;
    timer.msByPass.clear();
    timer.beginFrame();
    this.resolvedThisFrame = true;
    return { variant: candidate, timer };
  }

  /** After the stage's passes of a frame begun with `begin()`. */
  end(encoder: GPUCommandEncoder): void {
    if (this.resolvedThisFrame) this.timer!.resolve(encoder);
  }

  /** After the frame's submit: reads the sample's timestamps back (asynchronously). */
  afterSubmit(): void {
    if (!this.resolvedThisFrame) return;
    this.resolvedThisFrame = false;
    this.timer!.collect();
  }

  destroy(): void {
    this.timer?.destroy();
    this.timer = null;
    this.decided ??= this.fallback;
  }

  private record(candidate: V, timer: GpuTimer): void {
    this.sampling = null;
    // GpuTimer drops implausible readings (10 s or more): such a candidate is as slow as it gets.
    const ms = timer.msByPass.size > 0 ? [...timer.msByPass.values()].reduce((a, b) => a + b, 0) : Infinity;
    this.samples.get(candidate)!.push(ms);
    const firsts = this.candidates.map((c) => this.samples.get(c)![0]);
    if (firsts.some((m) => m === undefined)) return;
    const fastest = Math.min(...(firsts as number[]));
    const leader = this.candidates[firsts.indexOf(fastest)]!;
    if (firsts.every((m, i) => this.candidates[i] === leader || m! > CLEAR_FACTOR * fastest)) {
      this.decide(leader);
      return;
    }
    const alive = this.alive();
    if (alive.every((c) => this.samples.get(c)!.length >= SAMPLES)) {
      const medians = alive.map((c) => median(this.samples.get(c)!));
      this.decide(alive[medians.indexOf(Math.min(...medians))]!);
    }
  }

  /** Candidates still in the running: not far slower than the fastest first sample. */
  private alive(): V[] {
    const firsts = this.candidates.map((c) => this.samples.get(c)![0] ?? 0);
    const fastest = Math.min(...firsts);
    return this.candidates.filter((_, i) => firsts[i]! <= PRUNE_FACTOR * fastest);
  }

  private nextCandidate(): V {
    const unsampled = this.candidates.find((c) => this.samples.get(c)!.length === 0);
    if (unsampled !== undefined) return unsampled;
    const alive = this.alive().filter((c) => this.samples.get(c)!.length < SAMPLES);
    return alive[this.next++ % alive.length]!;
  }

  /** The best candidate measured so far (the fallback before any sample). */
  private best(): V {
    let best = this.fallback;
    let bestMs = Infinity;
    for (const [c, ms] of this.samples) {
      if (ms.length && median(ms) < bestMs) {
        best = c;
        bestMs = median(ms);
      }
    }
    return best;
  }

  private decide(variant: V): void {
    this.decided = variant;
    this.sampling = null;
    let decisions = decisionsByDevice.get(this.device);
    if (!decisions) decisionsByDevice.set(this.device, (decisions = new Map()));
    decisions.set(this.key, variant);
    this.timer?.destroy();
    this.timer = null;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
