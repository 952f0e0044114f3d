/**
 * `npm run bench:gaussianImage -- [--sizes 1000,5000,...] [--frames N] [--fit-scale F]
 * [--fit-gaussians N] [--fit-steps K] [--target-psnr dB] [--skip-fit] [--sum-variants auto,perPixel,direct]
 * [--json out.json]`
 *
 * GaussianImage on the GPU through Dawn in Node (SwiftShader without a GPU), as JSON next to the
 * paper's numbers:
 * - decode: GPU milliseconds per decode at 768×512 (timestamp queries, per pass, median of the
 *   measured frames) and wall milliseconds per decode (submit to completion), for 1k–70k Gaussians
 *   laid over kodim03 by the content-adaptive initialisation (centres where the image changes,
 *   sizes that tile the image, as a fitted GaussianImage has), plus the bundled fitted asset; per
 *   rasterize_sum loop structure in --sum-variants (default 'auto', which tunes before measuring),
 *   measured interleaved so machine load hits them alike;
 * - fit: wall time until a fit of kodim03 first reports the target PSNR.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { create, globals } from 'webgpu';
import { createGpuContext } from '../src/gpu/context';
import { GpuTimer } from '../src/gpu/timing';
import type { GaussianCloud2d } from '../src/methods/gaussianImage/cloud2d';
import { decodeToCloud, readGimg } from '../src/methods/gaussianImage/codec';
import { countIntersections, DECODER_PASS_NAMES, GaussianImageDecoder } from '../src/methods/gaussianImage/decoder';
import { GaussianImageFitter } from '../src/methods/gaussianImage/fitter';
import { downsampleImage } from '../src/methods/gaussianImage/imageData';
import { initialCloud } from '../src/methods/gaussianImage/init';
import type { SumVariant } from '../src/methods/gaussianImage/passes/rasterizePass';
import { readImageFile } from './lib/imageFile';

const KODIM03 = resolve(__dirname, '../../shared/data/images/kodak/kodim03.png');
const ASSET = resolve(__dirname, '../assets/kodim03.gimg');

const PAPER = {
  source: 'Zhang et al., GaussianImage, ECCV 2024 (arXiv 2403.08551) abstract and repository README; see ../shared/docs/gaussians.md §3.6',
  renderFps: '1500-2000 at Kodak 768x512 "regardless of parameter size"',
  decodeFps: 'about 1000 (codec with entropy coding, arXiv v1); about 2000 without entropy coding (README 2024-07-08)',
  kodakPsnrAtDecodeTimes: 'about 31.1 / 34.4 / 37.4 / 44.1 dB at 0.4-0.5 ms per image (repository plot img/kodak_representation.png)',
  fitting: '5x faster fitting than INRs (WIRE, I-NGP) per the abstract; per-image seconds and the GPU are in Table 1 (not verified here)',
};

const SUM_VARIANTS: ReadonlyArray<SumVariant | 'auto'> = ['auto', 'perPixel', 'direct'];
/** Frames an 'auto' decoder may take to settle its rasterize_sum variant before measuring. */
const MAX_TUNING_FRAMES = 40;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : NaN;
}

/** One decode of `decoder` timed by `timer`; returns the wall milliseconds from submit to completion. */
async function decodeFrame(device: GPUDevice, decoder: GaussianImageDecoder, timer: GpuTimer): Promise<number> {
  timer.beginFrame();
  const encoder = device.createCommandEncoder({ label: 'bench.decode' });
  decoder.encode(encoder, 'sum', timer);
  timer.resolve(encoder);
  const started = performance.now();
  device.queue.submit([encoder.finish()]);
  timer.collect();
  decoder.afterSubmit();
  await device.queue.onSubmittedWorkDone();
  const wall = performance.now() - started;
  // The timestamps are mapped asynchronously; give the map a moment to land.
  const before = timer.framesRead;
  for (let i = 0; i < 100 && timer.framesRead === before; i++) await new Promise((r) => setTimeout(r, 5));
  return wall;
}

/** Decodes `cloud` with each rasterize_sum variant, frame i of every variant before frame i + 1 of any. */
async function benchDecode(device: GPUDevice, name: string, cloud: GaussianCloud2d, frames: number, variants: Array<SumVariant | 'auto'>) {
  const runs = variants.map((variant) => ({
    variant,
    decoder: GaussianImageDecoder.fromCloud(device, cloud, undefined, variant),
    timer: new GpuTimer(device, 1),
    gpuMs: [] as number[],
    wallMs: [] as number[],
    perPass: new Map<string, number[]>(),
  }));
  try {
    // Warm-up: pipeline creation, first-use allocations, and 'auto' tuning (whose sample frames
    // time the rasterize pass with the tuner's own timer, so they must not be measured).
    for (const run of runs) {
      for (let frame = 0; frame < 2 || (!run.decoder.sumVariant.decided && frame < MAX_TUNING_FRAMES); frame++) {
        await decodeFrame(device, run.decoder, run.timer);
      }
    }
    for (let frame = 0; frame < frames; frame++) {
      for (const run of runs) {
        run.wallMs.push(await decodeFrame(device, run.decoder, run.timer));
        let total = 0;
        for (const [pass, ms] of run.timer.msByPass) {
          total += ms;
          run.perPass.set(pass, [...(run.perPass.get(pass) ?? []), ms]);
        }
        run.gpuMs.push(total);
      }
    }
    const results = [];
    for (const run of runs) {
      const complete = await run.decoder.lastFrameComplete();
      const gpu = median(run.gpuMs);
      results.push({
        name,
        sumVariant: run.variant,
        ran: run.decoder.sumVariant.variant,
        gaussians: cloud.count,
        width: cloud.width,
        height: cloud.height,
        intersections: run.decoder.lastCounts?.intersections ?? countIntersections(cloud),
        complete,
        gpuMsMedian: gpu,
        gpuFps: 1000 / gpu,
        wallMsMedian: median(run.wallMs),
        wallFps: 1000 / median(run.wallMs),
        gpuMsPerPass: Object.fromEntries([...run.perPass].map(([pass, values]) => [pass, median(values)])),
      });
    }
    return results;
  } finally {
    for (const run of runs) {
      run.decoder.destroy();
      run.timer.destroy();
    }
  }
}

