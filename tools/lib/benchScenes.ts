/**
 * The work of `npm run bench` (tools/bench.ts): each scene opened in the real app at a fixed size,
 * warmed up, then timed frame by frame (wall: encode + submit until the GPU is done; GPU: timestamp
 * queries per pass), summarised and optionally compared with a baseline run. Dynamic scenes are
 * measured at one or more scene times (--times, --time-sweep), each its own result.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { adapterName, assertNoProblems, openAppSession } from './appSession';
import { compareWithBaseline, formatSceneBench, summarize, type BenchReport, type SceneBench } from './benchStats';
import { parseBenchArgs, type BenchArgs } from './cliArgs';
import { loadSceneInput } from './sceneInput';

export interface BenchOutcome {
  report: BenchReport;
  /** Human-readable lines: per-scene results, then the baseline comparison. */
  lines: string[];
  regressions: string[];
}

/** The scene times to measure: --times, else --time-sweep over the content's span, else the scene's own. */
export function sceneTimes(args: Pick<BenchArgs, 'times' | 'timeSweep'>, timeRange: [number, number] | null, sceneTime: number): number[] {
  if (args.times) return args.times;
  if (args.timeSweep && timeRange) {
    const [t0, t1] = timeRange;
    return Array.from({ length: args.timeSweep }, (_, k) => t0 + ((t1 - t0) * k) / (args.timeSweep! - 1));
  }
  return [sceneTime];
}

/**
 * One line per time of a sweep: the first pass (for dynamic methods the projection stage, which
 * slices the splats at that time) apart from the passes after it, in median GPU ms.
 */
export function formatTimeSweep(results: readonly SceneBench[]): string[] {
  const first = Object.keys(results[0]?.gpuMsByPass ?? {})[0];
  if (!first) return ['  time sweep: no GPU timestamps on this adapter'];
  const lines = [`  time sweep (median GPU ms): ${first} (slice + project) vs the passes after it`];
  for (const r of results) {
    const rest = Object.entries(r.gpuMsByPass).reduce((sum, [pass, ms]) => (pass === first ? sum : sum + ms), 0);
    lines.push(`    ${r.scene.padEnd(40)} ${first} ${(r.gpuMsByPass[first] ?? 0).toFixed(3)}  rest ${rest.toFixed(3)}  visible ${r.stats.visible ?? '?'}`);
  }
  return lines;
}

export async function bench(argv: string[], log: (line: string) => void = console.log): Promise<BenchOutcome> {
  const args = parseBenchArgs(argv);
  const inputs = args.scenes.map((scene) => ({ name: scene, input: loadSceneInput(scene, {}) }));
  let baseline: BenchReport | undefined;
  if (args.baseline) {
    if (!existsSync(args.baseline)) throw new Error(`--baseline ${args.baseline}: no such file`);
    baseline = JSON.parse(readFileSync(args.baseline, 'utf8')) as BenchReport;
    if (!Array.isArray(baseline.results)) throw new Error(`--baseline ${args.baseline}: not a bench --json output`);
  }
  const session = await openAppSession({ width: Math.min(args.width, 1920), height: Math.min(args.height, 1080) });
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    log(line);
  };
  try {
    const adapter = adapterName(session.adapter);
    say(`adapter: ${adapter}`);
    const report: BenchReport = { date: new Date().toISOString(), adapter, results: [] };
    for (const { name, input } of inputs) {
      const { page, server } = session;
      const { error, timeRange } = await page.evaluate(
        async ({ scene, baseUrl, width, height }) => {
          window.nerve.setSize(width, height);
          const error = await window.nerve.openSceneObject(scene, baseUrl);
          return { error, timeRange: window.nerve.timeRange };
        },
        { scene: input.scene, baseUrl: server.localUrl(input.baseDir) + '/', width: args.width, height: args.height },
      );
      if (error) throw new Error(`${name}: ${error}`);
      const times = sceneTimes(args, timeRange, input.scene.time);
      if (args.timeSweep && !timeRange) say(`${name}: static content, --time-sweep ignored`);
      const sweep: SceneBench[] = [];
      for (const time of times) {
        // Every measured frame shows the same scene time.
        const frames = await page.evaluate(
          ({ time, frames, warmup }) => {
            window.nerve.setTime(time);
            return window.nerve.benchmark(frames, warmup);
          },
          { time, frames: args.frames, warmup: args.warmup },
        );
        await assertNoProblems(session);
        const result = summarize(times.length > 1 || args.times ? `${name} @ t=${time}` : name, adapter, frames);
        report.results.push(result);
        sweep.push(result);
        say(formatSceneBench(result));
      }
      if (sweep.length > 1) formatTimeSweep(sweep).forEach(say);
    }
    let regressions: string[] = [];
    if (baseline) {
      const comparison = compareWithBaseline(report, baseline, args.tolerance);
      say(`baseline ${args.baseline} (${baseline.adapter}, ${baseline.date}):`);
      comparison.lines.forEach((line) => say(`  ${line}`));
      regressions = comparison.regressions;
    }
    if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n');
    return { report, lines, regressions };
  } finally {
    await session.close();
  }
}
