/**
 * Argument parsing for `npm run render` and `npm run bench`: every option checked, with a message
 * that names the option and shows the usage. Pure, unit tested.
 */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const RENDER_USAGE = `usage: npm run render -- <asset|scene.json> --out img.png [options]
  --width W --height H       render size (default: the chosen camera's size, else an image's own, else 1280x720;
                             one of them alone keeps the camera's aspect ratio)
  --camera cameras.json      INRIA cameras.json to take the camera from
  --camera-index K           camera K of --camera or of the scene's cameras (default: the scene's)
  --background r,g,b         background, three numbers in [0, 1]
  --time t                   scene time for dynamic methods (default: the scene's, else 0)
  --method id                method for a bare asset (default: from the file) or to override a scene's`;

export const BENCH_USAGE = `usage: npm run bench -- <scene.json ...> [options]
  --frames N         measured frames per scene (default 60)
  --warmup N         frames drawn first and not measured (default 10)
  --width W --height H   render size (default 1280x720)
  --json out.json    write the results as JSON
  --baseline b.json  compare with an earlier --json; exit 1 when a scene got slower than --tolerance
  --tolerance T      allowed slowdown as a fraction (default 0.10 = 10%)
  --times t1,t2,...  measure dynamic scenes at these scene times (each a separate result)
  --time-sweep N     measure dynamic scenes at N times spread evenly over their time span (N >= 2)`;

export interface RenderArgs {
  input: string;
  out: string;
  width?: number;
  height?: number;
  camera?: string;
  cameraIndex?: number;
  background?: [number, number, number];
  method?: string;
  time?: number;
}

export interface BenchArgs {
  scenes: string[];
  frames: number;
  warmup: number;
  width: number;
  height: number;
  json?: string;
  baseline?: string;
  tolerance: number;
  /** Scene times to measure at (--times); else `timeSweep` evenly spaced ones; else the scene's own. */
  times?: number[];
  timeSweep?: number;
}

function integer(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} ${value}: expected an integer in [${min}, ${max}]`);
  return n;
}

function finite(value: string, name: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} ${value}: expected a finite number`);
  return n;
}

function parse(argv: string[], options: Record<string, { type: 'string' }>, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
}

export function parseRenderArgs(argv: string[]): RenderArgs {
  const { values, positionals } = parse(
    argv,
    {
      out: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      camera: { type: 'string' },
      'camera-index': { type: 'string' },
      background: { type: 'string' },
      method: { type: 'string' },
      time: { type: 'string' },
    },
    RENDER_USAGE,
  );
  if (positionals.length !== 1) throw new UsageError(`expected exactly one asset or scene file, got ${positionals.length}\n${RENDER_USAGE}`);
  if (!values.out) throw new UsageError(`--out is required\n${RENDER_USAGE}`);
  if (!values.out.toLowerCase().endsWith('.png')) throw new UsageError(`--out ${values.out}: the output is a PNG, name it *.png`);
  let background: [number, number, number] | undefined;
  if (values.background !== undefined) {
    const parts = values.background.split(',').map((s) => Number(s.trim()));
    if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x) || x < 0 || x > 1)) {
      throw new UsageError(`--background ${values.background}: expected r,g,b with each in [0, 1], e.g. 1,1,1`);
    }
    background = parts as [number, number, number];
  }
  let time: number | undefined;
  if (values.time !== undefined) {
    time = Number(values.time);
    if (values.time.trim() === '' || !Number.isFinite(time)) throw new UsageError(`--time ${values.time}: expected a number`);
  }
  return {
    input: positionals[0]!,
    out: values.out,
    width: integer(values.width, 'width', 1, 8192),
    height: integer(values.height, 'height', 1, 8192),
    camera: values.camera,
    cameraIndex: integer(values['camera-index'], 'camera-index', 0, 1_000_000),
    background,
    method: values.method,
    time,
  };
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values, positionals } = parse(
    argv,
    {
      frames: { type: 'string' },
      warmup: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      json: { type: 'string' },
      baseline: { type: 'string' },
      tolerance: { type: 'string' },
      times: { type: 'string' },
      'time-sweep': { type: 'string' },
    },
    BENCH_USAGE,
  );
  if (positionals.length === 0) throw new UsageError(`name at least one scene .json\n${BENCH_USAGE}`);
  const notJson = positionals.filter((p) => !p.toLowerCase().endsWith('.json'));
  if (notJson.length) throw new UsageError(`bench takes scene files (*.json): ${notJson.join(', ')}`);
  let tolerance = 0.1;
  if (values.tolerance !== undefined) {
    tolerance = Number(values.tolerance);
    if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 10) throw new UsageError(`--tolerance ${values.tolerance}: expected a fraction such as 0.10`);
  }
  if (values.times !== undefined && values['time-sweep'] !== undefined) throw new UsageError('--times and --time-sweep: give one of them');
  const times = values.times?.split(',').map((t) => finite(t.trim(), 'times'));
  return {
    times,
    timeSweep: integer(values['time-sweep'], 'time-sweep', 2, 10_000),
    scenes: positionals,
    frames: integer(values.frames, 'frames', 1, 100_000) ?? 60,
    warmup: integer(values.warmup, 'warmup', 0, 100_000) ?? 10,
    width: integer(values.width, 'width', 1, 8192) ?? 1280,
    height: integer(values.height, 'height', 1, 8192) ?? 720,
    json: values.json,
    baseline: values.baseline,
    tolerance,
  };
}

/** The render size: explicit, else the camera's, else 1280x720; one side alone keeps the aspect ratio. */
export function renderSize(args: Pick<RenderArgs, 'width' | 'height'>, camera?: { width: number; height: number }): { width: number; height: number } {
  const base = camera ?? { width: 1280, height: 720 };
  if (args.width !== undefined && args.height !== undefined) return { width: args.width, height: args.height };
  if (args.width !== undefined) return { width: args.width, height: Math.max(1, Math.round((args.width * base.height) / base.width)) };
  if (args.height !== undefined) return { width: Math.max(1, Math.round((args.height * base.width) / base.height)), height: args.height };
  return base;
}
