/**
 * Every splat format through the GPU renderer, on the real files in ../shared/data/splats: each
 * cloud as loaded is drawn by Gaussians3dRenderer and compared with the float64 CPU reference of the
 * same cloud (the bounds of test/gpu/gaussians3d.test.ts), and where two files hold the same scene
 * their frames are compared with each other: the splat-transform fixtures (.splat, .ksplat, .spz
 * v2-v4: four splats quantised differently by each format), a SOG folder against the same files
 * zipped into a .sog, and a .sog against its entries unpacked into a folder.
 */
import { unzipSync, zipSync } from 'fflate';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { gpuTest } from '../helpers/gpu';
import type { Camera, Vec3 } from '../../src/camera/camera';
import { bundleFromEntries } from '../../src/formats/bundle';
import { loadSplatBundle } from '../../src/formats/openBundle';
import { splatBounds } from '../../src/methods/gaussians3d';
import { loadSplatBytes } from '../../src/methods/gaussians3d/load';
import { renderReference } from '../../src/methods/gaussians3d/reference';
import { Gaussians3dRenderer } from '../../src/methods/gaussians3d/renderer';
import type { SplatCloud } from '../../src/methods/gaussians3d/splatCloud';
import { compareImages, DATA, expectFaithful, lookAt, orbitCamera, readData, renderComplete, report } from './splatSceneHelpers';

/** Draws `cloud` at `cameras`, checks each frame against the reference, returns the frames. */
async function renderAndCheck(device: GPUDevice, name: string, cloud: SplatCloud, cameras: Camera[], background: Vec3 = [0, 0, 0]): Promise<Uint8Array[]> {
  const renderer = new Gaussians3dRenderer(device, cloud);
  const frames: Uint8Array[] = [];
  for (const [c, camera] of cameras.entries()) {
    const rgba = await renderComplete(device, renderer, camera, background);
    const error = compareImages(rgba, renderReference(cloud, camera, background).rgb, camera.width);
    // Share of pixels the splats changed by more than 2 levels: the camera must see the scene.
    let covered = 0;
    for (let p = 0; p < rgba.length; p += 4) if ([0, 1, 2].some((k) => Math.abs(rgba[p + k]! - 255 * background[k]!) > 2)) covered++;
    const coverage = covered / (rgba.length / 4);
    console.log(report(`${name} (${cloud.count} splats, SH ${cloud.shDegree}) camera ${c}, ${(100 * coverage).toFixed(0)}% covered, vs reference`, error));
    expect(coverage).toBeGreaterThan(0.02);
    expectFaithful(error);
    frames.push(rgba);
  }
  renderer.destroy();
  return frames;
}

function folderBundle(dir: string) {
  const names = readdirSync(`${DATA}/${dir}`);
  return bundleFromEntries(dir, new Map(names.map((n) => [n, `${DATA}/${dir}/${n}`])), (path) => new Uint8Array(readFileSync(path)));
}

