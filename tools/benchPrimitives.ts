/**
 * `npm run bench:primitives`: throughput of the GPU primitives (each sort back-end, both prefix scans) at
 * 2^min..2^max elements, next to CPU baselines measured in the same run, with the adapter info.
 * JSON goes to stdout (or --json), a readable table to stderr.
 *
 * Each measurement: one unmeasured warm-up run whose result is checked against the CPU reference
 * (a wrong primitive gets no number), then --reps runs; the median is reported. GPU time is the sum
 * of the primitive's timed passes (timestamp queries) when the adapter has them, else wall time
 * from submit to onSubmittedWorkDone; `timing` in the JSON says which.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { create, globals } from 'webgpu';
import { createGpuContext } from '../src/gpu/context';
import { readBuffer } from '../src/gpu/readback';
import { GpuTimer } from '../src/gpu/timing';
import { onesweepSupported } from '../src/primitives/onesweepSort';
import { RadixSort } from '../src/primitives/radixSort';
import { PrefixScan } from '../src/primitives/scan';
import { SerialScan } from '../src/primitives/serialScan';
import { cpuPrefixSum, cpuRadixSortPairs } from '../src/primitives/reference';
import type { SortBackendName } from '../src/primitives/sortBackend';
import { median } from './lib/benchStats';
import { UsageError } from './lib/cliArgs';

const USAGE = `usage: npm run bench:primitives -- [options]
  --min-log2 N     smallest size 2^N (default 10)
  --max-log2 N     largest size 2^N (default 22, at most 28)
  --step N         log2 step between sizes (default 2)
  --reps N         measured runs per primitive and size, after one checked warm-up (default 5)
  --bits B         key bits the sorts compare, 1..32 (default 32)
  --json out.json  write the JSON there instead of stdout`;

interface Args {
  minLog2: number;
  maxLog2: number;
  step: number;
  reps: number;
  bits: number;
  json?: string;
}

function parseBenchPrimitivesArgs(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      'min-log2': { type: 'string' },
      'max-log2': { type: 'string' },
      step: { type: 'string' },
      reps: { type: 'string' },
      bits: { type: 'string' },
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
  const args: Args = {
    minLog2: integer('min-log2', values['min-log2'], 10, 0, 28),
    maxLog2: integer('max-log2', values['max-log2'], 22, 0, 28),
    step: integer('step', values.step, 2, 1, 28),
    reps: integer('reps', values.reps, 5, 1, 1000),
    bits: integer('bits', values.bits, 32, 1, 32),
    json: values.json,
  };
  if (args.minLog2 > args.maxLog2) throw new UsageError(`--min-log2 (${args.minLog2}) is above --max-log2 (${args.maxLog2})\n${USAGE}`);
  return args;
}

/** A measured primitive at one size: median milliseconds and elements per second, or why not. */
type Measurement = { medianMs: number; elementsPerSecond: number; samplesMs: number[] } | { skipped: string };

interface SizeResult {
  n: number;
  sort: Record<SortBackendName, Measurement>;
  scan: Measurement;
  serialScan: Measurement;
  cpu: { typedArraySort: Measurement; jsRadixSortPairs: Measurement; jsPrefixSum: Measurement };
}

function measurement(n: number, samplesMs: number[]): Measurement {
  const medianMs = median(samplesMs);
  return { medianMs, elementsPerSecond: n / (medianMs / 1000), samplesMs };
}

function randomKeys(n: number, seed: number): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s >>>= 0;
  }
  return out;
}

