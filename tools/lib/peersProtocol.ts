/**
 * What `npm run bench:peers` (Node, tools/lib/peersBench.ts) and the peer page in headless Chromium
 * (bench/peers/*.ts, `window.peerBench`) exchange. Plain JSON values only: they cross
 * Playwright's page.evaluate.
 */
import type { Vec3 } from '../../src/camera/camera';
import type { GlCamera } from './peersCamera';

export const PEER_IDS = ['playcanvas', 'spark'] as const;
export type PeerId = (typeof PEER_IDS)[number];

export interface PeerOpenRequest {
  peer: PeerId;
  /** URL of the splat file (served by the tool's loopback server). */
  assetUrl: string;
  /** File name, for peers that pick the parser by extension. */
  assetName: string;
  camera: GlCamera;
  /** Clear colour, the same values our frame holds where nothing is drawn. */
  background: Vec3;
}

export interface PeerInfo {
  peer: PeerId;
  /** Library and version, e.g. "playcanvas 2.23.3", "@sparkjsdev/spark + three r187". */
  library: string;
  /** The graphics API the peer rendered with: "webgpu" or "webgl2". */
  graphicsApi: string;
  /** The adapter (WebGPU) or GL renderer string (WebGL) the peer got. */
  adapter: string;
  /** Every option we set on the peer and why it matters for a fair comparison. */
  settings: Record<string, string | number | boolean>;
  /** Splats the peer says it loaded. */
  splats: number;
}

export interface SettleResult {
  /** True when the peer reported its sort idle and the image stopped changing before the timeout. */
  settled: boolean;
  frames: number;
  ms: number;
  /**
   * The lowest PSNR between consecutive frames over the last settled frames; null when they were
   * identical. Below infinity means the peer does not draw the same image twice for a fixed camera.
   */
  frameToFramePsnrDb: number | null;
}

/** RGBA8 rows top to bottom, base64. */
export interface PeerImage {
  width: number;
  height: number;
  base64: string;
}

/** The page's automation surface, `window.peerBench`. */
export interface PeerBenchHooks {
  open(request: PeerOpenRequest): Promise<PeerInfo>;
  /** Renders frames until the peer's sort is idle and consecutive frames no longer change (see main.ts). */
  settle(timeoutMs: number): Promise<SettleResult>;
  /** `warmup` unmeasured frames, then the wall ms of each of `frames` frames (render + GPU done). */
  measure(frames: number, warmup: number): Promise<number[]>;
  /** Renders one frame and reads it back. */
  readImage(): Promise<PeerImage>;
  close(): void;
}
