/**
 * PlayCanvas engine on a WebGPU device, drawing the scene with its gsplat component (the unified
 * renderer; on WebGPU its AUTO mode resolves to the GPU-sort path: compute projector + GPU radix
 * sort every frame + instanced quads). If WebGPU cannot start PlayCanvas falls back to WebGL2 with
 * its CPU worker sort; `graphicsApi` and the `renderer` setting then say so.
 *
 * Frames are driven by us: `app.tick()` runs one whole engine frame (update + render + submit) and
 * the engine's own requestAnimationFrame loop is switched off.
 */
import * as pc from 'playcanvas';
import type { PeerOpenRequest } from '../../tools/lib/peersProtocol';
import { flipRows, type PeerRenderer } from './peer';

/** The WebGPU internals we read: the device for onSubmittedWorkDone and the canvas context for readback. */
interface WebgpuInternals {
  wgpu: GPUDevice;
  gpuContext: GPUCanvasContext;
  gpuAdapter: GPUAdapter | null;
}

/** The scene's gsplat settings (the class is not exported by name). */
type GsplatParams = pc.Scene['gsplat'];

const RENDERER_NAMES: Record<number, string> = {
  [pc.GSPLAT_RENDERER_RASTER_CPU_SORT]: 'raster, CPU worker sort',
  [pc.GSPLAT_RENDERER_RASTER_GPU_SORT]: 'raster, GPU radix sort every frame',
  [pc.GSPLAT_RENDERER_COMPUTE]: 'compute',
};

function loadAsset(app: pc.AppBase, request: PeerOpenRequest): Promise<pc.Asset> {
  const asset = new pc.Asset(request.assetName, 'gsplat', { url: request.assetUrl, filename: request.assetName });
  return new Promise((resolve, reject) => {
    asset.once('load', () => resolve(asset));
    asset.once('error', (error: unknown) => reject(new Error(`PlayCanvas could not load ${request.assetName}: ${String(error)}`)));
    app.assets.add(asset);
    app.assets.load(asset);
  });
}