function sameWords(a: Uint32Array, b: Uint32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

class Bench {
  private readonly timer: GpuTimer;
  /** Names of the passes that asked for timestamps in the current run. */
  private readonly timedPasses = new Set<string>();

  constructor(private readonly device: GPUDevice) {
    // Smoothing 1: msByPass holds the last frame's times.
    this.timer = new GpuTimer(this.device, 1);
    const passTimestamps = this.timer.passTimestamps.bind(this.timer);
    this.timer.passTimestamps = (name) => {
      this.timedPasses.add(name);
      return passTimestamps(name);
    };
  }

  get timing(): string {
    return this.timer.enabled
      ? 'gpu-timestamps (sum of the primitive’s passes; wall time for a run where a pass went untimed)'
      : 'wall (submit to onSubmittedWorkDone)';
  }

  /**
   * Runs `record` once unmeasured, checks the result with `check`, then `reps` measured times.
   * `reset` restores the input before every run (not measured).
   */
  async measure(
    n: number,
    reps: number,
    reset: () => void,
    record: (encoder: GPUCommandEncoder, timer?: GpuTimer) => void,
    check: () => Promise<string | null>,
  ): Promise<Measurement> {
    reset();
    await this.run(record);
    const problem = await check();
    if (problem) return { skipped: `wrong result: ${problem}` };
    const samples: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      reset();
      samples.push(await this.run(record));
    }
    return measurement(n, samples);
  }

  destroy(): void {
    this.timer.destroy();
  }

  /** One submit; the GPU ms of its timed passes when all were timed, else wall ms. */
  private async run(record: (encoder: GPUCommandEncoder, timer?: GpuTimer) => void): Promise<number> {
    await this.device.queue.onSubmittedWorkDone();
    const timer = this.timer.enabled ? this.timer : undefined;
    timer?.msByPass.clear();
    this.timedPasses.clear();
    timer?.beginFrame();
    const encoder = this.device.createCommandEncoder({ label: 'benchPrimitives.encoder' });
    record(encoder, timer);
    timer?.resolve(encoder);
    const start = performance.now();
    this.device.queue.submit([encoder.finish()]);
    timer?.collect();
    await this.device.queue.onSubmittedWorkDone();
    const wallMs = performance.now() - start;
    if (!timer) return wallMs;
    const framesBefore = timer.framesRead;
    for (let i = 0; i < 1000 && timer.framesRead === framesBefore; i++) await new Promise((r) => setTimeout(r, 2));
    // GpuTimer drops implausible intervals (over 10 s, or negative) and passes beyond its slots;
    // unless every pass of the run was timed, the wall time is all we have.
    const names = [...this.timedPasses];
    if (timer.framesRead === framesBefore || names.length === 0 || !names.every((name) => timer.msByPass.has(name))) return wallMs;
    return names.reduce((sum, name) => sum + timer.msByPass.get(name)!, 0);
  }
}

async function benchSize(bench: Bench, device: GPUDevice, n: number, args: Args): Promise<SizeResult> {
  const keys = randomKeys(n, n);
  const values = Uint32Array.from({ length: n }, (_, i) => i);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const keyBuffer = device.createBuffer({ label: 'benchPrimitives.keys', size: n * 4, usage });
  const valueBuffer = device.createBuffer({ label: 'benchPrimitives.values', size: n * 4, usage });
  const reset = () => {
    device.queue.writeBuffer(keyBuffer, 0, keys);
    device.queue.writeBuffer(valueBuffer, 0, values);
    // Flush the uploads now, so a wall-time measurement does not include them.
    device.queue.submit([]);
  };
  const expected = cpuRadixSortPairs(keys, values, args.bits);

  const sort = {} as Record<SortBackendName, Measurement>;
  for (const backend of ['portable', 'onesweep', 'serial'] as const) {
    if (backend === 'onesweep' && !onesweepSupported(device)) {
      sort[backend] = { skipped: 'onesweepSupported(device) is false on this adapter' };
      continue;
    }
    let sorter: RadixSort;
    try {
      sorter = new RadixSort(device, { label: `bench.${backend}`, maxCount: n, backend });
    } catch (error) {
      sort[backend] = { skipped: `constructor failed: ${(error as Error).message}` };
      continue;
    }
    sorter.setInputs(keyBuffer, valueBuffer, n);
    sort[backend] = await bench.measure(n, args.reps, reset, (e, t) => sorter.encode(e, args.bits, t), async () => {
      const gotKeys = new Uint32Array(await readBuffer(device, keyBuffer));
      const gotValues = new Uint32Array(await readBuffer(device, valueBuffer));
      const at = Math.max(sameWords(gotKeys, expected.keys), sameWords(gotValues, expected.values));
      return at < 0 ? null : `first mismatch near index ${at}`;
    });
    sorter.destroy();
  }

  const expectedScan = cpuPrefixSum(keys);
  const measureScan = async (scanner: PrefixScan | SerialScan) => {
    scanner.setInputs(keyBuffer, valueBuffer, n);
    const result = await bench.measure(n, args.reps, reset, (e, t) => scanner.encode(e, t), async () => {
      const at = sameWords(new Uint32Array(await readBuffer(device, valueBuffer)), expectedScan);
      return at < 0 ? null : `first mismatch at index ${at}`;
    });
    scanner.destroy();
    return result;
  };
  const scan = await measureScan(new PrefixScan(device, { label: 'bench.scan', maxCount: n }));
  const serialScan = await measureScan(new SerialScan(device, { label: 'bench.serialScan', maxCount: n }));
  keyBuffer.destroy();
  valueBuffer.destroy();

  const cpuSamples = (work: () => void): number[] =>
    Array.from({ length: args.reps }, () => {
      const start = performance.now();
      work();
      return performance.now() - start;
    });
  return {
    n,
    sort,
    scan,
    serialScan,
    cpu: {
      typedArraySort: measurement(n, cpuSamples(() => keys.slice().sort())),
      jsRadixSortPairs: measurement(n, cpuSamples(() => cpuRadixSortPairs(keys, values, args.bits))),
      jsPrefixSum: measurement(n, cpuSamples(() => cpuPrefixSum(keys))),
    },
  };
}

