/**
 * Fits a GaussianImage to a target image on the GPU. One training step is
 *
 *   project → scanTileCounts → emitIntersections → tileSort → tileRanges → rasterizeForward
 *   → rasterizeBackward → paramGradients → adam
 *
 * recorded into its own command buffer (the Adam uniforms of step t are written just before it is
 * submitted). The loss is read back without blocking every `reportEvery` steps, together with the
 * binning counters that drive the growth of the intersection buffers. Runs the same in Node (Dawn)
 * and in the browser; `run` yields to the event loop between chunks of steps so a page stays live.
 *
 * Recipe (../shared/docs/gaussians.md §3.4, §4): L2 loss, Adam, StepLR-style decay, optional
 * Image-GS content-adaptive initialisation and error-guided progressive addition. The reference
 * trains with Adan; an Adan kernel (sail-sg/Adan's update) was tried here and not kept: on kodim05
 * at 1/4 scale, 128×96, 500 Gaussians it reached 24.71 dB after 300 steps (best of three learning
 * rates) and 25.53 dB after 1000, against Adam's 25.03 and 25.80 dB, and ran slower per step.
 */
import { GpuMemory } from '../../gpu/memory';
import { readBuffer } from '../../gpu/readback';
import { GpuTimer } from '../../gpu/timing';
import { AsyncReadback } from './asyncReadback';
import { checkGaussianCount, checkImageSize, PARAMS_PER_GAUSSIAN, type GaussianCloud2d } from './cloud2d';
import { countIntersections } from './decoder';
import { ImageFrame, NO_TILE_ENTRY_CAP } from './frame';
import type { RgbImage } from './imageData';
import { psnrFromMse } from './imageData';
import { addByError, initialCloud, tilingSigma, type InitKind } from './init';
import { COUNTER_WORDS, Counter } from './layout';
import { AdamPass, type AdamSettings } from './passes/adamPass';
import { BackwardPass } from './passes/backwardPass';
import { ProjectPass } from './passes/projectPass';
import type { SumVariant } from './passes/rasterizePass';
import { TileBinning } from './passes/tileBinning';
import { TrainingForwardPass } from './passes/trainingForwardPass';

export interface ProgressiveOptions {
  /** Share of the Gaussians present at the start. @default 0.5 (Image-GS initial_ratio) */
  initialFraction: number;
  /** How many times Gaussians are added, evenly splitting the rest. @default 4 (add_times) */
  additions: number;
  /** Steps between additions. @default 500 (add_steps) */
  interval: number;
}

export interface FitOptions {
  /** Gaussians at the end of fitting. */
  gaussians: number;
  iterations: number;
  /** @default 'image' */
  init: InitKind;
  /** Or a cloud to continue from (its size must match the target; `gaussians` is then its count). */
  initialCloud?: GaussianCloud2d;
  /** Adam settings; learning rates per group. */
  adam: AdamSettings;
  /** Every `every` steps the learning rates are multiplied by `factor` (torch StepLR). */
  learningRateDecay: { every: number; factor: number };
  /** 256 reproduces the reference kernel's cap; NO_TILE_ENTRY_CAP sums every entry. */
  tileEntryCap: number;
  seed: number;
  /** Image-GS error-guided progressive addition; null fits all Gaussians from the start. */
  progressive: ProgressiveOptions | null;
  /** Steps between loss readbacks (progress callbacks). @default 25 */
  reportEvery: number;
  /** Time the GPU passes with timestamp queries (for benchmarks). @default false */
  timePasses: boolean;
  /** Tile intersections allocated at first. @default twice the initial cloud's, at least 4096 */
  intersectionCapacity?: number;
  /** The forward's loop structure (rasterize_sum.wgsl); 'auto' times both on the first steps. @default 'auto' */
  forwardVariant?: SumVariant | 'auto';
}

