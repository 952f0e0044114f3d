/**
 * `npm run bench:scaling`: how the 3DGS frame grows with the splat count. A real scene is tiled to
 * each count (tools/lib/tileScene.ts), drawn by Gaussians3dRenderer on WebGPU in Node (Dawn; on
 * machines without a GPU that is SwiftShader) from a camera framing the whole grid, and per count
 * the tool reports: setup seconds (importance sort, upload, pipelines), median wall ms per frame
 * (encode + submit until the GPU is done: the frame time), GPU ms per stage (timestamp queries,
 * sub-passes summed into their stage; the timer has 32 slots and drops readings of 10 s or more,
 * so stages past those are listed as untimed), visible splats and tile intersections, tracked GPU
 * memory (total and the scene's own buffers) and the process RSS. JSON goes to stdout (or --json),
 * a table to stderr.
 *
 * Frames are drawn until the renderer reports one complete (intersection buffers grown), then
 * --frames are measured.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { create, globals } from 'webgpu';
import { createGpuContext } from '../src/gpu/context';
import { GpuMemory } from '../src/gpu/memory';
import { GpuTimer } from '../src/gpu/timing';
import { splatBounds } from '../src/methods/gaussians3d';
import { loadSplatBytes } from '../src/methods/gaussians3d/load';
import { defaultGaussians3dMethodParams } from '../src/methods/gaussians3d/params';
import { Gaussians3dRenderer } from '../src/methods/gaussians3d/renderer';
import type { SplatStorage } from '../src/methods/gaussians3d/splatStorage';
import { FRAME_TARGET_FORMAT, type FrameTarget } from '../src/methods/types';
import { cameraFromView, viewFramingBounds } from '../src/viewer/view';
import { median } from './lib/benchStats';
import { UsageError } from './lib/cliArgs';
import { tileToCount } from './lib/tileScene';

const USAGE = `usage: npm run bench:scaling -- [options]
  --scene file.ply     the scene to tile (default ../shared/data/splats/ply/donut_sh0.ply, else assets/donut_sh0.ply)
  --counts a,b,c       splat counts; k and M suffixes allowed (default 0.1M,1M,4M)
  --width W --height H frame size (default 1280x720)
  --frames N           measured frames per count after the first complete one (default 3)
  --storage full|compact  per-splat GPU storage (default full)
  --json out.json      write the JSON there instead of stdout`;

interface Args {
  scene: string;
  counts: number[];
  width: number;
  height: number;
  frames: number;
  storage: SplatStorage;
  json?: string;
}

function parseCount(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  if (!match) throw new UsageError(`--counts: '${text}' is not a count (e.g. 100000, 100k, 0.1M)\n${USAGE}`);
  const value = Math.round(Number(match[1]) * ({ '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 } as Record<string, number>)[match[2]!]!);
  if (value < 1) throw new UsageError(`--counts: '${text}' is below one splat\n${USAGE}`);
  return value;
}

function parseScalingArgs(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      scene: { type: 'string' },
      counts: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      frames: { type: 'string' },
      storage: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) throw new UsageError(USAGE);
  const integer = (name: string, text: string | undefined, fallback: number, min: number, max: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got '${text}'\n${USAGE}`);
    return value;
  };
  const storage = values.storage ?? 'full';
  if (storage !== 'full' && storage !== 'compact') throw new UsageError(`--storage must be full or compact, got '${storage}'\n${USAGE}`);
  let scene = values.scene;
  if (!scene) {
    const shared = new URL('../../shared/data/splats/ply/donut_sh0.ply', import.meta.url).pathname;
    scene = existsSync(shared) ? shared : new URL('../assets/donut_sh0.ply', import.meta.url).pathname;
  }
  return {
    scene,
    counts: (values.counts ?? '0.1M,1M,4M').split(',').map(parseCount),
    width: integer('width', values.width, 1280, 1, 8192),
    height: integer('height', values.height, 720, 1, 8192),
    frames: integer('frames', values.frames, 3, 1, 1000),
    storage,
    json: values.json,
  };
}

interface CountResult {
  splats: number;
  copies: number;
  setupSeconds: number;
  /** Frames drawn before the first complete one (buffer growth). */
  warmupFrames: number;
  wallMs: { median: number; samples: number[] };
  /** Median GPU ms of each stage (its sub-passes summed) over the measured frames that were timed. */
  gpuMsByStage: Record<string, number>;
  /** Stages of the frame without a timestamp reading. */
  untimed: string[];
  /** Sum of the timed stages (a lower bound of the GPU time when some are untimed). */
  gpuMsTimed: number | null;
  visible: number;
  intersections: number;
  memoryBytes: number;
  sceneBytes: number;
  memoryByOwner: Record<string, number>;
  rssBytes: number;
  note: string | null;
}

const MB = 1024 * 1024;

