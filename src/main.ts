/**
 * Page entry: builds the viewer, its panel, overlay, progress bar and file inputs, exposes
 * `window.nerve` (hooks.ts) and opens what the URL asks for (the bundled scene by default).
 */
import { GpuUnavailableError } from './gpu/context';
import { ViewerGui } from './viewer/gui';
import { createHooks } from './viewer/hooks';
import { FileInputs, ProgressView } from './viewer/loading';
import { Overlay } from './viewer/overlay';
import { downloadExport } from './viewer/download';
import { downloadScreenshot } from './viewer/screenshot';
import { parseViewerParams } from './viewer/urlParams';
import { Viewer } from './viewer/viewer';

const canvas = document.getElementById('view') as HTMLCanvasElement;
const messageBox = document.getElementById('message')!;
const messageText = messageBox.querySelector('.message-text')!;
messageBox.querySelector('button')!.addEventListener('click', () => (messageBox.hidden = true));
let messageTimer = 0;

function showMessage(text: string, kind: 'error' | 'info'): void {
  messageText.textContent = text;
  messageBox.className = kind;
  messageBox.hidden = false;
  window.clearTimeout(messageTimer);
  // Errors stay until dismissed or replaced; notes fade.
  if (kind === 'info') messageTimer = window.setTimeout(() => (messageBox.hidden = true), 6000);
}

const progress = new ProgressView(document.body);
let gui: ViewerGui | null = null;
const viewer = new Viewer(canvas, progress, {
  message: showMessage,
  clearMessage: () => {
    if (messageBox.className === 'error') messageBox.hidden = true;
  },
  loaded: () => gui?.refresh(),
});
const hooks = createHooks(viewer);
window.nerve = hooks;

// A rejected promise anywhere is a bug, but it must still reach the user rather than only the console.
window.addEventListener('unhandledrejection', (event) => viewer.reportError(`Unexpected error: ${(event.reason as Error)?.message ?? event.reason}`));

async function start(): Promise<void> {
  let params;
  try {
    params = parseViewerParams(location.search);
  } catch (error) {
    viewer.reportError(`Bad page address: ${(error as Error).message}`);
    params = parseViewerParams('');
  }
  try {
    await viewer.initGpu();
  } catch (error) {
    const text = error instanceof GpuUnavailableError ? error.message : `WebGPU could not start: ${(error as Error).message}`;
    viewer.reportError(text);
    return;
  }
  const gpu = viewer.gpu!;
  hooks.adapter = gpu.adapterInfo;
  hooks.features = [...gpu.device.features];
  viewer.continuous = params.continuous;
  const overlay = new Overlay(document.body, () => viewer.overlaySnapshot(), params.overlay);
  const inputs = new FileInputs(document.body, (files) => void viewer.openFiles(files));
  gui = new ViewerGui(viewer, overlay, {
    openFile: () => inputs.pick(),
    openFolder: () => inputs.pickFolder(),
    openUrl: () => {
      const url = window.prompt('URL of an asset (.ply, .splat, …) or a scene .json');
      if (!url) return;
      void (url.split(/[?#]/)[0]!.toLowerCase().endsWith('.json') ? viewer.openSceneUrl(url) : viewer.openAssetUrl(url));
    },
    screenshot: () => void downloadScreenshot(viewer).catch((error: Error) => viewer.reportError(`Screenshot failed: ${error.message}`)),
    saveAs: (format) => {
      try {
        downloadExport(viewer, format);
      } catch (error) {
        viewer.reportError(`Save failed: ${(error as Error).message}`);
      }
    },
  });
  hooks.ready = true;
  viewer.requestRedraw();
  if (params.url !== undefined) await viewer.openAssetUrl(params.url, params.method, params.camera);
  else if (params.scene !== undefined) await viewer.openSceneUrl(params.scene, params.camera);
}

void start();
