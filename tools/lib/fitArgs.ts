/**
 * Arguments of `npm run fit`: every option checked, with a message that names it and shows the
 * usage. Pure, unit tested (test/unit/gaussianImageFitArgs.test.ts).
 */
import { parseArgs } from 'node:util';
import { UsageError } from './cliArgs';

export const FIT_USAGE = `usage: npm run fit -- <image.png|image.exr> --gaussians N --iters K --out file.gimg [options]
  --gaussians N        Gaussians of the fitted image (default 5000)
  --iters K            fitting steps (default 2000)
  --out file.gimg      the compressed result (.gimg, see src/methods/gaussianImage/codec.ts)
  --scale F            downsample the image by the integer factor F first (default 1)
  --crop WxH+X+Y       fit only this window (after --scale)
  --init image|random  content-adaptive (Image-GS, default) or the reference's random start
  --from start.gimg    start from the Gaussians of a .gimg of the same size instead (--gaussians
                       is then its count)
  --progressive        Image-GS error-guided progressive addition (half at the start, 4 additions)
  --fine-tune S        quantisation-aware fine-tuning steps before writing (default 150; 0 = off)
  --reference-cap      sum only the first 256 entries of each tile, as the reference kernel does
  --seed S             random seed (default 1)
  --png decoded.png    also write the decoded .gimg as a PNG
  --json report.json   write the measurements (PSNR, MS-SSIM, bpp, time, loss curve) as JSON`;

export interface FitArgs {
  input: string;
  out: string;
  gaussians: number;
  iterations: number;
  scale: number;
  crop?: { width: number; height: number; x: number; y: number };
  init: 'image' | 'random';
  from?: string;
  progressive: boolean;
  fineTune: number;
  referenceCap: boolean;
  seed: number;
  png?: string;
  json?: string;
}

function integer(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${name} ${value}: expected an integer in [${min}, ${max}]\n${FIT_USAGE}`);
  return n;
}

export function parseFitArgs(argv: string[]): FitArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.filter((a) => a !== '--'),
      allowPositionals: true,
      options: {
        gaussians: { type: 'string' },
        iters: { type: 'string' },
        out: { type: 'string' },
        scale: { type: 'string' },
        crop: { type: 'string' },
        init: { type: 'string' },
        from: { type: 'string' },
        progressive: { type: 'boolean' },
        'fine-tune': { type: 'string' },
        'reference-cap': { type: 'boolean' },
        seed: { type: 'string' },
        png: { type: 'string' },
        json: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${FIT_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.from !== undefined && values.progressive) throw new UsageError(`--from and --progressive do not go together (progressive fitting starts from half the Gaussians)\n${FIT_USAGE}`);
  if (positionals.length !== 1) throw new UsageError(`expected exactly one image, got ${positionals.length}\n${FIT_USAGE}`);
  if (!values.out) throw new UsageError(`--out file.gimg is required\n${FIT_USAGE}`);
  if (!values.out.toLowerCase().endsWith('.gimg')) throw new UsageError(`--out ${values.out}: the output must end in .gimg\n${FIT_USAGE}`);
  const init = values.init ?? 'image';
  if (init !== 'image' && init !== 'random') throw new UsageError(`--init ${init}: expected image or random\n${FIT_USAGE}`);
  let crop: FitArgs['crop'];
  if (values.crop !== undefined) {
    const m = /^(\d+)x(\d+)\+(\d+)\+(\d+)$/.exec(values.crop);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`--crop ${values.crop}: expected WxH+X+Y, e.g. 128x96+0+0\n${FIT_USAGE}`);
    crop = { width: Number(m[1]), height: Number(m[2]), x: Number(m[3]), y: Number(m[4]) };
  }
  return {
    input: positionals[0]!,
    out: values.out,
    gaussians: integer(values.gaussians, 'gaussians', 1, 1 << 24, 5000),
    iterations: integer(values.iters, 'iters', 0, 10_000_000, 2000),
    scale: integer(values.scale, 'scale', 1, 64, 1),
    crop,
    init,
    from: values.from,
    progressive: values.progressive ?? false,
    fineTune: integer(values['fine-tune'], 'fine-tune', 0, 1_000_000, 150),
    referenceCap: values['reference-cap'] ?? false,
    seed: integer(values.seed, 'seed', 0, 2 ** 31, 1),
    png: values.png,
    json: values.json,
  };
}
