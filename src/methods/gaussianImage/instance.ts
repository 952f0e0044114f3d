/**
 * A GaussianImage open in the viewer: a .gimg file decoded every frame, or an image (PNG, JPEG,
 * EXR) that can be fitted on the spot. Fitting runs its own loop on the same device; each frame the
 * viewer draws decodes the fitter's live parameters, so the picture follows the fit.
 */
import type { Vec3 } from '../../camera/camera';
import { GpuMemory } from '../../gpu/memory';
import type { GpuTimer } from '../../gpu/timing';
import type { FrameInput, FrameTarget, MethodContext, MethodInstance } from '../types';
import { bitsPerPixel, decodeToCloud, writeGimg, type EncodedImage } from './codec';
import { compressCloud } from './compress';
import { DECODER_PASS_NAMES, GaussianImageDecoder } from './decoder';
import { GaussianImageFitter, type FitProgress } from './fitter';
import { NO_TILE_ENTRY_CAP } from './frame';
import { imageToRgba8, type RgbImage } from './imageData';
import { formatMsSsim, MS_SSIM_LABEL, msSsim } from './msSsim';
import type { GaussianImageParams } from './params';
import { PresentPass } from './passes/presentPass';
import { REFERENCE_TILE_ENTRY_CAP } from './reference';

/** Paper rate of GaussianImage rendering, shown next to our decode rate. */
export const PAPER_DECODE_FPS = '1500–2000';

const SPARK = '▁▂▃▄▅▆▇█';

/** A PSNR curve as a line of block characters (the last `points` reports). */
export function sparkline(values: readonly number[], points = 32): string {
  const tail = values.slice(-points);
  if (tail.length === 0) return '';
  const min = Math.min(...tail);
  const max = Math.max(...tail);
  return tail.map((v) => SPARK[max > min ? Math.round(((v - min) / (max - min)) * (SPARK.length - 1)) : SPARK.length - 1]).join('');
}

export class GaussianImageInstance implements MethodInstance<GaussianImageParams> {
  readonly passNames: readonly string[] = [...DECODER_PASS_NAMES, 'present'];
  readonly bounds = { center: [0, 0, 0] as Vec3, radius: 1 };
  readonly stats: Record<string, number | string> = {};
  readonly width: number;
  readonly height: number;
  readonly nativeSize: { width: number; height: number };
  /** Text of the GUI's status line; `onStatus`, set by the GUI, changes it through its controller (which redraws). */
  readonly status = { text: '' };
  onStatus: ((text: string) => void) | null = null;
  fitter: GaussianImageFitter | null = null;
  /** The image being fitted (null for a .gimg). */
  readonly target: RgbImage | null = null;

  private readonly device: GPUDevice;
  private readonly memory: GpuMemory;
  private decoder: GaussianImageDecoder | null;
  private readonly present: PresentPass;
  private original: GPUTexture | null = null;
  private originalView: GPUTextureView | null = null;
  private saving = false;
  private timer: GpuTimer | null = null;

  constructor(
    context: MethodContext,
    readonly params: GaussianImageParams,
    source: { encoded: EncodedImage; fileBytes: number } | { image: RgbImage },
  ) {
    this.device = context.gpu.device;
    this.memory = context.memory;
    this.present = new PresentPass(this.device);
    if ('encoded' in source) {
      const cloud = decodeToCloud(source.encoded);
      this.width = cloud.width;
      this.height = cloud.height;
      this.decoder = GaussianImageDecoder.fromCloud(this.device, cloud);
      this.stats.Gaussians = cloud.count;
      this.stats['bits per pixel'] = ((8 * source.fileBytes) / (cloud.width * cloud.height)).toFixed(3);
      this.stats.original = 'not in a .gimg (open the image itself to compare and fit)';
    } else {
      this.width = source.image.width;
      this.height = source.image.height;
      this.target = source.image;
      this.decoder = null;
      this.original = this.memory.createTexture({
        label: 'GaussianImage.original',
        size: [this.width, this.height],
        format: 'rgba8unorm',
        usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
      });
      this.device.queue.writeTexture({ texture: this.original }, imageToRgba8(source.image), { bytesPerRow: this.width * 4 }, [this.width, this.height]);
      this.originalView = this.original.createView({ label: 'GaussianImage.originalView' });
      this.setStatus('not fitted yet: choose the Gaussians and press "fit"');
    }
    this.stats.image = `${this.width}×${this.height}`;
    this.nativeSize = { width: this.width, height: this.height };
    Object.defineProperty(this.stats, 'decode (GPU)', { enumerable: true, get: () => this.decodeRate() });
  }

