/**
 * The peers benchmark page: `window.peerBench` opens one peer renderer (each library is a chunk of
 * its own, loaded only when asked for: a PlayCanvas page never loads three or Spark, nor a Spark page
 * PlayCanvas), waits until its image has settled, times frames and reads the image back.
 * tools/lib/peersBench.ts drives it.
 */
import { compareRgba8 } from '../../tools/lib/peersImage';
import type { PeerBenchHooks, PeerOpenRequest } from '../../tools/lib/peersProtocol';
import type { PeerRenderer } from './peer';

/** Settling needs at least this many frames, whatever the images say (loads stream over several). */
const MIN_SETTLE_FRAMES = 6;
/** Consecutive unchanged frames that count as settled. */
const STABLE_FRAMES = 3;
/**
 * Consecutive frames this close count as unchanged. Not "identical": PlayCanvas's GPU sort orders
 * splats of equal depth key differently from frame to frame (measured on SwiftShader: up to ~2% of
 * the bytes differ by up to 14/255, 59-78 dB), while a load or a sort landing changes the image by
 * far more.
 */
const UNCHANGED_PSNR_DB = 40;
/** Pause between settle frames so the peer's workers, readbacks and uploads can progress. */
const SETTLE_PAUSE_MS = 30;

const canvas = document.getElementById('view') as HTMLCanvasElement;
let peer: PeerRenderer | null = null;
/** The render size of the open peer (the camera's). */
let size = { width: 0, height: 0 };
/** The clear colour as 8-bit values: a frame of nothing else has not drawn the scene yet. */
let clear: number[] = [];

async function openPeer(request: PeerOpenRequest): Promise<PeerRenderer> {
  switch (request.peer) {
    case 'playcanvas':
      return (await import('./playcanvasPeer')).openPlayCanvas(canvas, request);
    case 'spark':
      return (await import('./sparkPeer')).openSpark(canvas, request);
    default:
      throw new Error(`unknown peer '${String(request.peer)}'`);
  }
}

function opened(): PeerRenderer {
  if (!peer) throw new Error('no peer is open: call open() first');
  return peer;
}

/** True when some pixel is not the clear colour (a loading peer may draw empty frames that are all alike). */
function drewSomething(image: Uint8Array): boolean {
  for (let i = 0; i < image.length; i += 4) {
    for (let c = 0; c < 3; c++) if (Math.abs(image[i + c]! - clear[c]!) > 1) return true;
  }
  return false;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

const hooks: PeerBenchHooks = {
  async open(request) {
    if (peer) throw new Error('this page already has a peer open; use a fresh page for each peer');
    peer = await openPeer(request);
    size = { width: request.camera.width, height: request.camera.height };
    clear = request.background.map((c) => Math.round(255 * c));
    return peer.info;
  },
  async settle(timeoutMs) {
    const current = opened();
    const start = performance.now();
    let previous: Uint8Array | null = null;
    // PSNR of each consecutive pair in the current unchanged run (null: identical).
    let run: Array<number | null> = [];
    let frames = 0;
    const lowest = () => (run.some((p) => p !== null) ? Math.min(...run.filter((p): p is number => p !== null)) : null);
    while (performance.now() - start < timeoutMs) {
      const image = await current.renderAndRead();
      frames++;
      const psnr = previous ? compareRgba8(previous, image, size.width, size.height).psnrDb : 0;
      const unchanged = previous !== null && current.idle() && drewSomething(image) && (psnr === null || psnr >= UNCHANGED_PSNR_DB);
      run = unchanged ? [...run, psnr] : [];
      previous = image;
      if (run.length >= STABLE_FRAMES && frames >= MIN_SETTLE_FRAMES) return { settled: true, frames, ms: performance.now() - start, frameToFramePsnrDb: lowest() };
      await new Promise((resolve) => setTimeout(resolve, SETTLE_PAUSE_MS));
    }
    return { settled: false, frames, ms: performance.now() - start, frameToFramePsnrDb: lowest() };
  },
  async measure(frames, warmup) {
    const current = opened();
    for (let i = 0; i < warmup; i++) {
      current.renderFrame();
      await current.gpuDone();
    }
    // The same clock as nerve's benchmark(): from the start of the frame's CPU work until the GPU
    // reports everything it submitted done.
    const wallMs: number[] = [];
    for (let i = 0; i < frames; i++) {
      const start = performance.now();
      current.renderFrame();
      await current.gpuDone();
      wallMs.push(performance.now() - start);
    }
    return wallMs;
  },
  async readImage() {
    const current = opened();
    const pixels = await current.renderAndRead();
    return { ...size, base64: toBase64(pixels) };
  },
  close() {
    peer?.destroy();
    peer = null;
  },
};

window.peerBench = hooks;