async function main(): Promise<void> {
  const args = parseScalingArgs(process.argv.slice(2));
  Object.assign(globalThis, globals);
  // Keep the Dawn instance referenced for the whole run: if it is collected, the device dies with it.
  const dawn = create([]) as GPU;
  const context = await createGpuContext(dawn);
  const { device } = context;
  device.onuncapturederror = (event) => console.error(`WebGPU error: ${event.error.message}`);
  const memory = GpuMemory.of(device);
  const source = await loadSplatBytes(basename(args.scene), new Uint8Array(readFileSync(args.scene)));
  const texture = memory.createTexture({ label: 'benchScaling.target', size: [args.width, args.height], format: FRAME_TARGET_FORMAT, usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC });
  const target: FrameTarget = { texture, view: texture.createView(), width: args.width, height: args.height };
  const timer = new GpuTimer(device, 1);
  const params = { ...defaultGaussians3dMethodParams(), storage: args.storage };
  const results: CountResult[] = [];
  console.error(`${context.adapterInfo.vendor} ${context.adapterInfo.architecture} ${context.adapterInfo.description}; ${basename(args.scene)} (${source.count} splats, SH ${source.shDegree}) tiled; ${args.width}x${args.height}; storage ${args.storage}`);

  for (const count of args.counts) {
    const cloud = tileToCount(source, count);
    const bounds = splatBounds(cloud);
    const view = viewFramingBounds(bounds.center, bounds.radius, [0, -1, 0]);
    const camera = cameraFromView(view, args.width, args.height, bounds.radius * 1e-4, bounds.radius * 100);
    const frame = { camera, time: 0, background: [0, 0, 0] as [number, number, number] };
    const setupStart = performance.now();
    const renderer = new Gaussians3dRenderer(device, cloud, { storage: args.storage });
    await device.queue.onSubmittedWorkDone();
    const setupSeconds = (performance.now() - setupStart) / 1000;
    const drawFrame = async (): Promise<{ ms: number; complete: boolean }> => {
      const start = performance.now();
      const encoder = device.createCommandEncoder();
      timer.beginFrame();
      renderer.encode(encoder, target, frame, params, timer);
      timer.resolve(encoder);
      device.queue.submit([encoder.finish()]);
      timer.collect();
      renderer.afterSubmit();
      await device.queue.onSubmittedWorkDone();
      const ms = performance.now() - start;
      return { ms, complete: await renderer.lastFrameComplete() };
    };
    let warmupFrames = 0;
    for (let complete = false; !complete && warmupFrames < 8; warmupFrames++) {
      ({ complete } = await drawFrame());
      console.error(`  ${count} splats: warm-up frame ${warmupFrames + 1} drawn (${complete ? 'complete' : 'buffers grew'})`);
    }
    const samples: number[] = [];
    const passSamples = new Map<string, number[]>();
    for (let i = 0; i < args.frames; i++) {
      const read = timer.framesRead;
      samples.push((await drawFrame()).ms);
      // The timestamps of this frame land after a map; wait a little for them.
      for (let t = 0; t < 200 && timer.framesRead === read; t++) await new Promise((r) => setTimeout(r, 5));
      if (timer.framesRead > read) {
        const stages = new Map<string, number>();
        for (const [name, ms] of timer.msByPass) stages.set(name.split('.')[0]!, (stages.get(name.split('.')[0]!) ?? 0) + ms);
        for (const [stage, ms] of stages) passSamples.set(stage, [...(passSamples.get(stage) ?? []), ms]);
      }
      console.error(`  ${count} splats: frame ${i + 1}/${args.frames} ${samples.at(-1)!.toFixed(0)} ms`);
    }
    const gpuMsByStage = Object.fromEntries([...passSamples].map(([name, ms]) => [name, median(ms)]));
    const timedTotal = Object.values(gpuMsByStage).reduce((a, b) => a + b, 0);
    const counts = renderer.lastCounts!;
    results.push({
      splats: count,
      copies: Math.ceil(count / source.count),
      setupSeconds,
      warmupFrames,
      wallMs: { median: median(samples), samples },
      gpuMsByStage,
      untimed: renderer.passNames.filter((name) => !(name in gpuMsByStage)),
      gpuMsTimed: passSamples.size ? timedTotal : null,
      visible: counts.visible,
      intersections: counts.intersections,
      memoryBytes: memory.totalBytes,
      sceneBytes: renderer.sceneStorage!.bytes,
      memoryByOwner: Object.fromEntries(memory.byOwner().map(([owner, t]) => [owner, t.bytes])),
      rssBytes: process.memoryUsage().rss,
      note: renderer.limitNote,
    });
    renderer.destroy();
  }
  timer.destroy();
  memory.release(texture);

  const rows = results.map((r) => {
    const stages = Object.entries(r.gpuMsByStage).map(([name, ms]) => `${name} ${ms.toFixed(0)}`);
    if (r.untimed.length) stages.push(`untimed: ${r.untimed.join(', ')}`);
    return [
      r.splats.toLocaleString('en-US'),
      r.setupSeconds.toFixed(1),
      r.wallMs.median.toFixed(0),
      r.gpuMsTimed === null ? 'n/a' : r.gpuMsTimed.toFixed(0),
      r.visible.toLocaleString('en-US'),
      r.intersections.toLocaleString('en-US'),
      (r.memoryBytes / MB).toFixed(0),
      (r.sceneBytes / MB).toFixed(0),
      (r.rssBytes / MB).toFixed(0),
      stages.join(', '),
    ];
  });
  const header = ['splats', 'setup s', 'frame ms', 'timed GPU ms', 'visible', 'intersections', 'GPU MB', 'scene MB', 'RSS MB', 'GPU ms by stage'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  console.error([header, ...rows].map((row) => row.map((cell, c) => cell.padStart(widths[c]!)).join('  ')).join('\n'));
  for (const r of results) if (r.note) console.error(`note at ${r.splats} splats: ${r.note}`);

  const report = JSON.stringify(
    { date: new Date().toISOString(), adapter: context.adapterInfo, scene: basename(args.scene), width: args.width, height: args.height, storage: args.storage, results },
    null,
    2,
  );
  if (args.json) writeFileSync(args.json, report);
  else console.log(report);
  device.destroy();
  void dawn;
}

main().catch((error: Error) => {
  console.error(error instanceof UsageError ? error.message : `bench:scaling failed: ${error.message}`);
  process.exit(1);
});
