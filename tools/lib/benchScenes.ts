/**
 * The work of `npm run bench` (tools/bench.ts): each scene opened in the real app at a fixed size,
 * warmed up, then timed frame by frame (wall: encode + submit until the GPU is done; GPU: timestamp
 * queries per pass), summarised and optionally compared with a baseline run.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { adapterName, assertNoProblems, openAppSession } from './appSession';
import { compareWithBaseline, formatSceneBench, summarize, type BenchReport } from './benchStats';
import { parseBenchArgs } from './cliArgs';
import { loadSceneInput } from './sceneInput';

export interface BenchOutcome {
  report: BenchReport;
  /** Human-readable lines: per-scene results, then the baseline comparison. */
  lines: string[];
  regressions: string[];
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
      const error = await page.evaluate(
        async ({ scene, baseUrl, width, height }) => {
          window.nerve.setSize(width, height);
          const error = await window.nerve.openSceneObject(scene, baseUrl);
          // Every measured frame shows the same scene time.
          window.nerve.setTime(scene.time);
          return error;
        },
        { scene: input.scene, baseUrl: server.localUrl(input.baseDir) + '/', width: args.width, height: args.height },
      );
      if (error) throw new Error(`${name}: ${error}`);
      const frames = await page.evaluate(({ frames, warmup }) => window.nerve.benchmark(frames, warmup), { frames: args.frames, warmup: args.warmup });
      await assertNoProblems(session);
      const result = summarize(name, adapter, frames);
      report.results.push(result);
      say(formatSceneBench(result));
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
