/**
 * The work of `npm run bench:peers` (tools/benchPeers.ts): each scene rendered by nerve, PlayCanvas
 * and Spark with the same camera, size and browser, each one timed the same way and its image
 * compared with the float64 CPU reference.
 *
 * Per scene:
 *   1. nerve (the built app, window.nerve): open the scene at the size, take the camera its viewer
 *      shows, time frames with benchmark() (wall + per-pass GPU timestamps), read the frame;
 *   2. the CPU reference of the same cloud (loaded in Node by the same loader) and camera;
 *   3. each peer on a fresh page (window.peerBench): the camera converted exactly
 *      (tools/lib/peersCamera.ts), load, wait for its sort to settle, time frames, read the frame.
 * A peer that fails is reported with its exact error and the others carry on.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import type { Camera, Vec3 } from '../../src/camera/camera';
import type { AdapterSummary } from '../../src/gpu/context';
import { loadSplatBytes } from '../../src/methods/gaussians3d/load';
import { NEAR_CULL_Z } from '../../src/methods/gaussians3d/projection';
import { renderReference } from '../../src/methods/gaussians3d/reference';
import type { SplatCloud } from '../../src/methods/gaussians3d/splatCloud';
import { distribution, summarize } from './benchStats';
import { glCameraFromColmap, type GlCamera } from './peersCamera';
import { DEFAULT_PEER_SCENES, parsePeersArgs, type PeersArgs } from './peersArgs';
import { compareRgba8, referenceToRgba8 } from './peersImage';
import type { PeerId, PeerImage } from './peersProtocol';
import { formatPeersReport, formatSceneTable, pageErrorMessage, type PeersReport, type RendererResult, type SceneResult } from './peersReport';
import { openPeersSession, openSessionPage, REPO_ROOT, type PeersSession } from './peersSession';
import { loadSceneInput, type SceneInput } from './sceneInput';

export const TIMING =
  'wall time per frame, the same clock for every renderer: performance.now() from the start of the frame\'s CPU work ' +
  '(nerve: encode + submit of all passes and the canvas blit; PlayCanvas: app.tick(), its whole engine frame; Spark: ' +
  'renderer.render()) until the GPU reports that frame\'s work done (WebGPU: queue.onSubmittedWorkDone(); WebGL2: a ' +
  '1-pixel readPixels, which cannot return before every earlier draw has finished). Frames are drawn back to back ' +
  'with a fixed camera, not by requestAnimationFrame, so no vsync or compositor time is included.';

export const NOTES = [
  'The CPU reference is the INRIA rasterizer (src/methods/gaussians3d/reference.ts, float64): 16x16 tiles, 3-sigma bounds, ' +
    'alpha < 1/255 skipped, alpha capped at 0.99, stop at T < 1e-4, +0.3 px^2 low-pass, no anti-aliasing compensation, ' +
    'view-depth order; images are compared after clamping it to [0, 1] and rounding to 8 bits.',
  'The peers draw one screen-space quad per splat with hardware blending, not tiles, and keep their own kernels ' +
    '(PlayCanvas: a normalised exp(-4r^2) falloff cut at its quad; Spark: exp(-r^2/2) cut at maxStdDev), their own ' +
    'precision (PlayCanvas compact work buffer, Spark 16 B PackedSplats with float16 centres) and blend in 8 bits. ' +
    'Options that blur or cull differently from the reference were switched off or set to the reference values where ' +
    'the peer has one (see each renderer\'s settings); the rest shows in the PSNR.',
  'Peers sort asynchronously; each is timed only after its image stopped changing for the fixed camera. With a fixed ' +
    'camera Spark skips its accumulate and sort passes (they run only when the view changes), so its frame time is ' +
    'the draw of already sorted splats; PlayCanvas\'s WebGPU path and nerve project and sort every frame.',
  'Peers get near = 0.2, the reference\'s near cull, so all renderers drop the same splats near the camera.',
];

/** The peers' settle deadline plus this is how long one page call may take before it counts as hung. */
const PAGE_CALL_SLACK_MS = 60_000;

