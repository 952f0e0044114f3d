/**
 * The statistics overlay (toggle with H or `): FPS, CPU and GPU frame time per named pass, tracked
 * GPU memory, resolution, the method's stats and the paper's reported rate next to ours. It is
 * refreshed a few times a second from a snapshot, never from inside the frame loop.
 */
import type { PaperRate } from '../methods/types';
import { formatBytes } from './loading';

export interface OverlaySnapshot {
  method: string;
  asset: string;
  width: number;
  height: number;
  devicePixelRatio: number;
  /** Frames drawn in the last second; 0 when idle. */
  fps: number;
  continuous: boolean;
  cpuMs: number;
  gpuMsByPass: ReadonlyMap<string, number>;
  timestamps: boolean;
  memoryBytes: number;
  memoryByOwner: Array<[string, { bytes: number; count: number }]>;
  stats: Readonly<Record<string, number | string>>;
  paperRate?: PaperRate;
  /** The timeline of dynamic content (Timeline.label()). */
  timeline?: string;
}

/** Frames per second the GPU time allows (the measured rate where frames are drawn on demand). */
export function gpuFps(gpuMsByPass: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const ms of gpuMsByPass.values()) total += ms;
  return total > 0 ? 1000 / total : 0;
}

/** Our rate over the paper's, with both resolutions, e.g. "0.42× paper (ours 320x240, paper 1920x1080)". */
export function paperComparison(oursFps: number, width: number, height: number, paper: PaperRate): string {
  if (!(oursFps > 0)) return 'ratio: no measurement yet';
  const ratio = oursFps / paper.fps;
  const same = paper.resolution === `${width}x${height}`;
  return `ours/paper ${ratio.toFixed(2)}x${same ? '' : ` (ours at ${width}x${height}, paper at ${paper.resolution})`}`;
}

function formatStat(value: number | string): string {
  return typeof value === 'number' ? (Number.isInteger(value) ? value.toLocaleString('en-US') : value.toPrecision(4)) : value;
}

export function formatOverlay(s: OverlaySnapshot): string {
  const lines: string[] = [];
  lines.push(`${s.method} · ${s.asset}`);
  if (s.timeline) lines.push(s.timeline);
  lines.push(`${s.width}x${s.height} px (devicePixelRatio ${s.devicePixelRatio.toFixed(2)})`);
  const fps = s.fps > 0 ? `FPS ${s.fps.toFixed(1)}` : 'FPS idle (draws on change)';
  lines.push(`${fps}${s.continuous ? ' [continuous]' : ''}   CPU ${s.cpuMs.toFixed(2)} ms`);
  if (!s.timestamps) lines.push('GPU time: timestamp-query not available');
  else {
    let total = 0;
    for (const ms of s.gpuMsByPass.values()) total += ms;
    lines.push(`GPU ${total.toFixed(2)} ms`);
    for (const [name, ms] of s.gpuMsByPass) lines.push(`  ${name.padEnd(18)} ${ms.toFixed(3)} ms`);
  }
  lines.push(`GPU memory ${formatBytes(s.memoryBytes)}`);
  for (const [owner, totals] of s.memoryByOwner) lines.push(`  ${owner.padEnd(18)} ${formatBytes(totals.bytes)} (${totals.count})`);
  for (const [name, value] of Object.entries(s.stats)) lines.push(`${name}: ${formatStat(value)}`);
  if (s.paperRate) {
    const p = s.paperRate;
    lines.push(`paper: ${p.fps} FPS at ${p.resolution} on ${p.gpu}`);
    lines.push(`  (${p.source})`);
    lines.push(`  ${paperComparison(gpuFps(s.gpuMsByPass), s.width, s.height, p)}`);
  }
  return lines.join('\n');
}

export class Overlay {
  readonly element: HTMLPreElement;
  private timer = 0;

  constructor(
    parent: HTMLElement,
    private readonly snapshot: () => OverlaySnapshot | null,
    visible: boolean,
  ) {
    this.element = document.createElement('pre');
    this.element.id = 'overlay';
    this.element.hidden = !visible;
    parent.append(this.element);
    window.addEventListener('keydown', (e) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA')) return;
      if ((e.code === 'KeyH' || e.code === 'Backquote') && !e.ctrlKey && !e.metaKey && !e.altKey) this.toggle();
    });
    this.timer = window.setInterval(() => this.refresh(), 250);
  }

  get visible(): boolean {
    return !this.element.hidden;
  }

  toggle(visible = !this.visible): void {
    this.element.hidden = !visible;
    if (visible) this.refresh();
  }

  refresh(): void {
    if (this.element.hidden) return;
    const s = this.snapshot();
    this.element.textContent = s ? formatOverlay(s) : '';
  }

  destroy(): void {
    window.clearInterval(this.timer);
    this.element.remove();
  }
}