function summary(result: Awaited<ReturnType<typeof benchDecode>>[number]): string {
  const rasterize = result.gpuMsPerPass['rasterize'];
  return (
    `${result.sumVariant}${result.sumVariant === 'auto' ? ` (ran ${result.ran})` : ''}: GPU ${result.gpuMsMedian.toFixed(2)} ms (${result.gpuFps.toFixed(1)} FPS), ` +
    `rasterize ${rasterize?.toFixed(2)} ms, wall ${result.wallMsMedian.toFixed(1)} ms, ${result.intersections} intersections`
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      sizes: { type: 'string', default: '1000,5000,10000,30000,70000' },
      frames: { type: 'string', default: '5' },
      'fit-scale': { type: 'string', default: '2' },
      'fit-gaussians': { type: 'string', default: '2000' },
      'fit-steps': { type: 'string', default: '600' },
      'target-psnr': { type: 'string', default: '28' },
      'skip-fit': { type: 'boolean', default: false },
      'sum-variants': { type: 'string', default: 'auto' },
      json: { type: 'string' },
    },
  });
  const sizes = values.sizes!.split(',').map(Number);
  const frames = Number(values.frames);
  if (!sizes.every((n) => Number.isInteger(n) && n > 0) || !(frames > 0)) throw new Error('--sizes must be positive integers and --frames positive');
  const variants = values['sum-variants']!.split(',') as Array<SumVariant | 'auto'>;
  if (!variants.every((v) => SUM_VARIANTS.includes(v))) throw new Error(`--sum-variants takes a list of ${SUM_VARIANTS.join(', ')}`);

  Object.assign(globalThis, globals);
  // Keep the GPU object referenced: if it is collected, Dawn tears down under the device.
  const gpu = create([]) as GPU;
  const { device, adapterInfo } = await createGpuContext(gpu);
  device.onuncapturederror = (event) => console.error(`WebGPU error: ${event.error.message}`);
  const kodim03 = await readImageFile(KODIM03);

  const decode = [];
  for (const n of sizes) {
    for (const result of await benchDecode(device, `kodim03 content-adaptive ${n}`, initialCloud(kodim03, n, 'image', 1), frames, variants)) {
      console.error(`decode ${n} Gaussians, ${summary(result)}`);
      decode.push(result);
    }
  }
  if (existsSync(ASSET)) {
    const cloud = decodeToCloud(readGimg(new Uint8Array(readFileSync(ASSET)), ASSET));
    for (const result of await benchDecode(device, 'assets/kodim03.gimg (fitted)', cloud, frames, variants)) {
      console.error(`decode the bundled fit (${cloud.count} Gaussians), ${summary(result)}`);
      decode.push(result);
    }
  }

  let fit = null;
  if (!values['skip-fit']) {
    const scale = Number(values['fit-scale']);
    const target = scale > 1 ? downsampleImage(kodim03, scale) : kodim03;
    const targetPsnr = Number(values['target-psnr']);
    const fitter = new GaussianImageFitter(device, target, {
      gaussians: Number(values['fit-gaussians']),
      iterations: Number(values['fit-steps']),
      reportEvery: 10,
    });
    let reached: { step: number; seconds: number; psnr: number } | null = null;
    fitter.onProgress = (p) => {
      if (!reached && p.psnr >= targetPsnr) {
        reached = { step: p.step, seconds: p.elapsedMs / 1000, psnr: p.psnr };
        void fitter.stop();
      }
    };
    await fitter.run();
    const last = fitter.lastProgress!;
    fit = {
      image: `kodim03 at 1/${scale}: ${target.width}x${target.height}`,
      gaussians: fitter.gaussianCount,
      targetPsnr,
      reached,
      stepsRun: fitter.step,
      lastPsnr: last.psnr,
      seconds: fitter.elapsed / 1000,
      stepsPerSecond: fitter.step / (fitter.elapsed / 1000),
    };
    console.error(reached ? `fit reached ${targetPsnr} dB at step ${(reached as { step: number }).step}` : `fit did not reach ${targetPsnr} dB (${last.psnr.toFixed(2)} dB after ${fitter.step} steps)`);
    fitter.destroy();
  }

  const report = { adapter: adapterInfo, decoderPasses: DECODER_PASS_NAMES, decode, fit, paper: PAPER };
  const json = JSON.stringify(report, null, 2);
  if (values.json) writeFileSync(values.json, json);
  console.log(json);
  device.destroy();
}

main().catch((error: Error) => {
  console.error(`benchGaussianImage failed: ${error.message}`);
  process.exit(1);
});
