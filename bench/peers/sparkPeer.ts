/**
 * Spark (three.js WebGLRenderer, WebGL2): a SparkRenderer in the scene gathers the SplatMesh, runs
 * its accumulate pass, reads the sort metric back, sorts in a worker (Rust/WASM radix) and draws
 * one instanced quad per splat. The sort is asynchronous and only re-runs when the view or the
 * splats change, so with our fixed camera the measured frames are the draw of an already sorted
 * scene; settle() waits until Spark reports no sort in flight.
 */
import { SparkRenderer, SplatMesh } from '@sparkjsdev/spark';
import * as THREE from 'three';
import type { PeerOpenRequest } from '../../tools/lib/peersProtocol';
import { flipRows, type PeerRenderer } from './peer';

/** Options that change the image, set to what the reference rasterizer does (the why goes into the report). */
const FAIR_OPTIONS = {
  blurAmount: [0, 'default 0.3 is Mip-Splatting blur with opacity compensation; the reference has none'],
  preBlurAmount: [0.3, 'the reference adds 0.3 px² to the 2D covariance without compensation'],
  maxStdDev: [3, 'default √8; the reference bounds splats at 3 sigma'],
  minAlpha: [1 / 255, 'default 0.5/255; the reference skips alpha < 1/255'],
  sortRadial: [false, 'default radial distance; the reference sorts by view depth'],
  enableLod: [false, 'no level-of-detail tree: every splat drawn'],
} as const;

export async function openSpark(canvas: HTMLCanvasElement, request: PeerOpenRequest): Promise<PeerRenderer> {
  const { camera: view, background } = request;
  const renderer = new THREE.WebGLRenderer({ canvas, antialias: false, alpha: false, powerPreference: 'high-performance' });
  renderer.setPixelRatio(1);
  renderer.setSize(view.width, view.height, false);
  // sRGB output: Spark then writes its stored colours unconverted (encodeLinear = false), and the
  // clear colour given in sRGB lands in the framebuffer as the same numbers our frame holds.
  renderer.outputColorSpace = THREE.SRGBColorSpace;
  renderer.setClearColor(new THREE.Color().setRGB(background[0], background[1], background[2], THREE.SRGBColorSpace), 1);
  const gl = renderer.getContext() as WebGL2RenderingContext;

  const settings: Record<string, string | number | boolean> = {};
  const options: Record<string, number | boolean> = {};
  for (const [key, [value, why]] of Object.entries(FAIR_OPTIONS)) {
    options[key] = value;
    settings[key] = `${String(value)} (${why})`;
  }
  settings.webgl = 'antialias false (no MSAA), alpha false, outputColorSpace sRGB (colours written as stored)';
  settings.encoding = 'PackedSplats, Spark\'s default 16 B/splat (float16 centres), left as users get it';
  const spark = new SparkRenderer({ renderer, ...options });
  const scene = new THREE.Scene();
  scene.add(spark);
  const mesh = new SplatMesh({ url: request.assetUrl, fileName: request.assetName });
  scene.add(mesh);
  await mesh.initialized;

  const camera = new THREE.PerspectiveCamera(view.fovYDegrees, view.aspect, view.near, view.far);
  camera.position.set(view.position[0], view.position[1], view.position[2]);
  camera.quaternion.set(view.quaternion[0], view.quaternion[1], view.quaternion[2], view.quaternion[3]);
  camera.updateMatrixWorld(true);
  camera.updateProjectionMatrix();
  settings.camera = 'PerspectiveCamera(vertical fov from fy, aspect, near, far)';

  const debugInfo = gl.getExtension('WEBGL_debug_renderer_info');
  const adapter = String(gl.getParameter(debugInfo ? debugInfo.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  const onePixel = new Uint8Array(4);
  return {
    info: {
      peer: 'spark',
      library: `@sparkjsdev/spark with three r${THREE.REVISION}`,
      graphicsApi: 'webgl2',
      adapter,
      settings,
      splats: mesh.packedSplats?.numSplats ?? mesh.extSplats?.numSplats ?? 0,
    },
    renderFrame() {
      renderer.render(scene, camera);
    },
    gpuDone() {
      // A 1-pixel readPixels cannot return before every earlier draw has finished on the GPU;
      // gl.finish() gives no such guarantee in Chromium.
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, onePixel);
      return Promise.resolve();
    },
    async renderAndRead() {
      renderer.render(scene, camera);
      // Read in the same task, before the canvas is presented and its drawing buffer cleared.
      const pixels = new Uint8Array(view.width * view.height * 4);
      gl.readPixels(0, 0, view.width, view.height, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
      return flipRows(pixels, view.width, view.height);
    },
    idle: () => !spark.sorting && !spark.sortDirty && spark.sortTimeoutId === -1,
    destroy() {
      mesh.dispose();
      spark.dispose?.();
      renderer.dispose();
    },
  };
}
