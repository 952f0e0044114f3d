/**
 * One peer renderer on the page, as the benchmark drives it: the scene loaded, the camera fixed,
 * frames drawn on demand (never by a requestAnimationFrame loop of its own, so only the frames we
 * ask for are drawn and timed).
 */
import type { PeerInfo } from '../../tools/lib/peersProtocol';

export interface PeerRenderer {
  readonly info: PeerInfo;
  /** Draws one frame of the fixed camera and submits all of its GPU work. */
  renderFrame(): void;
  /** Resolves once the GPU has finished everything submitted so far. */
  gpuDone(): Promise<void>;
  /** Draws one frame and returns it as RGBA8, rows top to bottom. */
  renderAndRead(): Promise<Uint8Array>;
  /** False while the peer still has a load, sort or upload in flight. */
  idle(): boolean;
  destroy(): void;
}

/** Rows of a bottom-up RGBA8 image (glReadPixels order) turned top-down. */
export function flipRows(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const row = width * 4;
  const out = new Uint8Array(pixels.length);
  for (let y = 0; y < height; y++) out.set(pixels.subarray((height - 1 - y) * row, (height - y) * row), y * row);
  return out;
}
