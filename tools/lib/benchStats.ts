/**
 * Statistics and baseline comparison for `npm run bench`. Pure, unit tested.
 *
 * A scene is compared with the baseline only like with like: same adapter and same resolution.
 * The compared number is the median GPU frame time when both runs have timestamps, else the median
 * wall frame time; a scene regresses when it is slower than baseline · (1 + tolerance).
 */
import type { BenchFrames } from '../../src/viewer/hooks';
import type { PaperRate } from '../../src/methods/types';

export interface Distribution {
  median: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
}

export interface SceneBench {
  scene: string;
  method: string;
  asset: string;
  adapter: string;
  width: number;
  height: number;
  frames: number;
  /** Encode + submit until the GPU reports the frame done. */
  wallMs: Distribution;
  /** Sum of the timed passes per frame; null without timestamp queries. */
  gpuMs: Distribution | null;
  /** Median GPU ms of each pass, in pass order. */
  gpuMsByPass: Record<string, number>;
  memoryBytes: number;
  memoryByOwner: Record<string, number>;
  stats: Record<string, number | string>;
  paperRate?: PaperRate;
  /** Our frames per second (from the median GPU time, else wall) over the paper's. */
  paperRatio?: number;
}

export interface BenchReport {
  date: string;
  adapter: string;
  results: SceneBench[];
}

/** Nearest-rank quantile of sorted values (q in [0, 1]). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) throw new Error('distribution of no values');
  const s = [...values].sort((a, b) => a - b);
  return { median: median(s), p95: quantile(s, 0.95), mean: s.reduce((a, b) => a + b, 0) / s.length, min: s[0]!, max: s.at(-1)! };
}

export function summarize(scene: string, adapter: string, frames: BenchFrames): SceneBench {
  const withGpu = frames.gpuMs.filter((f) => Object.keys(f).length > 0);
  const gpuTotals = withGpu.map((f) => Object.values(f).reduce((a, b) => a + b, 0));
  const passNames = [...new Set(withGpu.flatMap((f) => Object.keys(f)))];
  const gpuMsByPass = Object.fromEntries(passNames.map((name) => [name, median(withGpu.map((f) => f[name] ?? 0))]));
  const gpuMs = gpuTotals.length ? distribution(gpuTotals) : null;
  const wallMs = distribution(frames.wallMs);
  const frameMs = gpuMs?.median ?? wallMs.median;
  return {
    scene,
    method: frames.method,
    asset: frames.asset,
    adapter,
    width: frames.width,
    height: frames.height,
    frames: frames.wallMs.length,
    wallMs,
    gpuMs,
    gpuMsByPass,
    memoryBytes: frames.memoryBytes,
    memoryByOwner: frames.memoryByOwner,
    stats: frames.stats,
    paperRate: frames.paperRate,
    paperRatio: frames.paperRate && frameMs > 0 ? 1000 / frameMs / frames.paperRate.fps : undefined,
  };
}

export interface Comparison {
  lines: string[];
  regressions: string[];
}

export function compareWithBaseline(current: BenchReport, baseline: BenchReport, tolerance: number): Comparison {
  const lines: string[] = [];
  const regressions: string[] = [];
  for (const now of current.results) {
    const before = baseline.results.find((b) => b.scene === now.scene);
    if (!before) {
      lines.push(`${now.scene}: not in the baseline, nothing to compare`);
      continue;
    }
    if (before.adapter !== now.adapter || before.width !== now.width || before.height !== now.height) {
      lines.push(
        `${now.scene}: not compared: baseline ran on '${before.adapter}' at ${before.width}x${before.height}, ` +
          `this run on '${now.adapter}' at ${now.width}x${now.height} (compare like with like)`,
      );
      continue;
    }
    const useGpu = now.gpuMs !== null && before.gpuMs !== null;
    const metric = useGpu ? 'median GPU ms' : 'median wall ms';
    const a = useGpu ? before.gpuMs!.median : before.wallMs.median;
    const b = useGpu ? now.gpuMs!.median : now.wallMs.median;
    const change = b / a - 1;
    const verdict = change > tolerance ? 'SLOWER' : change < -tolerance ? 'faster' : 'same';
    const line = `${now.scene}: ${metric} ${a.toFixed(3)} -> ${b.toFixed(3)} (${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%, tolerance ${(tolerance * 100).toFixed(0)}%): ${verdict}`;
    lines.push(line);
    if (verdict === 'SLOWER') regressions.push(line);
  }
  return { lines, regressions };
}

export function formatSceneBench(r: SceneBench): string {
  const out = [`${r.scene} (${r.method}, ${r.asset}) at ${r.width}x${r.height}, ${r.frames} frames`];
  out.push(`  wall ms  median ${r.wallMs.median.toFixed(3)}  p95 ${r.wallMs.p95.toFixed(3)}`);
  if (r.gpuMs) {
    out.push(`  GPU ms   median ${r.gpuMs.median.toFixed(3)}  p95 ${r.gpuMs.p95.toFixed(3)}`);
    for (const [name, ms] of Object.entries(r.gpuMsByPass)) out.push(`    ${name.padEnd(20)} ${ms.toFixed(3)}`);
  } else out.push('  GPU ms   (no timestamp-query on this adapter)');
  out.push(`  memory   ${(r.memoryBytes / 1024 / 1024).toFixed(2)} MB  ${Object.entries(r.memoryByOwner).map(([k, v]) => `${k} ${(v / 1024 / 1024).toFixed(2)}`).join(', ')}`);
  const stats = Object.entries(r.stats);
  if (stats.length) out.push(`  stats    ${stats.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (r.paperRate) {
    out.push(`  paper    ${r.paperRate.fps} FPS at ${r.paperRate.resolution} on ${r.paperRate.gpu} (${r.paperRate.source})`);
    if (r.paperRatio !== undefined) out.push(`  ours/paper ${r.paperRatio.toFixed(3)}x (ours at ${r.width}x${r.height} on ${r.adapter})`);
  }
  return out.join('\n');
}
