/**
 * Scene time for dynamic methods (4D Gaussians, .splatv): play/pause, scrub, speed and loop over the
 * span the content covers (MethodInstance.timeRange), plus its lil-gui controls and overlay line.
 * The viewer advances it by the wall time between animation frames and renders FrameInput.time =
 * `time`. Static content has no span: time then runs from 0 without end, in seconds (camera paths).
 *
 * Speed is relative to a base rate that makes any span watchable: 1 scene unit per second when the
 * span is at least BASE_SWEEP_SECONDS long (N3V scenes count time in seconds), else a whole sweep in
 * BASE_SWEEP_SECONDS (normalised [0, 1] time of D-NeRF and .splatv).
 */
import type GUI from 'lil-gui';
import type { Controller } from 'lil-gui';

export const BASE_SWEEP_SECONDS = 4;
export const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 4] as const;

export class Timeline {
  start = 0;
  end = 1;
  time = 0;
  playing = false;
  loop = true;
  /** Multiplies the base rate. */
  speed = 1;

  /** Sets the span (keeping the time inside it), or none (null); throws on a span that is empty or not finite. */
  setRange(range: readonly [number, number] | null): void {
    if (!range) {
      this.start = 0;
      this.end = Infinity;
      this.time = this.clamp(this.time);
      return;
    }
    const [start, end] = range;
    if (!Number.isFinite(start) || !Number.isFinite(end) || !(end > start)) throw new Error(`Timeline range [${start}, ${end}] must be finite with end > start`);
    this.start = start;
    this.end = end;
    this.time = this.clamp(this.time);
  }

  /** Scene time units per wall-clock second at speed 1. */
  get baseRate(): number {
    const span = this.end - this.start;
    return span >= BASE_SWEEP_SECONDS ? 1 : span / BASE_SWEEP_SECONDS;
  }

  /** Moves to `time` (clamped to the span). */
  scrub(time: number): void {
    if (Number.isFinite(time)) this.time = this.clamp(time);
  }

  /**
   * Advances by `seconds` of wall time while playing and returns the new time: past the end it
   * wraps to the start when looping, else it stops at the end and pauses.
   */
  advance(seconds: number): number {
    if (!this.playing || !(seconds > 0)) return this.time;
    const next = this.time + seconds * this.speed * this.baseRate;
    if (next <= this.end) this.time = next;
    else if (this.loop) this.time = this.start + ((next - this.start) % (this.end - this.start));
    else {
      this.time = this.end;
      this.playing = false;
    }
    return this.time;
  }

  /** Starts playing (from the start when paused at the end without looping) or pauses. */
  togglePlaying(): void {
    if (!this.playing && !this.loop && this.time >= this.end) this.time = this.start;
    this.playing = !this.playing;
  }

  /** Whether a span is set (dynamic content). */
  get bounded(): boolean {
    return Number.isFinite(this.end);
  }

  /** One overlay line, e.g. "time 0.420 of [0, 1] ▶ 1× loop". */
  label(): string {
    return `time ${this.time.toFixed(3)} of [${this.start}, ${this.end}] ${this.playing ? '▶' : '❚❚'} ${this.speed}×${this.loop ? ' loop' : ''}`;
  }

  private clamp(time: number): number {
    return Math.min(this.end, Math.max(this.start, time));
  }
}

/** The timeline's folder: play, time (a slider over the span), speed, loop; `refresh` after the span changes. */
export class TimelineGui {
  private readonly folder: GUI;
  private slider: Controller | null = null;

  constructor(
    parent: GUI,
    private readonly timeline: Timeline,
    private readonly changed: () => void,
  ) {
    this.folder = parent.addFolder('Timeline');
    this.folder.add(timeline, 'playing').name('play').listen().onChange(changed);
    this.folder.add(timeline, 'speed', [...SPEEDS]).name('speed (×)').onChange(changed);
    this.folder.add(timeline, 'loop').name('loop').onChange(changed);
    this.refresh();
  }

  /** Rebuilds the time slider for the current span (none for static content: play then runs camera paths). */
  refresh(): void {
    this.slider?.destroy();
    this.slider = null;
    const t = this.timeline;
    if (!t.bounded) return;
    this.slider = this.folder
      .add(t, 'time', t.start, t.end, (t.end - t.start) / 1000)
      .name('time')
      .listen()
      .onChange((value: number) => {
        t.scrub(value);
        this.changed();
      });
  }

  destroy(): void {
    this.folder.destroy();
  }
}
