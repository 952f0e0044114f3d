/**
 * `npm run bench:gaussians3d -- [asset.ply ...] [--width W --height H --frames N --warmup N
 * --variant name:key=value,... --json out.json]`: the 3DGS renderer in Node (Dawn), GPU timestamps
 * per stage, with several renderer variants A/B in one process.
 *
 * Variants are measured interleaved (frame i of every variant before frame i + 1 of any), so machine
 * load drifts hit them alike; each reports the median of its frames per stage. Every variant's image
 * is compared with the first variant's (max level difference), so a faster variant that draws
 * something else shows at once. A variant sets renderer params (`sortBackend=portable`) or renderer
 * options (`rasterizeVariant=direct`); without --variant one default variant runs. Stages left on
 * 'auto' time their candidates on the first frames: give enough --warmup frames (5 or more).
 *
 * The camera is the viewer's default for the scene (viewFramingBounds of the splat bounds, the
 * scene's up: +z for the donut as in scenes/donut.json, else −y), i.e. the one `bench:peers` uses.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { create, globals } from 'webgpu';
import type { Vec3 } from '../src/camera/camera';
import { createGpuContext } from '../src/gpu/context';
import { GpuMemory } from '../src/gpu/memory';
import { readTextureRgba8 } from '../src/gpu/readback';
import { GpuTimer } from '../src/gpu/timing';
import { splatBounds } from '../src/methods/gaussians3d';
import { loadSplatBytes } from '../src/methods/gaussians3d/load';
import { defaultGaussians3dParams, type Gaussians3dParams } from '../src/methods/gaussians3d/params';
import { Gaussians3dRenderer, type Gaussians3dRendererOptions } from '../src/methods/gaussians3d/renderer';
import { FRAME_TARGET_FORMAT, type FrameTarget } from '../src/methods/types';
import { cameraFromView, viewFramingBounds } from '../src/viewer/view';
import { median } from './lib/benchStats';
import { UsageError } from './lib/cliArgs';

const DEFAULT_SCENES = ['assets/donut_sh0.ply', '../shared/data/splats/ply/fruit_drops_sh3.ply'];

const USAGE = `usage: npm run bench:gaussians3d -- [asset.ply ...] [options]
  (default scenes: ${DEFAULT_SCENES.join(', ')})
  --width W --height H          image size (default 320x180)
  --frames N                    measured frames per variant (default 5)
  --warmup N                    unmeasured frames per variant first (default 2)
  --variant name:key=value,...  a renderer variant (repeatable); keys are Gaussians3dParams
                                fields or Gaussians3dRendererOptions fields
  --detail                      per timed pass ('tileSort.binning0'), not per stage
  --json out.json               write every sample there`;

interface Variant {
  name: string;
  params: Partial<Gaussians3dParams>;
  options: Gaussians3dRendererOptions;
}

const PARAM_KEYS = new Set(Object.keys(defaultGaussians3dParams()));

function parseVariant(text: string): Variant {
  const [name, spec = ''] = text.split(':', 2) as [string, string?];
  const variant: Variant = { name, params: {}, options: {} };
  for (const pair of spec.split(',').filter(Boolean)) {
    const [key, raw] = pair.split('=', 2) as [string, string?];
    if (raw === undefined) throw new UsageError(`--variant ${text}: '${pair}' is not key=value\n${USAGE}`);
    const value: unknown = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw === 'true' ? true : raw === 'false' ? false : raw;
    const target = (PARAM_KEYS.has(key) ? variant.params : variant.options) as Record<string, unknown>;
    target[key] = value;
  }
  return variant;
}

function parseBenchArgs(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    allowPositionals: true,
    options: {
      width: { type: 'string' },
      height: { type: 'string' },
      frames: { type: 'string' },
      warmup: { type: 'string' },
      variant: { type: 'string', multiple: true },
      json: { type: 'string' },
      detail: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) throw new UsageError(USAGE);
  const integer = (name: string, text: string | undefined, fallback: number, min: number) => {
    if (text === undefined) return fallback;
    const v = Number(text);
    if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${text}'\n${USAGE}`);
    return v;
  };
  return {
    scenes: positionals.length ? positionals : DEFAULT_SCENES,
    width: integer('width', values.width, 320, 1),
    height: integer('height', values.height, 180, 1),
    frames: integer('frames', values.frames, 5, 1),
    warmup: integer('warmup', values.warmup, 2, 0),
    variants: (values.variant ?? ['default:']).map(parseVariant),
    json: values.json,
    detail: values.detail ?? false,
  };
}

/** Stage of a timed pass name: 'tileSort.binning0' → 'tileSort'. */
const stageOf = (pass: string) => pass.split('.')[0]!;

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  Object.assign(globalThis, globals);
  const dawn = create([]) as GPU;
  const context = await createGpuContext(dawn);
  const { device } = context;
  device.onuncapturederror = (event) => {
    process.stderr.write(`WebGPU error: ${event.error.message}\n`);
    process.exit(1);
  };
  const memory = GpuMemory.of(device);
  const timer = new GpuTimer(device, 1);
  const report: unknown[] = [];

  for (const scenePath of args.scenes) {
    const cloud = await loadSplatBytes(basename(scenePath), new Uint8Array(readFileSync(resolve(scenePath))));
    const { center, radius } = splatBounds(cloud);
    const up: Vec3 = /donut/.test(scenePath) ? [0, 0, 1] : [0, -1, 0];
    const near = Math.max(1e-4, radius * 1e-4);
    const view = viewFramingBounds(center, radius, up);
    const camera = cameraFromView(view, args.width, args.height, near, Math.max(near * 10, view.distance + radius * 100));
    const runs = args.variants.map((variant) => {
      const texture = memory.createTexture({
        label: `bench.target.${variant.name}`,
        size: [args.width, args.height],
        format: FRAME_TARGET_FORMAT,
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC,
      });
      return {
        variant,
        renderer: new Gaussians3dRenderer(device, cloud, variant.options),
        params: { ...defaultGaussians3dParams(), ...variant.params },
        target: { texture, view: texture.createView(), width: args.width, height: args.height } as FrameTarget,
        samples: [] as Array<Record<string, number>>,
      };
    });
    for (let frame = 0; frame < args.warmup + args.frames; frame++) {
      for (const run of runs) {
        timer.msByPass.clear();
        timer.beginFrame();
        const encoder = device.createCommandEncoder();
        run.renderer.encode(encoder, run.target, { camera, time: 0, background: [0, 0, 0] }, run.params, timer);
        timer.resolve(encoder);
        device.queue.submit([encoder.finish()]);
        run.renderer.afterSubmit();
        timer.collect();
        const before = timer.framesRead;
        await device.queue.onSubmittedWorkDone();
        for (let i = 0; i < 1000 && timer.framesRead === before; i++) await new Promise((r) => setTimeout(r, 2));
        if (frame < args.warmup) continue;
        const stages: Record<string, number> = {};
        for (const [pass, ms] of timer.msByPass) {
          const key = args.detail ? pass : stageOf(pass);
          stages[key] = (stages[key] ?? 0) + ms;
        }
        run.samples.push(stages);
      }
    }
    const images = await Promise.all(runs.map((r) => readTextureRgba8(device, r.target.texture)));
    const lines = [`${basename(scenePath)} ${args.width}x${args.height}, ${args.frames} frames (GPU ms per stage: median/min); intersections ${runs[0]!.renderer.lastCounts?.intersections}`];
    const sceneReport: Record<string, unknown> = { scene: scenePath, width: args.width, height: args.height, variants: [] as unknown[] };
    runs.forEach((run, i) => {
      const stages = [...new Set(run.samples.flatMap((s) => Object.keys(s)))];
      const medians = Object.fromEntries(stages.map((s) => [s, median(run.samples.map((f) => f[s] ?? 0))]));
      const totals = run.samples.map((f) => Object.values(f).reduce((a, b) => a + b, 0));
      const total = median(totals);
      let maxDiff = 0;
      for (let p = 0; p < images[i]!.length; p++) maxDiff = Math.max(maxDiff, Math.abs(images[i]![p]! - images[0]![p]!));
      const chosen = run.renderer.implementations;
      lines.push(
        `  ${run.variant.name.padEnd(16)} total ${total.toFixed(1).padStart(8)} (min ${Math.min(...totals).toFixed(1)})  ` +
          stages.map((s) => `${s} ${medians[s]!.toFixed(1)}/${Math.min(...run.samples.map((f) => f[s] ?? 0)).toFixed(1)}`).join('  ') +
          `  | max diff vs ${runs[0]!.variant.name}: ${maxDiff} | ran ${chosen.rasterize}/${chosen.depthSort}/${chosen.tileSort}${chosen.tuned ? '' : ' (still tuning)'}`,
      );
      (sceneReport.variants as unknown[]).push({ ...run.variant, implementations: chosen, totalMs: total, stageMs: medians, samples: run.samples, maxDiffVsFirst: maxDiff });
    });
    process.stderr.write(`${lines.join('\n')}\n`);
    report.push(sceneReport);
    for (const run of runs) {
      run.renderer.destroy();
      memory.release(run.target.texture);
    }
  }
  timer.destroy();
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ adapter: context.adapterInfo, results: report }, null, 2)}\n`);
  await device.queue.onSubmittedWorkDone();
  device.destroy();
  void dawn;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof UsageError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