describe('splat formats on the GPU', () => {
  gpuTest('the .splat, .ksplat and .spz v2/v3/v4 fixtures match the reference and each other', async ({ gpu }) => {
    const { device } = gpu;
    const names = ['minimal.splat', 'minimal.ksplat', 'minimal-v2.spz', 'minimal-v3.spz', 'minimal-v4.spz', 'minimal-raw.spz'];
    const clouds = await Promise.all(names.map((n) => loadSplatBytes(n, readData(`splats/fixtures/${n}`))));
    // Four splats of scale 0.1 at (−1, 0, −1), (0, 0, −1), (−1, 0, 0), (0, 0, 0), seen from above
    // and from the side (v2's generator wrote z unflipped, so it is seen mirrored: compared alone).
    const cameras = [lookAt([-0.5, -1.6, -0.4], [-0.5, 0, -0.5], [0, 0, -1], 96, 72), lookAt([-0.5, -0.5, 1.6], [-0.5, 0, -0.5], [0, -1, 0], 96, 72)];
    const frames = new Map<string, Uint8Array[]>();
    for (const [i, name] of names.entries()) frames.set(name, await renderAndCheck(device, name, clouds[i]!, cameras, [0.2, 0.2, 0.2]));
    // v3 and v4 (gzip vs ZSTD), raw and v2 (gzip vs none) decode to the same cloud: same frames.
    for (const [a, b] of [['minimal-v3.spz', 'minimal-v4.spz'], ['minimal-v2.spz', 'minimal-raw.spz']]) {
      for (let c = 0; c < cameras.length; c++) expect(compareImages(frames.get(a)![c]!, frames.get(b)![c]!, 96, 0).maxAbs).toBe(0);
    }
    // .splat, .ksplat and .spz v3 store the same splats with each format's own quantisation
    // (u8 colour, f32 vs 8-bit log scale, 12-bit positions): a few levels apart at most.
    for (const other of ['minimal.ksplat', 'minimal-v3.spz']) {
      for (let c = 0; c < cameras.length; c++) {
        const error = compareImages(frames.get(other)![c]!, frames.get('minimal.splat')![c]!, 96);
        console.log(report(`${other} vs minimal.splat, camera ${c}`, error));
        expect(error.maxAbs).toBeLessThanOrEqual(4);
        expect(error.psnr).toBeGreaterThan(40);
      }
    }
  });

  gpuTest('SuperSplat compressed .ply (guitar, 90,854 splats) matches the reference', async ({ gpu }) => {
    const { device } = gpu;
    const guitar = await loadSplatBytes('guitar.compressed.ply', readData('splats/compressed_ply/guitar.compressed.ply'));
    expect(guitar.count).toBe(90_854);
    const bounds = splatBounds(guitar);
    await renderAndCheck(device, 'guitar.compressed.ply', guitar, [orbitCamera(bounds, 0, 10, 128, 96), orbitCamera(bounds, 130, 30, 128, 96)]);
  });

  gpuTest('SOG: playbot folders with SH match the reference and the same files zipped as a .sog; a flipbook .sog matches its unpacked folder', async ({ gpu }) => {
    const { device } = gpu;
    for (const level of ['6_0', '3_0']) {
      const dir = `splats/sog/playbot/${level}`;
      const folder = await loadSplatBundle(folderBundle(dir));
      expect(folder.shDegree).toBeGreaterThan(0);
      const camera = orbitCamera(splatBounds(folder), 30, 15, 128, 96);
      const [fromFolder] = await renderAndCheck(device, `playbot ${level} folder`, folder, [camera]);
      // The same files as a .sog archive go through the ZIP path of the stream loader.
      const zipped = zipSync(Object.fromEntries(readdirSync(`${DATA}/${dir}`).map((n) => [n, readData(`${dir}/${n}`)])));
      const archive = await loadSplatBytes(`playbot_${level}.sog`, zipped);
      const [fromArchive] = await renderAndCheck(device, `playbot ${level} .sog`, archive, [camera]);
      expect(compareImages(fromArchive!, fromFolder!, 128, 0).maxAbs).toBe(0);
    }
    const wave = readData('dynamic/flipbook_wave/wave_0001.sog');
    const fromArchive = await loadSplatBytes('wave_0001.sog', wave);
    const entries = unzipSync(wave);
    const fromFolder = await loadSplatBundle(bundleFromEntries('wave_0001', new Map(Object.entries(entries)), (bytes) => bytes));
    const camera = orbitCamera(splatBounds(fromArchive), 20, 40, 128, 96);
    const [a] = await renderAndCheck(device, 'flipbook wave_0001.sog', fromArchive, [camera]);
    const [b] = await renderAndCheck(device, 'flipbook wave_0001 unpacked', fromFolder, [camera]);
    expect(compareImages(a!, b!, 128, 0).maxAbs).toBe(0);
  });
});
