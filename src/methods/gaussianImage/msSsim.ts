/**
 * MS-SSIM (Wang, Simoncelli, Bovik 2003) as the GaussianImage paper's evaluation computes it: its
 * train.py calls pytorch_msssim's `ms_ssim(render, gt, data_range=1, size_average=True)`. The
 * parameters and the details that change the number follow that function:
 *
 * - an 11-tap Gaussian window, sigma 1.5, normalised to sum 1, applied separably as a 'valid'
 *   convolution (no padding: each scale's maps are (W − 10) × (H − 10));
 * - K1 = 0.01, K2 = 0.03, data range 1: C1 = 1e-4, C2 = 9e-4;
 * - per channel: cs = mean of (2σxy + C2) / (σx² + σy² + C2), ssim = mean of
 *   (2μxμy + C1) / (μx² + μy² + C1) · that; σ² from the window's E[x²] − μ², as pytorch_msssim does;
 * - 5 scales weighted [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]: cs at scales 1-4, ssim at scale 5,
 *   each clamped at 0 (torch.relu) before the power; the product per channel, then the mean of R, G, B;
 * - between scales a 2×2 average pool (F.avg_pool2d, kernel 2) padded by (H mod 2, W mod 2) on both
 *   sides with the zeros counted (count_include_pad defaults to true), so an odd side loses nothing;
 * - it asserts that the short side exceeds (11 − 1) · 2⁴ = 160 px; we return no value below that.
 *
 * Inputs are clamped to [0, 1] first, like the PSNR here (imageData.ts): the decode is displayed
 * clamped. float64 throughout (pytorch_msssim runs in the tensors' float32), so values may differ
 * from it in the 6th-7th digit.
 */

const WINDOW_SIZE = 11;
const WINDOW_SIGMA = 1.5;
const RADIUS = (WINDOW_SIZE - 1) / 2;
const C1 = (0.01 * 1) ** 2;
const C2 = (0.03 * 1) ** 2;
export const MS_SSIM_WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333] as const;
/** The short side must exceed this (4 halvings must leave room for the 11-tap window). */
export const MS_SSIM_MIN_SIDE = (WINDOW_SIZE - 1) * 2 ** (MS_SSIM_WEIGHTS.length - 1) + 1;
/** How the overlay and `npm run fit` name the number. */
export const MS_SSIM_LABEL = `MS-SSIM (RGB, ${MS_SSIM_WEIGHTS.length} scales)`;

