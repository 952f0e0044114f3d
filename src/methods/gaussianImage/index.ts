/**
 * Method `gaussianImage`: images as 2D Gaussians (Zhang et al., GaussianImage, ECCV 2024). Opens a
 * .gimg file (decoded every frame on the GPU) or an image to fit in the browser (PNG, JPEG, EXR).
 */
import type GUI from 'lil-gui';
import type { AssetSource, MethodContext, MethodDefinition, MethodInstance } from '../types';
import { readGimg, sniffGimg } from './codec';
import { decodeImageInBrowser, IMAGE_EXTENSIONS } from './imageFile';
import { GaussianImageInstance, PAPER_DECODE_FPS } from './instance';
import { defaultGaussianImageParams, type GaussianImageParams } from './params';

/** The instance behind each live params object, so the GUI's buttons reach it. */
const instanceByParams = new WeakMap<GaussianImageParams, GaussianImageInstance>();

async function readAll(source: AssetSource): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = source.stream.getReader();
  try {
    for (;;) {
      source.signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
      source.onProgress?.(total);
    }
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function download(name: string, bytes: Uint8Array<ArrayBuffer>): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function buildGui(folder: GUI, params: GaussianImageParams): void {
  folder.add(params, 'view', ['decoded', 'original', 'split', 'difference']).name('show');
  folder.add(params, 'split', 0, 1, 0.01).name('split position');
  folder.add(params, 'differenceGain', 1, 32, 1).name('difference gain');
  folder.add(params, 'renderMode', { 'sum (GaussianImage)': 'sum', 'top-10 normalised (Image-GS)': 'topK' }).name('rendering');
  folder.add(params, 'referenceTileCap').name('256 entries/tile (reference)');
  const instance = instanceByParams.get(params);
  if (!instance?.target) return;
  const fit = folder.addFolder('Fit this image');
  const report = (error: Error) => instance.onStatus?.(`error: ${error.message}`);
  fit.add(params, 'gaussians', 100, 70000, 100).name('Gaussians');
  fit.add(params, 'iterations', 10, 50000, 10).name('steps');
  fit.add(params, 'progressive').name('progressive (Image-GS)');
  const actions = {
    fit: () => void instance.startFit().catch(report),
    stop: () => void instance.stopFit().catch(report),
    resume: () => void instance.resumeFit().catch(report),
    save: () =>
      void instance
        .saveGimg()
        .then((bytes) => download(`${instance.stats.image ?? 'image'}.gimg`.replace('×', 'x'), bytes))
        .catch(report),
  };
  fit.add(actions, 'fit').name('fit (restarts)');
  fit.add(actions, 'stop').name('stop');
  fit.add(actions, 'resume').name('resume');
  fit.add(params, 'fineTuneSteps', 0, 2000, 10).name('fine-tune steps (save)');
  fit.add(actions, 'save').name('save .gimg');
  const status = fit.add(instance.status, 'text').name('status').disable();
  // Changing a controller's value bubbles to the viewer's GUI, which redraws: a fit in progress
  // is shown as it goes without the viewer knowing about fitting.
  instance.onStatus = (text) => status.setValue(text);
}

export const gaussianImage: MethodDefinition<GaussianImageParams> = {
  id: 'gaussianImage',
  label: 'GaussianImage (2D Gaussians)',
  paperRate: {
    fps: 1500,
    gpu: 'NVIDIA GPU (model not given in the abstract or README)',
    resolution: '768x512',
    source:
      `Zhang et al., GaussianImage, ECCV 2024 (arXiv 2403.08551), abstract: rendering at ${PAPER_DECODE_FPS} FPS "regardless of parameter size"; ` +
      'codec decoding about 1000 FPS in arXiv v1, about 2000 FPS without entropy coding (repository README, 2024-07-08); Kodak images are 768x512',
  },
  extensions: ['.gimg', ...IMAGE_EXTENSIONS],
  sniff: sniffGimg,
  defaultParams: defaultGaussianImageParams,
  buildGui,
  async load(context: MethodContext, source: AssetSource, params: GaussianImageParams): Promise<MethodInstance<GaussianImageParams>> {
    const bytes = await readAll(source);
    const instance = sniffGimg(bytes)
      ? new GaussianImageInstance(context, params, { encoded: readGimg(bytes, source.name), fileBytes: bytes.length })
      : new GaussianImageInstance(context, params, { image: await decodeImageInBrowser(source.name, bytes) });
    instanceByParams.set(params, instance);
    return instance;
  },
};
