/**
 * The results of `npm run bench:peers` (written by --json) and the readable table printed on
 * stderr. Pure, unit tested.
 */
import type { Camera, Vec3 } from '../../src/camera/camera';
import type { AdapterSummary } from '../../src/gpu/context';
import type { Distribution } from './benchStats';
import type { GlCamera } from './peersCamera';
import type { ImageDifference } from './peersImage';
import type { PeerId, SettleResult } from './peersProtocol';

export interface RendererResult {
  renderer: 'nerve' | PeerId;
  library?: string;
  graphicsApi?: string;
  /** The adapter (WebGPU) or GL renderer string (WebGL) this renderer got. */
  adapter?: string;
  /** Options set on the renderer and why. */
  settings?: Record<string, string | number | boolean>;
  splats?: number;
  /** Peers only: how long their load and asynchronous sort took to settle for the fixed camera. */
  settle?: SettleResult;
  /** Wall ms per frame (see PeersReport.timing). */
  frameMs?: Distribution;
  /** nerve only: the sum of its timed passes per frame (timestamp queries), null without them. */
  gpuMs?: Distribution | null;
  /** nerve only: median GPU ms of each pass. */
  gpuMsByPass?: Record<string, number>;
  /** Median frame ms over nerve's median frame ms (> 1: slower than nerve). */
  ratioToOurs?: number;
  /** The image against the CPU reference. */
  image?: ImageDifference;
  /** Console and page errors the renderer's page reported (the result is kept; they are for reading). */
  problems?: string[];
  /** Why this renderer has no result, exactly as it failed. */
  error?: string;
}

export interface SceneResult {
  scene: string;
  asset: string;
  splats: number;
  shDegree: number;
  width: number;
  height: number;
  background: Vec3;
  /** The camera every renderer used: nerve's, as its viewer opens the scene at this size. */
  camera: Camera;
  /** The same camera as the peers take it (near is the 3DGS near cull, 0.2). */
  peerCamera: GlCamera;
  /** CPU time of the float64 reference render. */
  referenceMs: number;
  renderers: RendererResult[];
}

export interface PeersReport {
  date: string;
  nerve: string;
  browser: string;
  /** 'swiftshader' (CPU emulation of a GPU: not GPU numbers) or 'hardware'. */
  gpuMode: 'swiftshader' | 'hardware';
  adapter: AdapterSummary | null;
  versions: Record<string, string>;
  width: number;
  height: number;
  frames: number;
  warmup: number;
  /** How frame time is measured, the same way for every renderer. */
  timing: string;
  /** What the comparison does and does not show. */
  notes: string[];
  scenes: SceneResult[];
  /** Scenes that could not run at all, with the reason. */
  skipped: Array<{ scene: string; reason: string }>;
}

/** The page's own error text: without Playwright's "page.evaluate: Error: " wrapper and the (minified) stack. */
export function pageErrorMessage(error: Error): string {
  return error.message
    .replace(/^page\.evaluate: (Error: )?/, '')
    .split('\n')
    .filter((line) => !/^\s+at /.test(line))
    .join('\n');
}

const fixed = (x: number | undefined, digits: number) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

function psnrText(image: ImageDifference | undefined): string {
  if (!image) return '-';
  return image.psnrDb === null ? 'identical' : image.psnrDb.toFixed(2);
}

function settleText(settle: SettleResult | undefined): string {
  if (!settle) return '';
  const what = `${settle.frames} frames, ${(settle.ms / 1000).toFixed(1)} s`;
  const jitter = settle.frameToFramePsnrDb === null ? 'consecutive frames identical' : `consecutive frames differ (PSNR ${settle.frameToFramePsnrDb.toFixed(1)} dB)`;
  return settle.settled ? `settled after ${what}; ${jitter}` : `NOT SETTLED after ${what} (image still changing)`;
}

/** The table for one scene, one row per renderer, then nerve's GPU passes. */
export function formatSceneTable(scene: SceneResult): string[] {
  const lines = [
    `${scene.scene}: ${scene.asset}, ${scene.splats} splats, SH degree ${scene.shDegree}, ${scene.width}x${scene.height} ` +
      `(CPU reference ${(scene.referenceMs / 1000).toFixed(1)} s)`,
  ];
  const header = ['renderer', 'API', 'median ms', 'p95 ms', 'peer/ours', 'PSNR dB', 'max diff'];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const r of scene.renderers) {
    if (r.error) {
      notes.push(`  ${r.renderer}: FAILED: ${r.error.split('\n')[0]}`);
      continue;
    }
    rows.push([
      r.renderer,
      r.graphicsApi ?? '-',
      fixed(r.frameMs?.median, 2),
      fixed(r.frameMs?.p95, 2),
      r.renderer === 'nerve' ? '1.00' : fixed(r.ratioToOurs, 2),
      psnrText(r.image),
      r.image ? String(r.image.maxAbsDiff) : '-',
    ]);
    if (r.settle) notes.push(`  ${r.renderer}: ${settleText(r.settle)}`);
    if (r.problems?.length) notes.push(`  ${r.renderer}: page reported ${r.problems.length} error(s): ${r.problems[0]}`);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const format = (cells: string[]) => '  ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  lines.push(format(header), ...rows.map(format), ...notes);
  const nerve = scene.renderers.find((r) => r.renderer === 'nerve' && !r.error);
  if (nerve?.gpuMs) {
    const passes = Object.entries(nerve.gpuMsByPass ?? {}).map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ');
    // The timer drops a pass reading of 10 s or more as bogus, which SwiftShader reaches at large sizes:
    // the share of the wall time the timestamps cover makes such a gap visible.
    const share = nerve.frameMs ? ` (${((100 * nerve.gpuMs.median) / nerve.frameMs.median).toFixed(0)}% of the median wall time)` : '';
    lines.push(`  nerve GPU timestamps: median ${nerve.gpuMs.median.toFixed(2)} ms${share}, p95 ${nerve.gpuMs.p95.toFixed(2)} ms; per pass: ${passes}`);
  }
  return lines;
}

export function formatPeersReport(report: PeersReport): string[] {
  const adapter = report.adapter ? [report.adapter.vendor, report.adapter.architecture, report.adapter.device, report.adapter.description].filter(Boolean).join(' ') : 'unknown';
  const lines = [
    `nerve vs peers: ${report.width}x${report.height}, ${report.frames} frames after ${report.warmup} warm-up, ${report.browser}`,
    report.gpuMode === 'swiftshader'
      ? 'GPU: SwiftShader (WebGPU and WebGL emulated on the CPU): these are NOT GPU numbers, only relative CPU-emulation costs'
      : 'GPU: hardware',
    `nerve adapter: ${adapter}; ${report.nerve}`,
    `versions: ${Object.entries(report.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `frame ms: ${report.timing}`,
  ];
  for (const scene of report.scenes) lines.push('', ...formatSceneTable(scene));
  for (const s of report.skipped) lines.push('', `${s.scene}: skipped: ${s.reason}`);
  return lines;
}