  encode(encoder: GPUCommandEncoder, target: FrameTarget, frame: FrameInput, timer?: GpuTimer): boolean {
    const decoder = this.decoder;
    if (decoder) {
      if (this.fitter && this.fitter.gaussianCount !== decoder.gaussianCount) decoder.setCount(this.fitter.gaussianCount);
      // A live fit fixes the cap it was started with; a decoded file follows the GUI.
      if (!this.fitter) decoder.setTileEntryCap(this.params.referenceTileCap ? REFERENCE_TILE_ENTRY_CAP : NO_TILE_ENTRY_CAP);
      decoder.encode(encoder, this.params.renderMode, timer);
    }
    this.present.encode(
      encoder,
      target,
      {
        decoded: decoder?.outputView ?? this.originalView!,
        original: this.originalView,
        width: this.width,
        height: this.height,
        view: this.params.view,
        split: this.params.split,
        gain: this.params.differenceGain,
        background: frame.background,
      },
      timer,
    );
    if (timer) this.timer = timer;
    return true;
  }

  afterSubmit(): void {
    this.decoder?.afterSubmit();
  }

  async lastFrameComplete(): Promise<boolean> {
    return (await this.decoder?.lastFrameComplete()) ?? true;
  }

  /** Starts a new fit of the opened image with the current params (a running one is replaced). */
  async startFit(): Promise<void> {
    if (!this.target) throw new Error('Only an opened image can be fitted (a .gimg has no original).');
    await this.fitter?.stop();
    this.fitter?.destroy();
    this.decoder?.destroy();
    const p = this.params;
    const tileEntryCap = p.referenceTileCap ? REFERENCE_TILE_ENTRY_CAP : NO_TILE_ENTRY_CAP;
    const fitter = new GaussianImageFitter(this.device, this.target, {
      gaussians: p.gaussians,
      iterations: p.iterations,
      tileEntryCap,
      progressive: p.progressive ? { initialFraction: 0.5, additions: 4, interval: Math.max(1, Math.floor(p.iterations / 6)) } : null,
      reportEvery: 5,
    });
    this.fitter = fitter;
    this.decoder = new GaussianImageDecoder(this.device, {
      params: fitter.params!,
      width: this.width,
      height: this.height,
      count: fitter.gaussianCount,
      maxGaussians: p.gaussians,
      intersectionCapacity: fitter.intersectionCapacity,
    });
    this.decoder.setTileEntryCap(tileEntryCap);
    this.stats.Gaussians = fitter.gaussianCount;
    delete this.stats['bits per pixel'];
    fitter.onProgress = (progress) => this.showProgress(progress);
    await this.runFit();
  }

  async stopFit(): Promise<void> {
    await this.fitter?.stop();
  }

  async resumeFit(): Promise<void> {
    if (this.fitter && this.fitter.state === 'stopped') await this.runFit();
  }

  /**
   * Compresses the current fit (quantisation-aware fine-tuning, then the codec) and returns the
   * .gimg bytes; reports bits per pixel and the PSNR and MS-SSIM of the file's decoded image.
   */
  async saveGimg(): Promise<Uint8Array<ArrayBuffer>> {
    const fitter = this.fitter;
    if (!fitter || !this.target) throw new Error('Nothing fitted to save yet: press "fit" first.');
    if (this.saving) throw new Error('Already saving.');
    this.saving = true;
    try {
      await fitter.stop();
      const cloud = await fitter.readCloud();
      this.setStatus('compressing: quantisation-aware fine-tuning…');
      const result = await compressCloud(this.device, cloud, this.target, {
        fineTuneSteps: this.params.fineTuneSteps,
        onProgress: (step, steps) => this.setStatus(`compressing: fine-tuning step ${step}/${steps}`),
      });
      const bytes = writeGimg(result.encoded);
      this.stats['bits per pixel'] = bitsPerPixel(result.encoded.count, this.width, this.height).toFixed(3);
      this.stats['PSNR of the .gimg'] = `${result.quantizedPsnr.toFixed(2)} dB (fitted ${result.floatPsnr.toFixed(2)} dB), ${bytes.length} bytes`;
      this.stats[`${MS_SSIM_LABEL} of the .gimg`] =
        result.quantizedMsSsim.value === null
          ? formatMsSsim(result.quantizedMsSsim)
          : `${formatMsSsim(result.quantizedMsSsim)} (fitted ${formatMsSsim(result.floatMsSsim)})`;
      this.setStatus(`saved: ${bytes.length} bytes, ${this.stats['bits per pixel']} bpp, ${result.quantizedPsnr.toFixed(2)} dB`);
      return bytes;
    } finally {
      this.saving = false;
    }
  }