/**
 * Defaults tuned on a 128×96 Kodak crop (kodim05 at 1/4 scale, 500 Gaussians, 300 steps): these
 * rates reached 25.0 dB where 4× smaller ones reached 22.2 dB and 2× larger ones 24.6 dB. The
 * reference's 1e-3 everywhere (with Adan) is meant for 50 000 steps. The position rate is in
 * pixels per step, so it means the same at every image size.
 */
export function defaultFitOptions(gaussians: number, iterations: number): FitOptions {
  return {
    gaussians,
    iterations,
    init: 'image',
    adam: { learningRate: { position: 1, cholesky: 0.2, color: 0.08 }, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    learningRateDecay: { every: Math.max(1, Math.ceil((2 * iterations) / 3)), factor: 0.5 },
    tileEntryCap: NO_TILE_ENTRY_CAP,
    seed: 1,
    progressive: null,
    reportEvery: 25,
    timePasses: false,
  };
}

export interface FitProgress {
  /** Steps done. */
  step: number;
  iterations: number;
  gaussians: number;
  /** Mean squared error of the step's forward pass (before its update). */
  loss: number;
  psnr: number;
  /** Wall time spent fitting so far (pauses excluded). */
  elapsedMs: number;
  intersections: number;
  /** The step's intersections did not all fit (the buffers were grown afterwards). */
  overflow: boolean;
}

export type FitState = 'idle' | 'running' | 'stopped' | 'done';

/** Steps submitted before the loop waits for the GPU (bounds the queue and yields to the page). */
const STEPS_PER_CHUNK = 8;
const GROW_THRESHOLD = 0.9;
const GROW_HEADROOM = 1.5;

export class GaussianImageFitter {
  readonly width: number;
  readonly height: number;
  readonly options: FitOptions;
  /** Raw parameters, 8 floats per Gaussian, sized for the final count (STORAGE | COPY_SRC | COPY_DST). */
  params: GPUBuffer | null;
  step = 0;
  state: FitState = 'idle';
  /** Every progress report so far (the loss curve). */
  readonly history: FitProgress[] = [];
  onProgress: ((progress: FitProgress) => void) | null = null;
  /** GPU timings per pass when `timePasses` is on. */
  readonly timer: GpuTimer | null;

  private readonly memory: GpuMemory;
  private readonly frame: ImageFrame;
  private readonly target: RgbImage;
  private targetBuffer: GPUBuffer | null;
  private imageBuffer: GPUBuffer | null;
  private pixelGradBuffer: GPUBuffer | null;
  private tileLossBuffer: GPUBuffer | null;
  private readonly project: ProjectPass;
  private readonly binning: TileBinning;
  private readonly forward: TrainingForwardPass;
  private readonly backward: BackwardPass;
  private readonly adam: AdamPass;
  private readonly readback: AsyncReadback;
  private readonly additions: Array<{ step: number; count: number }> = [];
  private stopRequested = false;
  private running: Promise<void> | null = null;
  /** Fitting time of finished runs, plus the current run since `runStartedAt`. */
  private elapsedMs = 0;
  private runStartedAt = 0;
  private requestedCapacity = 0;
  private reports: Array<Promise<void>> = [];

  constructor(
    private readonly device: GPUDevice,
    target: RgbImage,
    options: Partial<FitOptions> & { gaussians: number; iterations: number },
  ) {
    checkImageSize(target.width, target.height, 'GaussianImageFitter');
    // Options given as undefined keep their defaults.
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    const fitOptions: FitOptions = { ...defaultFitOptions(options.gaussians, options.iterations), ...given };
    if (fitOptions.initialCloud) fitOptions.gaussians = fitOptions.initialCloud.count;
    checkGaussianCount(fitOptions.gaussians, 'GaussianImageFitter');
    if (!Number.isInteger(fitOptions.iterations) || fitOptions.iterations < 0) {
      throw new RangeError(`GaussianImageFitter: iterations must be a non-negative integer, got ${fitOptions.iterations}`);
    }
    this.options = fitOptions;
    this.memory = GpuMemory.of(device);
    this.width = target.width;
    this.height = target.height;
    this.target = target;
    this.timer = fitOptions.timePasses ? new GpuTimer(device, 0.05) : null;

    const maxGaussians = fitOptions.gaussians;
    const start = this.startingCloud();
    this.params = this.memory.createBuffer({
      label: 'GaussianImageFitter.params',
      size: maxGaussians * PARAMS_PER_GAUSSIAN * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(this.params, 0, start.params);

    const pixels = target.width * target.height;
    const pixelBuffer = (field: string, usage: number) => this.memory.createBuffer({ label: `GaussianImageFitter.${field}`, size: pixels * 16, usage: GPUBufferUsage.STORAGE | usage });
    this.targetBuffer = pixelBuffer('target', GPUBufferUsage.COPY_DST);
    const rgba = new Float32Array(pixels * 4);
    for (let i = 0; i < pixels; i++) rgba.set([target.data[i * 3]!, target.data[i * 3 + 1]!, target.data[i * 3 + 2]!, 1], i * 4);
    device.queue.writeBuffer(this.targetBuffer, 0, rgba);
    this.imageBuffer = pixelBuffer('image', GPUBufferUsage.COPY_SRC);
    this.pixelGradBuffer = pixelBuffer('pixelGrad', 0);

    this.frame = new ImageFrame(device, 'GaussianImageFitter', target.width, target.height);
    this.tileLossBuffer = this.memory.createBuffer({
      label: 'GaussianImageFitter.tileLoss',
      size: this.frame.tileCount * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    // Fitted Gaussians grow from their initial size; start with room for twice the initial count.
    const capacity = fitOptions.intersectionCapacity ?? Math.max(4096, 2 * countIntersections(start) + 1024);
    this.frame.intersectionCapacity = capacity;
    this.frame.tileEntryCap = fitOptions.tileEntryCap;
    this.project = new ProjectPass(device, this.frame, this.params, maxGaussians);
    this.binning = new TileBinning(device, this.frame, this.project, maxGaussians, capacity);
    this.forward = new TrainingForwardPass(device, this.frame, this.project, this.binning, {
      target: this.targetBuffer,
      image: this.imageBuffer,
      pixelGrad: this.pixelGradBuffer,
      tileLoss: this.tileLossBuffer,
    }, fitOptions.forwardVariant);
    this.backward = new BackwardPass(device, this.frame, this.project, this.binning, this.params, this.pixelGradBuffer, maxGaussians);
    this.adam = new AdamPass(device, this.params, this.backward.grads!, maxGaussians);
    const clear = device.createCommandEncoder({ label: 'GaussianImageFitter.clearMoments' });
    this.adam.resetMoments(clear, 0, maxGaussians);
    device.queue.submit([clear.finish()]);
    this.readback = new AsyncReadback(device, 'GaussianImageFitter.statsReadback', 4);
    this.setGaussianCount(start.count);
    this.planAdditions(start.count);
  }

  get gaussianCount(): number {
    return this.frame.gaussianCount;
  }

  get intersectionCapacity(): number {
    return this.binning.capacity;
  }

  get lastProgress(): FitProgress | null {
    return this.history.at(-1) ?? null;
  }

  /**
   * Fits until `options.iterations` steps are done or `stop()` is called; resolves when the GPU
   * work and the last progress report are complete. Calling it while running returns the same run.
   */
  run(): Promise<void> {
    if (!this.params) throw new Error('GaussianImageFitter.run after destroy');
    this.running ??= this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Asks a run to stop after the step in flight; resolves once it has. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.running;
  }

  /** Continues a stopped fit (same as run). */
  resume(): Promise<void> {
    return this.run();
  }

  /** Records and submits one training step (no readback, no waiting). For tests and benchmarks. */
  submitStep(report = false): void {
    this.maybeGrow();
    this.step++;
    const lr = this.learningRates();
    this.adam.prepare(this.step, this.frame.gaussianCount, { ...this.options.adam, learningRate: lr }, this);
    const encoder = this.device.createCommandEncoder({ label: 'GaussianImageFitter.step' });
    const timer = this.timer ?? undefined;
    timer?.beginFrame();
    this.project.encode(encoder, timer);
    this.binning.encode(encoder, timer);
    this.forward.encode(encoder, timer);
    this.backward.encode(encoder, timer);
    this.adam.encode(encoder, timer);
    if (report) this.forward.encodeTileLoss(encoder, timer);
    timer?.resolve(encoder);
    const stats = report ? this.readback.record(encoder, [
      { buffer: this.tileLossBuffer!, size: this.frame.tileCount * 4 },
      { buffer: this.frame.counters!, size: COUNTER_WORDS * 4 },
    ]) : null;
    this.device.queue.submit([encoder.finish()]);
    timer?.collect();
    this.forward.afterSubmit();
    this.readback.afterSubmit();
    if (stats) this.reports.push(this.handleStats(stats, this.step));
  }

  /** The current parameters as a cloud (waits for the GPU). */
  async readCloud(): Promise<GaussianCloud2d> {
    const count = this.frame.gaussianCount;
    const bytes = await readBuffer(this.device, this.params!, 0, count * PARAMS_PER_GAUSSIAN * 4);
    return { width: this.width, height: this.height, count, params: new Float32Array(bytes) };
  }

  /** The image of the last forward pass, clamped to [0, 1] (waits for the GPU). */
  async readImage(): Promise<RgbImage> {
    const rgba = new Float32Array(await readBuffer(this.device, this.imageBuffer!));
    const data = new Float32Array(this.width * this.height * 3);
    for (let i = 0; i < this.width * this.height; i++) data.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
    return { width: this.width, height: this.height, data };
  }

  /** The raw-parameter gradients of the last step (waits for the GPU; tests). */
  async readGradients(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.device, this.backward.grads!, 0, this.frame.gaussianCount * PARAMS_PER_GAUSSIAN * 4));
  }

  destroy(): void {
    this.stopRequested = true;
    this.project.destroy();
    this.binning.destroy();
    this.forward.destroy();
    this.backward.destroy();
    this.adam.destroy();
    this.readback.destroy();
    this.timer?.destroy();
    this.frame.destroy();
    for (const buffer of [this.params, this.targetBuffer, this.imageBuffer, this.pixelGradBuffer, this.tileLossBuffer]) this.memory.release(buffer);
    this.params = this.targetBuffer = this.imageBuffer = this.pixelGradBuffer = this.tileLossBuffer = null;
  }

  private async loop(): Promise<void> {
    this.stopRequested = false;
    this.state = 'running';
    this.runStartedAt = performance.now();
    const { iterations, reportEvery } = this.options;
    try {
      while (this.step < iterations && !this.stopRequested && this.params) {
        const next = this.additions[0];
        if (next && this.step >= next.step) {
          this.additions.shift();
          await this.device.queue.onSubmittedWorkDone();
          await this.addGaussians(next.count);
        }
        const last = this.step + 1 === iterations;
        this.submitStep(last || (this.step + 1) % reportEvery === 0 || this.step === 0);
        if (this.step % STEPS_PER_CHUNK === 0 || last) await this.device.queue.onSubmittedWorkDone();
      }
      await this.flush();
      this.state = this.step >= iterations ? 'done' : 'stopped';
    } catch (error) {
      this.state = 'stopped';
      if (this.params) throw error;
    } finally {
      this.elapsedMs += performance.now() - this.runStartedAt;
    }
  }

  /** Waits for the submitted steps and their progress reports. */
  async flush(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
    const reports = this.reports;
    this.reports = [];
    await Promise.all(reports);
  }

  /** Wall time spent fitting, the running part included. */
  get elapsed(): number {
    return this.elapsedMs + (this.state === 'running' ? performance.now() - this.runStartedAt : 0);
  }

  private startingCloud(): GaussianCloud2d {
    const { initialCloud: given, progressive, gaussians, init, seed } = this.options;
    if (given) {
      if (given.width !== this.width || given.height !== this.height) {
        throw new RangeError(`GaussianImageFitter: the initial cloud is ${given.width}×${given.height} but the target is ${this.width}×${this.height}`);
      }
      return given;
    }
    const initial = progressive ? Math.max(1, Math.round(gaussians * progressive.initialFraction)) : gaussians;
    return initialCloud(this.target, initial, init, seed);
  }

  private planAdditions(initial: number): void {
    const p = this.options.progressive;
    if (!p || this.options.initialCloud) return;
    let remaining = this.options.gaussians - initial;
    for (let k = 1; k <= p.additions && remaining > 0; k++) {
      const count = Math.min(remaining, Math.ceil((this.options.gaussians - initial) / p.additions));
      this.additions.push({ step: k * p.interval, count });
      remaining -= count;
    }
  }

  private setGaussianCount(count: number): void {
    this.frame.gaussianCount = count;
    this.binning.setGaussianCount(count);
    this.frame.write();
  }

  /** Error-guided progressive addition of `count` Gaussians (waits for the GPU). */
  private async addGaussians(count: number): Promise<void> {
    const render = await this.readImage();
    const first = this.frame.gaussianCount;
    const sigma = tilingSigma(this.width, this.height, this.options.gaussians);
    const params = addByError(this.target, render, count, sigma, this.options.seed + first);
    this.device.queue.writeBuffer(this.params!, first * PARAMS_PER_GAUSSIAN * 4, params);
    const encoder = this.device.createCommandEncoder({ label: 'GaussianImageFitter.addGaussians' });
    this.adam.resetMoments(encoder, first, params.length / PARAMS_PER_GAUSSIAN);
    this.device.queue.submit([encoder.finish()]);
    this.setGaussianCount(first + params.length / PARAMS_PER_GAUSSIAN);
    // Room for the newcomers' intersections, as at the start.
    this.requestedCapacity = Math.max(this.requestedCapacity, Math.ceil(this.binning.capacity * (1 + count / first)));
  }

  private learningRates(): AdamSettings['learningRate'] {
    const { every, factor } = this.options.learningRateDecay;
    const scale = factor ** Math.floor((this.step - 1) / every);
    const lr = this.options.adam.learningRate;
    return { position: lr.position * scale, cholesky: lr.cholesky * scale, color: lr.color * scale };
  }

  private maybeGrow(): void {
    if (this.requestedCapacity <= this.binning.capacity) return;
    this.binning.setCapacity(this.requestedCapacity);
    this.frame.intersectionCapacity = this.requestedCapacity;
    this.frame.write();
  }

  private async handleStats(stats: Promise<ArrayBuffer[]>, step: number): Promise<void> {
    let parts: ArrayBuffer[];
    try {
      parts = await stats;
    } catch {
      return; // destroyed while mapping
    }
    const tileLoss = new Float32Array(parts[0]!);
    const counters = new Uint32Array(parts[1]!);
    let sum = 0;
    for (const v of tileLoss) sum += v;
    const loss = sum / (3 * this.width * this.height);
    const intersections = counters[Counter.intersections]!;
    if (intersections > GROW_THRESHOLD * this.binning.capacity) {
      this.requestedCapacity = Math.max(this.requestedCapacity, Math.ceil(intersections * GROW_HEADROOM));
    }
    const progress: FitProgress = {
      step,
      iterations: this.options.iterations,
      gaussians: this.frame.gaussianCount,
      loss,
      psnr: psnrFromMse(loss),
      elapsedMs: this.elapsed,
      intersections,
      overflow: counters[Counter.overflow] !== 0,
    };
    this.history.push(progress);
    this.onProgress?.(progress);
  }
}
