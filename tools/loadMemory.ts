/**
 * Peak memory of opening a big .ply: does the streaming load hold two copies of the scene?
 *
 *   node tools/gpuEnv.mjs vite-node tools/loadMemory.ts -- make big.ply [--mb 500] [--scene x.ply]
 *   node tools/gpuEnv.mjs vite-node tools/loadMemory.ts -- measure big.ply [--storage full|compact]
 *
 * `make` tiles a real scene (default the donut) into an INRIA .ply of about --mb megabytes.
 * `measure` (run it in a fresh process) streams the file through loadSplatScene exactly as the
 * viewer does (a ReadableStream of the file, its size known), then uploads the cloud with the 3DGS
 * renderer (Node/Dawn), and prints per phase the peak resident set (VmHWM, reset between phases
 * through /proc/self/clear_refs), the ArrayBuffer bytes held afterwards, the cloud's own bytes and
 * the tracked GPU bytes. On SwiftShader GPU buffers live in this process, so the upload phase's RSS
 * includes them.
 */
import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { create, globals } from 'webgpu';
import { inriaPlyChunks, inriaPropertyNames } from '../src/formats/writers';
import { createGpuContext } from '../src/gpu/context';
import { GpuMemory } from '../src/gpu/memory';
import { loadSplatBytes, loadSplatScene } from '../src/methods/gaussians3d/load';
import { Gaussians3dRenderer } from '../src/methods/gaussians3d/renderer';
import type { SplatCloud } from '../src/methods/gaussians3d/splatCloud';
import { UsageError } from './lib/cliArgs';
import { tileToCount } from './lib/tileScene';

const USAGE = `usage: node tools/gpuEnv.mjs vite-node tools/loadMemory.ts -- make <out.ply> [--mb 500] [--scene in.ply]
       node tools/gpuEnv.mjs vite-node tools/loadMemory.ts -- measure <file.ply> [--storage full|compact]`;

const MB = 1024 * 1024;

/** Peak resident set since the last reset, in bytes (Linux /proc). */
function peakRss(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** Starts a new peak: VmHWM drops to the current resident set. */
function resetPeak(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

function cloudBytes(cloud: SplatCloud): number {
  return cloud.positions.byteLength + cloud.scales.byteLength + cloud.rotations.byteLength + cloud.opacities.byteLength + cloud.sh.byteLength;
}

async function make(out: string, megabytes: number, scenePath: string): Promise<void> {
  const source = await loadSplatBytes(basename(scenePath), new Uint8Array(readFileSync(scenePath)));
  const recordBytes = 4 * inriaPropertyNames(source.shDegree).length;
  const cloud = tileToCount(source, Math.floor((megabytes * MB) / recordBytes));
  const file = await open(out, 'w');
  let bytes = 0;
  for (const chunk of inriaPlyChunks(cloud)) {
    await file.write(chunk);
    bytes += chunk.byteLength;
  }
  await file.close();
  console.log(`wrote ${out}: ${cloud.count} splats (${source.count}-splat ${basename(scenePath)} tiled), ${(bytes / MB).toFixed(0)} MB`);
}

async function measure(path: string, storage: 'full' | 'compact'): Promise<void> {
  const size = statSync(path).size;
  const line = (phase: string, extra: string) => console.log(`${phase.padEnd(24)} ${extra}`);
  const memoryLine = () => {
    const m = process.memoryUsage();
    return `RSS now ${(m.rss / MB).toFixed(0)} MB, ArrayBuffers ${(m.arrayBuffers / MB).toFixed(0)} MB, JS heap ${(m.heapUsed / MB).toFixed(0)} MB`;
  };
  line('file', `${basename(path)}: ${(size / MB).toFixed(0)} MB`);
  line('before', memoryLine());

  resetPeak();
  let start = performance.now();
  const stream = Readable.toWeb(createReadStream(path, { highWaterMark: 4 * MB })) as ReadableStream<Uint8Array>;
  const cloud = await loadSplatScene({ name: basename(path), size, stream });
  line('streamed load', `${((performance.now() - start) / 1000).toFixed(1)} s, peak RSS ${(peakRss() / MB).toFixed(0)} MB; cloud ${cloud.count} splats = ${(cloudBytes(cloud) / MB).toFixed(0)} MB; ${memoryLine()}`);

  Object.assign(globalThis, globals);
  // Keep the Dawn instance referenced for the whole run: if it is collected, the device dies with it.
  const dawn = create([]) as GPU;
  const { device } = await createGpuContext(dawn);
  const memory = GpuMemory.of(device);
  resetPeak();
  start = performance.now();
  const renderer = new Gaussians3dRenderer(device, cloud, { storage });
  await device.queue.onSubmittedWorkDone();
  line(
    `GPU upload (${storage})`,
    `${((performance.now() - start) / 1000).toFixed(1)} s, peak RSS ${(peakRss() / MB).toFixed(0)} MB; tracked GPU ${(memory.totalBytes / MB).toFixed(0)} MB ` +
      `(scene ${(renderer.sceneStorage!.bytes / MB).toFixed(0)} MB); ${memoryLine()}`,
  );
  renderer.destroy();
  device.destroy();
  void dawn;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: { mb: { type: 'string' }, scene: { type: 'string' }, storage: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const [command, path] = positionals;
  if (!path || positionals.length !== 2) throw new UsageError(USAGE);
  if (command === 'make') {
    const megabytes = Number(values.mb ?? 500);
    if (!(megabytes > 0)) throw new UsageError(`--mb must be a positive number\n${USAGE}`);
    await make(path, megabytes, values.scene ?? new URL('../assets/donut_sh0.ply', import.meta.url).pathname);
  } else if (command === 'measure') {
    const storage = values.storage ?? 'full';
    if (storage !== 'full' && storage !== 'compact') throw new UsageError(`--storage must be full or compact\n${USAGE}`);
    await measure(path, storage);
  } else throw new UsageError(USAGE);
}

main().catch((error: Error) => {
  console.error(error instanceof UsageError ? error.message : `loadMemory failed: ${error.message}`);
  process.exit(1);
});
