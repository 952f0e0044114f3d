/**
 * `npm run fit -- image.png --gaussians N --iters K --out file.gimg [options]` (see FIT_USAGE in
 * tools/lib/fitArgs.ts): fits a GaussianImage on the GPU through Dawn (SwiftShader without a GPU),
 * compresses it with quantisation-aware fine-tuning and writes the .gimg file. Prints the loss
 * curve, the PSNR and MS-SSIM before and after quantisation, the file size and bits per pixel. Exits 1 with the
 * message on any error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { createGpuContext } from '../src/gpu/context';
import { bitsPerPixel, decodeToCloud, readGimg, writeGimg } from '../src/methods/gaussianImage/codec';
import { compressCloud } from '../src/methods/gaussianImage/compress';
import { GaussianImageFitter } from '../src/methods/gaussianImage/fitter';
import { NO_TILE_ENTRY_CAP } from '../src/methods/gaussianImage/frame';
import { cropImage, downsampleImage } from '../src/methods/gaussianImage/imageData';
import { formatMsSsim, MS_SSIM_LABEL, type MsSsimResult } from '../src/methods/gaussianImage/msSsim';
import { decodeSum, REFERENCE_TILE_ENTRY_CAP } from '../src/methods/gaussianImage/reference';
import { UsageError } from './lib/cliArgs';
import { parseFitArgs } from './lib/fitArgs';
import { encodePng, readImageFile } from './lib/imageFile';

async function main(): Promise<void> {
  const args = parseFitArgs(process.argv.slice(2));
  let image = await readImageFile(args.input);
  if (args.scale > 1) image = downsampleImage(image, args.scale);
  if (args.crop) image = cropImage(image, args.crop.x, args.crop.y, args.crop.width, args.crop.height);
  const start = args.from ? decodeToCloud(readGimg(new Uint8Array(readFileSync(args.from)), args.from)) : undefined;
  const gaussians = start?.count ?? args.gaussians;
  console.log(`${args.input}: fitting ${image.width}x${image.height} with ${gaussians} Gaussians, ${args.iterations} steps${start ? `, starting from ${args.from}` : ''}`);

  Object.assign(globalThis, globals);
  // Keep the GPU object referenced for the whole run: if it is collected, Dawn tears down under the device.
  const gpu = create([]) as GPU;
  const { device, adapterInfo } = await createGpuContext(gpu);
  device.onuncapturederror = (event) => {
    throw new Error(`WebGPU error: ${event.error.message}`);
  };
  const tileEntryCap = args.referenceCap ? REFERENCE_TILE_ENTRY_CAP : NO_TILE_ENTRY_CAP;
  const fitter = new GaussianImageFitter(device, image, {
    gaussians,
    iterations: args.iterations,
    init: args.init,
    initialCloud: start,
    seed: args.seed,
    tileEntryCap,
    progressive: args.progressive ? { initialFraction: 0.5, additions: 4, interval: Math.max(1, Math.floor(args.iterations / 6)) } : null,
    reportEvery: Math.max(1, Math.min(100, Math.floor(args.iterations / 20))),
  });
  fitter.onProgress = (p) =>
    console.log(`  step ${p.step}/${p.iterations}  ${p.gaussians} Gaussians  PSNR ${p.psnr.toFixed(2)} dB  ${(p.elapsedMs / 1000).toFixed(1)} s${p.overflow ? '  (intersection buffers grown)' : ''}`);
  await fitter.run();
  const fitSeconds = fitter.elapsed / 1000;
  const cloud = await fitter.readCloud();
  const curve = fitter.history.map((p) => ({ step: p.step, psnr: p.psnr, seconds: p.elapsedMs / 1000 }));
  fitter.destroy();

  console.log(`compressing (quantisation-aware fine-tuning: ${args.fineTune} steps)`);
  const started = performance.now();
  const { encoded, floatPsnr, quantizedPsnr, floatMsSsim, quantizedMsSsim } = await compressCloud(device, cloud, image, { fineTuneSteps: args.fineTune });
  const compressSeconds = (performance.now() - started) / 1000;
  const bytes = writeGimg(encoded);
  writeFileSync(args.out, bytes);
  const bpp = bitsPerPixel(encoded.count, image.width, image.height);
  console.log(
    `wrote ${args.out}: ${bytes.length} bytes, ${bpp.toFixed(3)} bpp; PSNR ${floatPsnr.toFixed(2)} dB fitted, ${quantizedPsnr.toFixed(2)} dB decoded from the file; ` +
      `fit ${fitSeconds.toFixed(1)} s, compress ${compressSeconds.toFixed(1)} s on ${adapterInfo.description || adapterInfo.vendor}`,
  );
  console.log(
    quantizedMsSsim.value === null
      ? `${MS_SSIM_LABEL}: ${formatMsSsim(quantizedMsSsim)}`
      : `${MS_SSIM_LABEL}: ${formatMsSsim(floatMsSsim)} fitted, ${formatMsSsim(quantizedMsSsim)} decoded from the file`,
  );
  if (args.png) {
    const data = Float32Array.from(decodeSum(decodeToCloud(encoded)));
    writeFileSync(args.png, encodePng({ width: image.width, height: image.height, data }));
    console.log(`wrote ${args.png}`);
  }
  if (args.json) {
    const report = {
      input: args.input,
      width: image.width,
      height: image.height,
      gaussians: encoded.count,
      iterations: args.iterations,
      init: args.from ? `from ${args.from}` : args.init,
      progressive: args.progressive,
      tileEntryCap: args.referenceCap ? REFERENCE_TILE_ENTRY_CAP : 'none',
      fitSeconds,
      compressSeconds,
      fineTuneSteps: args.fineTune,
      psnrFitted: floatPsnr,
      psnrDecoded: quantizedPsnr,
      msSsim: { definition: MS_SSIM_LABEL, fitted: msSsimReport(floatMsSsim), decoded: msSsimReport(quantizedMsSsim) },
      bytes: bytes.length,
      bitsPerPixel: bpp,
      adapter: adapterInfo,
      curve,
    };
    writeFileSync(args.json, JSON.stringify(report, null, 2));
    console.log(`wrote ${args.json}`);
  }
  device.destroy();
}

/** The value, or null and the reason it has none (JSON has no place for a result union's text). */
function msSsimReport(result: MsSsimResult): { value: number | null; reason?: string } {
  return result.value === null ? { value: null, reason: result.reason } : { value: result.value };
}

main().catch((error: Error) => {
  console.error(error instanceof UsageError ? error.message : `fit failed: ${error.message}`);
  process.exit(1);
});