  destroy(): void {
    this.onStatus = null;
    this.fitter?.destroy();
    this.fitter = null;
    this.decoder?.destroy();
    this.decoder = null;
    this.present.destroy();
    this.memory.release(this.original);
    this.original = null;
    this.originalView = null;
  }

  private async runFit(): Promise<void> {
    const fitter = this.fitter!;
    this.setStatus('fitting…');
    await fitter.run();
    if (this.fitter !== fitter) return;
    // Before the status: once it says done or stopped, every stat is final.
    await this.showMsSsim(fitter);
    if (this.fitter !== fitter) return;
    const last = fitter.lastProgress;
    const psnr = last ? `${last.psnr.toFixed(2)} dB` : '';
    this.setStatus(fitter.state === 'done' ? `done: ${psnr} after ${fitter.step} steps` : `stopped at step ${fitter.step} (${psnr})`);
  }

  /**
   * MS-SSIM against the target of the image the fit's last step rendered (its forward pass, as the
   * PSNR is measured). Only when a fit stops or finishes: it takes a few hundred ms of CPU at
   * 768×512, too much for every frame or report.
   */
  private async showMsSsim(fitter: GaussianImageFitter): Promise<void> {
    let image: RgbImage;
    try {
      image = await fitter.readImage();
    } catch (error) {
      // A new fit destroyed this one while its image was being read: its MS-SSIM no longer matters.
      if (this.fitter !== fitter) return;
      throw error;
    }
    if (this.fitter !== fitter || fitter.state === 'running') return;
    this.stats[MS_SSIM_LABEL] = `${formatMsSsim(msSsim(image, this.target!))} (step ${fitter.step})`;
  }

  private showProgress(p: FitProgress): void {
    if (this.fitter === null) return;
    this.stats.Gaussians = p.gaussians;
    this.stats.PSNR = `${p.psnr.toFixed(2)} dB (loss ${p.loss.toExponential(3)})`;
    this.stats[MS_SSIM_LABEL] = 'computed when the fit stops';
    this.stats.fit = `step ${p.step}/${p.iterations}, ${(p.elapsedMs / 1000).toFixed(1)} s`;
    this.stats['PSNR curve'] = sparkline(this.fitter.history.map((h) => h.psnr));
    this.setStatus(`fitting: step ${p.step}/${p.iterations}, ${p.psnr.toFixed(2)} dB`);
  }

  /** The GUI's `onStatus` sets the text through its controller (so the change is seen); else it is set here. */
  private setStatus(text: string): void {
    if (this.onStatus) this.onStatus(text);
    else this.status.text = text;
  }

  /** GPU time of the decoding passes (not `present`), from the viewer's timer; read when the overlay asks. */
  private decodeRate(): string {
    let ms = 0;
    for (const [name, passMs] of this.timer?.msByPass ?? []) {
      if ((DECODER_PASS_NAMES as readonly string[]).includes(name) || name.startsWith('tileSort')) ms += passMs;
    }
    if (!this.decoder) return 'nothing decoded yet';
    return ms > 0 ? `${ms.toFixed(3)} ms = ${(1000 / ms).toFixed(0)} FPS at ${this.width}×${this.height} (paper: ${PAPER_DECODE_FPS} FPS at 768×512)` : 'measuring…';
  }
}