export async function openPlayCanvas(canvas: HTMLCanvasElement, request: PeerOpenRequest): Promise<PeerRenderer> {
  const { camera: view, background } = request;
  canvas.width = view.width;
  canvas.height = view.height;
  // antialias: no MSAA (the reference has none); alpha: an opaque canvas like ours.
  const device = await pc.createGraphicsDevice(canvas, { deviceTypes: [pc.DEVICETYPE_WEBGPU], antialias: false, alpha: false });
  device.maxPixelRatio = 1;
  const app = new pc.Application(canvas, { graphicsDevice: device });
  app.setCanvasFillMode(pc.FILLMODE_NONE, view.width, view.height);
  app.setCanvasResolution(pc.RESOLUTION_FIXED, view.width, view.height);
  // No frame loop of its own: the benchmark calls app.tick() for each frame it wants.
  app.requestAnimationFrame = () => undefined;

  const params = app.scene.gsplat;
  const settings: Record<string, string | number | boolean> = {};
  const set = <K extends keyof GsplatParams>(key: K, value: GsplatParams[K], why: string) => {
    params[key] = value;
    settings[key as string] = `${String(value)} (${why})`;
  };
  set('renderer', pc.GSPLAT_RENDERER_AUTO, 'default; resolves to the GPU sort on WebGPU');
  set('antiAlias', false, 'no Mip-Splatting opacity compensation, as the reference');
  set('minPixelSize', 0, 'default 2 drops splats under 2 px; the reference draws them');
  set('minContribution', 0, 'default 3 culls low-contribution splats; the reference does not');
  set('alphaClipForward', 1 / 255, 'the reference skips alpha < 1/255');
  set('radialSorting', false, 'view-depth order, as the reference');
  set('splatBudget', 0, 'no splat budget: every splat at full detail');
  set('useTonemap', false, 'stored colours out, no tone mapping or exposure');
  set('useFog', false, 'no fog');
  settings.dataFormat = `${params.dataFormat} (default work-buffer precision, left as users get it)`;

  const cameraEntity = new pc.Entity('camera');
  cameraEntity.addComponent('camera', {
    clearColor: new pc.Color(background[0], background[1], background[2], 1),
    fov: view.fovYDegrees,
    horizontalFov: false,
    aspectRatioMode: pc.ASPECT_MANUAL,
    aspectRatio: view.aspect,
    nearClip: view.near,
    farClip: view.far,
    // With gamma sRGB and no tone mapping the gsplat shader passes its stored colours through
    // untouched (gsplatOutput: decode/encode only around tone mapping or fog).
    gammaCorrection: pc.GAMMA_SRGB,
    toneMapping: pc.TONEMAP_NONE,
  });
  cameraEntity.setPosition(view.position[0], view.position[1], view.position[2]);
  cameraEntity.setRotation(new pc.Quat(view.quaternion[0], view.quaternion[1], view.quaternion[2], view.quaternion[3]));
  app.root.addChild(cameraEntity);
  settings.camera = 'fov = vertical fov from fy, aspect manual, gamma sRGB, tone mapping none';

  const asset = await loadAsset(app, request);
  const splat = new pc.Entity('splat');
  splat.addComponent('gsplat', { asset });
  app.root.addChild(splat);
  app.start();

  const webgpu = device.isWebGPU ? (device as unknown as WebgpuInternals) : null;
  const gl = webgpu ? null : (device as unknown as { gl: WebGL2RenderingContext }).gl;
  settings.renderer = `${RENDERER_NAMES[params.currentRenderer] ?? params.currentRenderer} (resolved from AUTO)`;
  const adapterInfo = webgpu?.gpuAdapter?.info;
  const adapter = adapterInfo
    ? [adapterInfo.vendor, adapterInfo.architecture, adapterInfo.device, adapterInfo.description].filter(Boolean).join(' ')
    : String(gl?.getParameter(gl.RENDERER) ?? 'unknown');
  // The GPU-sort path sorts inside each frame. The CPU-sort path (WebGL2 fallback) sorts in a worker
  // when the camera changes and reports each finished sort; with a fixed camera one is enough.
  const cpuSort = params.currentRenderer === pc.GSPLAT_RENDERER_RASTER_CPU_SORT;
  let sorted = false;
  app.scene.on('gsplat:sorted', () => (sorted = true));

  const resource = asset.resource as { numSplats?: number } | undefined;
  const renderFrame = () => app.tick(performance.now());
  return {
    info: {
      peer: 'playcanvas',
      library: `playcanvas ${pc.version}`,
      graphicsApi: device.deviceType,
      adapter,
      settings,
      splats: resource?.numSplats ?? 0,
    },
    renderFrame,
    gpuDone() {
      if (webgpu) return webgpu.wgpu.queue.onSubmittedWorkDone();
      gl!.readPixels(0, 0, 1, 1, gl!.RGBA, gl!.UNSIGNED_BYTE, new Uint8Array(4));
      return Promise.resolve();
    },
    async renderAndRead() {
      renderFrame();
      const { width, height } = view;
      if (!webgpu) {
        const pixels = new Uint8Array(width * height * 4);
        gl!.readPixels(0, 0, width, height, gl!.RGBA, gl!.UNSIGNED_BYTE, pixels);
        return flipRows(pixels, width, height);
      }
      // The canvas texture of the frame just drawn (still current: same task); PlayCanvas configures
      // it with COPY_SRC. Copy it out before the page presents it.
      const texture = webgpu.gpuContext.getCurrentTexture();
      const rowBytes = width * 4;
      const paddedRow = Math.ceil(rowBytes / 256) * 256;
      const staging = webgpu.wgpu.createBuffer({ label: 'peers.readback', size: paddedRow * height, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const encoder = webgpu.wgpu.createCommandEncoder();
      encoder.copyTextureToBuffer({ texture }, { buffer: staging, bytesPerRow: paddedRow }, [width, height]);
      webgpu.wgpu.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const padded = new Uint8Array(staging.getMappedRange());
      const out = new Uint8Array(rowBytes * height);
      const bgra = texture.format.startsWith('bgra');
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const s = y * paddedRow + x * 4;
          const d = (y * width + x) * 4;
          out[d] = padded[s + (bgra ? 2 : 0)]!;
          out[d + 1] = padded[s + 1]!;
          out[d + 2] = padded[s + (bgra ? 0 : 2)]!;
          out[d + 3] = padded[s + 3]!;
        }
      }
      staging.destroy();
      return out;
    },
    idle: () => !cpuSort || sorted,
    destroy() {
      app.destroy();
    },
  };
}