function rate(m: Measurement): string {
  return 'skipped' in m ? 'skipped' : `${(m.elementsPerSecond / 1e6).toFixed(1)}`;
}

function printTable(results: SizeResult[], header: string): void {
  const columns = ['n', 'portable', 'onesweep', 'serial', 'scan', 'serial scan', 'CPU TypedArray.sort', 'CPU JS radix (kv)', 'CPU JS scan'];
  const rows = results.map((r) => [
    String(r.n),
    rate(r.sort.portable),
    rate(r.sort.onesweep),
    rate(r.sort.serial),
    rate(r.scan),
    rate(r.serialScan),
    rate(r.cpu.typedArraySort),
    rate(r.cpu.jsRadixSortPairs),
    rate(r.cpu.jsPrefixSum),
  ]);
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join(' | ');
  const lines = [header, 'millions of elements per second (median)', line(columns), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)];
  for (const r of results) {
    for (const [name, m] of [...Object.entries(r.sort), ['scan', r.scan] as const, ['serial scan', r.serialScan] as const]) {
      if ('skipped' in m) lines.push(`n=${r.n} ${name}: ${m.skipped}`);
    }
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const args = parseBenchPrimitivesArgs(process.argv.slice(2));
  Object.assign(globalThis, globals);
  // Keep the Dawn instance referenced for the whole run: if it is collected, the device dies with it.
  const dawn = create([]) as GPU;
  const context = await createGpuContext(dawn);
  const { device } = context;
  device.onuncapturederror = (event) => process.stderr.write(`WebGPU error: ${event.error.message}\n`);
  const bench = new Bench(device);
  const results: SizeResult[] = [];
  try {
    for (let log2 = args.minLog2; log2 <= args.maxLog2; log2 += args.step) {
      process.stderr.write(`n = 2^${log2} ...\n`);
      results.push(await benchSize(bench, device, 2 ** log2, args));
    }
  } finally {
    bench.destroy();
    await device.queue.onSubmittedWorkDone();
  }
  const adapter = context.adapterInfo;
  const report = {
    tool: 'benchPrimitives',
    date: new Date().toISOString(),
    adapter,
    features: context.features,
    timing: bench.timing,
    note: adapter.isFallbackAdapter || /swiftshader/i.test(`${adapter.vendor} ${adapter.description}`)
      ? 'software adapter (CPU): GPU numbers say nothing about real GPUs'
      : undefined,
    bits: args.bits,
    reps: args.reps,
    units: 'medianMs per run; elementsPerSecond = n / median seconds',
    results,
  };
  const json = JSON.stringify(report, null, 2);
  if (args.json) writeFileSync(args.json, `${json}\n`);
  else process.stdout.write(`${json}\n`);
  printTable(results, `adapter: ${adapter.vendor} ${adapter.architecture} (${adapter.description}); timing: ${bench.timing}; ${args.bits}-bit keys`);
  device.destroy();
  void dawn;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof UsageError ? error.message : (error as Error).stack ?? String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