interface SceneToRun {
  name: string;
  input: SceneInput;
  assetPath: string;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function packageVersion(name: string): string {
  const path = join(REPO_ROOT, 'node_modules', name, 'package.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version : 'not installed';
}

function nerveVersion(): string {
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  try {
    return `nerve ${version} (${execFileSync('git', ['describe', '--always', '--dirty'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim()})`;
  } catch {
    return `nerve ${version}`;
  }
}

/** The scenes to run: those named, else the defaults (a default that is missing is skipped, not an error). */
function scenesToRun(args: PeersArgs, skipped: PeersReport['skipped']): SceneToRun[] {
  const named = args.scenes.length > 0;
  const list = named ? args.scenes.map((s) => ({ name: s, path: resolve(s) })) : DEFAULT_PEER_SCENES.map((s) => ({ name: s, path: join(REPO_ROOT, s) }));
  const scenes: SceneToRun[] = [];
  for (const { name, path } of list) {
    if (!named && !existsSync(path)) {
      skipped.push({ scene: name, reason: `not found at ${path} (the data folder is not beside the repository)` });
      continue;
    }
    const input = loadSceneInput(path, {});
    if (input.scene.method !== 'gaussians3d') throw new Error(`${name}: the peers render 3DGS scenes; this one is method '${input.scene.method}'`);
    if (/^[a-z]+:\/\//i.test(input.scene.asset)) throw new Error(`${name}: the asset must be a local file, not ${input.scene.asset}`);
    const assetPath = isAbsolute(input.scene.asset) ? input.scene.asset : resolve(input.baseDir, input.scene.asset);
    if (!existsSync(assetPath)) throw new Error(`${name}: asset ${assetPath} not found`);
    scenes.push({ name, input, assetPath });
  }
  return scenes;
}

function decode(image: PeerImage): Uint8Array {
  return new Uint8Array(Buffer.from(image.base64, 'base64'));
}

function writePng(dir: string, name: string, width: number, height: number, rgba: Uint8Array): void {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba);
  writeFileSync(join(dir, name), PNG.sync.write(png));
}

interface NerveRun {
  adapter: AdapterSummary | null;
  camera: Camera;
  result: RendererResult;
  image: Uint8Array;
}

async function runNerve(session: PeersSession, scene: SceneToRun, args: PeersArgs, viewport: { width: number; height: number }): Promise<NerveRun> {
  const app = await openSessionPage(session, '?empty=1&overlay=0', viewport);
  try {
    const { page } = app;
    await page.waitForFunction(() => window.nerve?.ready || window.nerve?.error, null, { timeout: 120_000 });
    const startError = await page.evaluate(() => window.nerve.error);
    if (startError) throw new Error(startError);
    const openError = await page.evaluate(
      ({ scene, baseUrl, width, height }) => {
        window.nerve.setSize(width, height);
        return window.nerve.openSceneObject(scene, baseUrl);
      },
      { scene: scene.input.scene, baseUrl: session.server.localUrl(scene.input.baseDir) + '/', width: args.width, height: args.height },
    );
    if (openError) throw new Error(openError);
    const camera = await page.evaluate(() => window.nerve.camera());
    const frames = await page.evaluate(({ frames, warmup }) => window.nerve.benchmark(frames, warmup), { frames: args.frames, warmup: args.warmup });
    const frame = await page.evaluate(() => window.nerve.readFrame());
    const gpuErrors = await page.evaluate(() => [...window.nerve.gpuErrors]);
    const problems = [...app.problems, ...gpuErrors.map((e) => `WebGPU error: ${e}`)];
    if (problems.length) throw new Error(`the app reported errors:\n  ${problems.join('\n  ')}`);
    const adapter = await page.evaluate(() => window.nerve.adapter);
    const summary = summarize(scene.name, '', frames);
    return {
      adapter,
      camera,
      image: decode(frame),
      result: {
        renderer: 'nerve',
        library: nerveVersion(),
        graphicsApi: 'webgpu',
        adapter: adapter ? [adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean).join(' ') : undefined,
        settings: { method: 'gaussians3d (tile compute rasterizer)', params: 'defaults' },
        splats: typeof frames.stats.splats === 'number' ? frames.stats.splats : undefined,
        frameMs: summary.wallMs,
        gpuMs: summary.gpuMs,
        gpuMsByPass: summary.gpuMsByPass,
      },
    };
  } finally {
    await app.close();
  }
}

interface PeerRun {
  result: RendererResult;
  image?: Uint8Array;
}

async function runPeer(session: PeersSession, peer: PeerId, scene: SceneToRun, camera: GlCamera, args: PeersArgs, viewport: { width: number; height: number }): Promise<PeerRun> {
  const result: RendererResult = { renderer: peer };
  const peerPage = await openSessionPage(session, 'bench/peers.html', viewport);
  const { page } = peerPage;
  const limit = args.settleTimeoutMs + PAGE_CALL_SLACK_MS;
  try {
    await page.waitForFunction(() => window.peerBench !== undefined, null, { timeout: 60_000 });
    const request = {
      peer,
      assetUrl: session.server.localUrl(scene.assetPath),
      assetName: basename(scene.assetPath),
      camera,
      background: scene.input.scene.background as Vec3,
    };
    const info = await withTimeout(page.evaluate((r) => window.peerBench.open(r), request), limit, `${peer} loading ${request.assetName}`);
    result.library = info.library;
    result.graphicsApi = info.graphicsApi;
    result.adapter = info.adapter;
    result.settings = info.settings;
    result.splats = info.splats;
    result.settle = await withTimeout(page.evaluate((ms) => window.peerBench.settle(ms), args.settleTimeoutMs), limit, `${peer} settling`);
    const wallMs = await withTimeout(
      page.evaluate(({ frames, warmup }) => window.peerBench.measure(frames, warmup), { frames: args.frames, warmup: args.warmup }),
      limit,
      `${peer} timing ${args.frames} frames`,
    );
    result.frameMs = distribution(wallMs);
    const image = decode(await withTimeout(page.evaluate(() => window.peerBench.readImage()), limit, `${peer} reading its image`));
    return { result, image };
  } catch (error) {
    result.error = pageErrorMessage(error as Error);
    return { result };
  } finally {
    if (peerPage.problems.length) result.problems = [...peerPage.problems];
    // A hung page must not hang the run: give the peer a moment to free its GPU objects, then close the page anyway.
    await withTimeout(page.evaluate(() => window.peerBench?.close()), 10_000, `${peer} closing`).catch(() => undefined);
    await peerPage.close();
  }
}

async function runScene(
  session: PeersSession,
  scene: SceneToRun,
  args: PeersArgs,
  log: (line: string) => void,
): Promise<{ result: SceneResult; adapter: AdapterSummary | null }> {
  const viewport = { width: Math.min(args.width, 1920), height: Math.min(args.height, 1080) };
  const cloud: SplatCloud = await loadSplatBytes(basename(scene.assetPath), new Uint8Array(readFileSync(scene.assetPath)));
  log(`${scene.name}: nerve…`);
  const nerve = await runNerve(session, scene, args, viewport);
  const { camera } = nerve;
  const background = scene.input.scene.background as Vec3;

  log(`${scene.name}: CPU reference…`);
  const referenceStart = performance.now();
  const reference = referenceToRgba8(renderReference(cloud, camera, background), camera.width, camera.height);
  const referenceMs = performance.now() - referenceStart;
  nerve.result.image = compareRgba8(nerve.image, reference, camera.width, camera.height);

  const peerCamera = glCameraFromColmap(camera, NEAR_CULL_Z, camera.far);
  const images: Array<[string, Uint8Array]> = [['reference', reference], ['nerve', nerve.image]];
  const renderers: RendererResult[] = [nerve.result];
  for (const peer of args.peers) {
    log(`${scene.name}: ${peer}…`);
    const run = await runPeer(session, peer, scene, peerCamera, args, viewport);
    if (run.image) {
      run.result.image = compareRgba8(run.image, reference, camera.width, camera.height);
      images.push([peer, run.image]);
    }
    if (run.result.frameMs && nerve.result.frameMs) run.result.ratioToOurs = run.result.frameMs.median / nerve.result.frameMs.median;
    renderers.push(run.result);
  }
  if (args.images) {
    mkdirSync(args.images, { recursive: true });
    const stem = basename(scene.assetPath).replace(/\.[^.]*$/, '');
    for (const [who, rgba] of images) writePng(args.images, `${stem}_${camera.width}x${camera.height}_${who}.png`, camera.width, camera.height, rgba);
  }
  const result: SceneResult = {
    scene: scene.name,
    asset: basename(scene.assetPath),
    splats: cloud.count,
    shDegree: cloud.shDegree,
    width: camera.width,
    height: camera.height,
    background,
    camera,
    peerCamera,
    referenceMs,
    renderers,
  };
  return { result, adapter: nerve.adapter };
}

export async function benchPeers(argv: string[], log: (line: string) => void = (line) => console.error(line)): Promise<PeersReport> {
  const args = parsePeersArgs(argv);
  const skipped: PeersReport['skipped'] = [];
  const scenes = scenesToRun(args, skipped);
  if (scenes.length === 0) throw new Error(`no scene to run: ${skipped.map((s) => `${s.scene} ${s.reason}`).join('; ')}`);
  log(`building the app and the peers page…`);
  const session = await openPeersSession();
  try {
    const report: PeersReport = {
      date: new Date().toISOString(),
      nerve: nerveVersion(),
      browser: `Chromium ${session.browser.version()}`,
      gpuMode: process.env.NERVE_GPU === 'hardware' ? 'hardware' : 'swiftshader',
      adapter: null,
      versions: { playcanvas: packageVersion('playcanvas'), '@sparkjsdev/spark': packageVersion('@sparkjsdev/spark'), three: packageVersion('three') },
      width: args.width,
      height: args.height,
      frames: args.frames,
      warmup: args.warmup,
      timing: TIMING,
      notes: NOTES,
      scenes: [],
      skipped,
    };
    for (const scene of scenes) {
      try {
        const { result, adapter } = await runScene(session, scene, args, log);
        report.adapter ??= adapter;
        report.scenes.push(result);
        formatSceneTable(result).forEach((line) => log(line));
      } catch (error) {
        // Without nerve's run there is no camera for the peers: the scene is skipped whole.
        skipped.push({ scene: scene.name, reason: `nerve could not render it: ${(error as Error).message}` });
        log(`${scene.name}: skipped: ${(error as Error).message}`);
      }
    }
    if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n');
    log('');
    formatPeersReport(report).forEach((line) => log(line));
    return report;
  } finally {
    await session.close();
  }
}