/** RGB, row-major, 3 values per pixel (RgbImage, or a CPU decode's Float64Array). */
export interface RgbView {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

export type MsSsimResult =
  | { value: number; perChannel: [number, number, number] }
  | { value: null; reason: string };

/** The 11 normalised taps of the Gaussian window. */
export function gaussianWindow(): Float64Array {
  const g = new Float64Array(WINDOW_SIZE);
  let sum = 0;
  for (let i = 0; i < WINDOW_SIZE; i++) sum += g[i] = Math.exp(-((i - RADIUS) ** 2) / (2 * WINDOW_SIGMA ** 2));
  for (let i = 0; i < WINDOW_SIZE; i++) g[i]! /= sum;
  return g;
}

const WINDOW = gaussianWindow();

/** One channel at one scale. */
interface Plane {
  width: number;
  height: number;
  data: Float64Array;
}

function channelPlane(image: RgbView, channel: number): Plane {
  const n = image.width * image.height;
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.min(1, Math.max(0, image.data[i * 3 + channel]!));
  return { width: image.width, height: image.height, data };
}

/**
 * Mean SSIM and mean contrast-structure of two planes over the valid window positions. The five
 * planes (x, y, x², y², xy) are filtered along rows into (W − 10) × H buffers, then down columns
 * one output row at a time (row-sequential reads), so nothing larger than those buffers is stored.
 * The window is symmetric, so each pair of taps k, 10 − k costs one multiplication.
 */
export function ssimPlanes(x: Plane, y: Plane): { ssim: number; cs: number } {
  const { width, height } = x;
  const outW = width - 2 * RADIUS;
  const outH = height - 2 * RADIUS;
  if (outW < 1 || outH < 1) throw new RangeError(`ssimPlanes: ${width}×${height} is smaller than the ${WINDOW_SIZE}-tap window`);
  const inputs = [x.data, y.data, new Float64Array(width * height), new Float64Array(width * height), new Float64Array(width * height)] as const;
  for (let i = 0; i < width * height; i++) {
    const a = x.data[i]!;
    const b = y.data[i]!;
    inputs[2][i] = a * a;
    inputs[3][i] = b * b;
    inputs[4][i] = a * b;
  }
  const rows = inputs.map((input) => {
    const out = new Float64Array(outW * height);
    for (let row = 0; row < height; row++) filterRow(input, row * width, out, row * outW, outW, 1);
    return out;
  });
  const columns = inputs.map(() => new Float64Array(outW));
  let ssimSum = 0;
  let csSum = 0;
  for (let row = 0; row < outH; row++) {
    for (let q = 0; q < 5; q++) filterRow(rows[q]!, row * outW, columns[q]!, 0, outW, outW);
    const [mxs, mys, exxs, eyys, exys] = columns;
    for (let col = 0; col < outW; col++) {
      const mx = mxs![col]!;
      const my = mys![col]!;
      const cs = (2 * (exys![col]! - mx * my) + C2) / (exxs![col]! - mx * mx + (eyys![col]! - my * my) + C2);
      csSum += cs;
      ssimSum += ((2 * mx * my + C1) / (mx * mx + my * my + C1)) * cs;
    }
  }
  const count = outW * outH;
  return { ssim: ssimSum / count, cs: csSum / count };
}

/** out[o + i] = Σk w[k] · input[from + i + k·stride] for i < count (stride 1: along a row; W − 10: down a column). */
function filterRow(input: Float64Array, from: number, out: Float64Array, o: number, count: number, stride: number): void {
  const w0 = WINDOW[0]!, w1 = WINDOW[1]!, w2 = WINDOW[2]!, w3 = WINDOW[3]!, w4 = WINDOW[4]!, w5 = WINDOW[5]!;
  const s = stride;
  for (let i = 0; i < count; i++) {
    const p = from + i;
    out[o + i] =
      w0 * (input[p]! + input[p + 10 * s]!) +
      w1 * (input[p + s]! + input[p + 9 * s]!) +
      w2 * (input[p + 2 * s]! + input[p + 8 * s]!) +
      w3 * (input[p + 3 * s]! + input[p + 7 * s]!) +
      w4 * (input[p + 4 * s]! + input[p + 6 * s]!) +
      w5 * input[p + 5 * s]!;
  }
}

/** Single-scale SSIM of one channel (0 = R, 1 = G, 2 = B): the mean of the SSIM map and of the cs map. */
export function ssimChannel(a: RgbView, b: RgbView, channel: number): { ssim: number; cs: number } {
  checkSizes(a, b);
  return ssimPlanes(channelPlane(a, channel), channelPlane(b, channel));
}

/** F.avg_pool2d(kernel 2, padding (H mod 2, W mod 2)), zeros counted in the average. */
export function averagePool2(plane: Plane): Plane {
  const { width, height, data } = plane;
  const padX = width % 2;
  const padY = height % 2;
  const outW = Math.floor((width + 2 * padX - 2) / 2) + 1;
  const outH = Math.floor((height + 2 * padY - 2) / 2) + 1;
  const out = new Float64Array(outW * outH);
  const at = (x: number, y: number): number => (x >= 0 && x < width && y >= 0 && y < height ? data[y * width + x]! : 0);
  for (let oy = 0; oy < outH; oy++) {
    const y0 = 2 * oy - padY;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = 2 * ox - padX;
      out[oy * outW + ox] = (at(x0, y0) + at(x0 + 1, y0) + at(x0, y0 + 1) + at(x0 + 1, y0 + 1)) / 4;
    }
  }
  return { width: outW, height: outH, data: out };
}

function checkSizes(a: RgbView, b: RgbView): void {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError(`MS-SSIM: ${a.width}×${a.height} against ${b.width}×${b.height}`);
  const n = a.width * a.height * 3;
  if (a.data.length < n || b.data.length < n) throw new RangeError(`MS-SSIM: fewer than ${n} values for ${a.width}×${a.height} RGB`);
}

/**
 * MS-SSIM of two RGB images in [0, 1] (1 for identical images). Images under MS_SSIM_MIN_SIDE
 * pixels on the short side give `value: null` and the reason: 5 scales do not fit, and a
 * different number of scales would be a different metric from the paper's.
 */
export function msSsim(a: RgbView, b: RgbView): MsSsimResult {
  checkSizes(a, b);
  const side = Math.min(a.width, a.height);
  if (side < MS_SSIM_MIN_SIDE) {
    return {
      value: null,
      reason: `${a.width}×${a.height} is under ${MS_SSIM_MIN_SIDE} px on its short side, too small for ${MS_SSIM_WEIGHTS.length} scales of an ${WINDOW_SIZE}-tap window`,
    };
  }
  const perChannel: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let x = channelPlane(a, c);
    let y = channelPlane(b, c);
    let product = 1;
    for (let level = 0; level < MS_SSIM_WEIGHTS.length; level++) {
      const { ssim, cs } = ssimPlanes(x, y);
      const last = level === MS_SSIM_WEIGHTS.length - 1;
      product *= Math.max(0, last ? ssim : cs) ** MS_SSIM_WEIGHTS[level]!;
      if (!last) {
        x = averagePool2(x);
        y = averagePool2(y);
      }
    }
    perChannel[c] = product;
  }
  return { value: (perChannel[0] + perChannel[1] + perChannel[2]) / 3, perChannel };
}

/** The result as the overlay and `npm run fit` print it. */
export function formatMsSsim(result: MsSsimResult): string {
  return result.value === null ? `n/a: ${result.reason}` : result.value.toFixed(4);
}
