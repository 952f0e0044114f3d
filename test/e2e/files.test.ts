/**
 * Multi-file assets and "save as" in the built app (headless Chromium): a SOG folder (playbot 6_0:
 * meta.json + WebP images, SH 2) opened by picking its files, by picking the folder, and by a drop;
 * then saved as .ply and .splat through the panel's buttons, the downloads compared byte for byte
 * with the writers run in Node on the same folder, and the .ply re-loaded to the same cloud.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleFromPath } from '../../tools/lib/fileBundle';
import { loadSplatBundle } from '../../src/formats/openBundle';
import { concatBytes } from '../../src/formats/stream';
import { inriaPlyChunks, splatChunks } from '../../src/formats/writers';
import { loadSplatBytes } from '../../src/methods/gaussians3d/load';
import type { SplatCloud } from '../../src/methods/gaussians3d/splatCloud';
import { openApp, type AppPage } from '../helpers/page';

const FOLDER = resolve(__dirname, '../../../shared/data/splats/sog/playbot/6_0');
const FILES = readdirSync(FOLDER).map((name) => resolve(FOLDER, name));

/** Waits for the load, draws a frame at 64×48 and returns what the page reports. */
async function opened(app: AppPage): Promise<{ error: string | null; method: string | null; asset: string | null; splats: unknown; lit: number }> {
  return app.page.evaluate(async () => {
    await window.nerve.idle();
    window.nerve.setSize(64, 48);
    await window.nerve.renderFrames(1);
    const frame = await window.nerve.readFrame();
    const bytes = Uint8Array.from(atob(frame.base64), (c) => c.charCodeAt(0));
    let lit = 0;
    for (let i = 0; i < bytes.length; i += 4) if (bytes[i]! + bytes[i + 1]! + bytes[i + 2]! > 30) lit++;
    return { error: window.nerve.error, method: window.nerve.method, asset: window.nerve.asset, splats: window.nerve.stats().splats, lit: lit / (bytes.length / 4) };
  });
}

function expectSameCloud(actual: SplatCloud, expected: SplatCloud): void {
  expect(actual.count).toBe(expected.count);
  expect(actual.shDegree).toBe(expected.shDegree);
  for (const key of ['positions', 'scales', 'rotations', 'opacities', 'sh'] as const) {
    const a = new Uint32Array(actual[key].buffer, actual[key].byteOffset, actual[key].length);
    const b = new Uint32Array(expected[key].buffer, expected[key].byteOffset, expected[key].length);
    const first = b.findIndex((v, i) => a[i] !== v);
    expect(first, `${key}[${first}]: ${actual[key][first]} vs ${expected[key][first]}`).toBe(-1);
  }
}

describe('SOG folders and save as', () => {
  let app: AppPage;
  let cloud: SplatCloud;
  beforeAll(async () => {
    cloud = await loadSplatBundle(await bundleFromPath(FOLDER));
    // Wide enough that the panel starts open (it folds below 700 px).
    app = await openApp('?scene=scenes/test-pattern.json', { width: 800, height: 500 });
    await app.page.waitForFunction(() => window.nerve?.ready || window.nerve?.error, null, { timeout: 120_000 });
    await app.page.evaluate(() => window.nerve.idle());
  });
  afterAll(async () => {
    await app?.close();
  });

  test('picking the folder\'s files opens it as one scene', async () => {
    await app.page.locator('#file-input').setInputFiles(FILES);
    const state = await opened(app);
    expect(state).toMatchObject({ error: null, method: 'gaussians3d', asset: `${FILES.length} files`, splats: cloud.count });
    expect(state.lit).toBeGreaterThan(0.05);
    expect(app.problems).toEqual([]);
  });

  test('picking the folder itself (webkitdirectory) opens it under the folder\'s name', async () => {
    await app.page.evaluate(() => window.nerve.openScene('scenes/test-pattern.json'));
    await app.page.locator('#folder-input').setInputFiles(FOLDER);
    expect(await opened(app)).toMatchObject({ error: null, method: 'gaussians3d', asset: '6_0', splats: cloud.count });
    expect(app.problems).toEqual([]);
  });

  test('dropping the files opens them; a drop of a lone meta.json names what is missing', async () => {
    await app.page.evaluate(() => window.nerve.openScene('scenes/test-pattern.json'));
    const files = FILES.map((path) => ({ name: path.slice(path.lastIndexOf('/') + 1), base64: readFileSync(path).toString('base64') }));
    const drop = (list: typeof files) =>
      app.page.evaluate(async (list) => {
        const data = new DataTransfer();
        for (const f of list) data.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, cancelable: true }));
        await new Promise((r) => setTimeout(r, 50));
      }, list);
    await drop(files);
    expect(await opened(app)).toMatchObject({ error: null, method: 'gaussians3d', splats: cloud.count });
    await drop(files.filter((f) => f.name === 'meta.json'));
    const error = await app.page.evaluate(async () => {
      await window.nerve.idle();
      return window.nerve.error;
    });
    expect(error).toMatch(/missing file '[^']+\.webp'/);
    // The scene from before is still shown.
    expect(await app.page.evaluate(() => window.nerve.stats().splats)).toBe(cloud.count);
    app.problems.length = 0;
  });

  test('the panel\'s splat budget and GPU storage change what is drawn; stats show rendered / total and the storage saving', async () => {
    const stats = () => app.page.evaluate(async () => {
      await window.nerve.renderFrames(1);
      return { stats: window.nerve.stats(), scene: window.nerve.memory().byOwner.GpuScene };
    });
    expect((await stats()).stats).toMatchObject({ rendered: '1,873 / 1,873', storage: 'full, 156 B/splat' });
    const budget = app.page.locator('.lil-controller', { hasText: 'splat budget' }).locator('input');
    await budget.fill('500');
    await budget.press('Enter');
    expect((await stats()).stats.rendered).toBe('500 / 1,873');
    await app.page.locator('.lil-controller', { hasText: 'GPU storage' }).locator('select').selectOption({ label: 'compact (f16, 8-bit SH)' });
    const compact = await stats();
    expect(compact.stats.storage).toBe('compact, 64 B/splat (full 156 B: 59% less)');
    expect(compact.scene).toBe(64 * cloud.count);
    await budget.fill('0');
    await budget.press('Enter');
    expect((await stats()).stats.rendered).toBe('1,873 / 1,873');
    expect(app.problems).toEqual([]);
  });

  test('"save as .ply" and ".splat" download exactly what the writers make of the cloud; the .ply re-loads to the same cloud', async () => {
    expect(await app.page.evaluate(() => window.nerve.exportFormats)).toEqual(['.ply', '.splat']);
    for (const format of ['.ply', '.splat'] as const) {
      const [download] = await Promise.all([app.page.waitForEvent('download'), app.page.getByRole('button', { name: `save as ${format}` }).click()]);
      const bytes = new Uint8Array(await readFile((await download.path())!));
      const expected = concatBytes([...(format === '.ply' ? inriaPlyChunks(cloud) : splatChunks(cloud))]);
      expect(download.suggestedFilename().endsWith(format)).toBe(true);
      expect(bytes.byteLength).toBe(expected.byteLength);
      expect(Buffer.compare(Buffer.from(bytes), Buffer.from(expected))).toBe(0);
      const reloaded = await loadSplatBytes(download.suggestedFilename(), bytes);
      if (format === '.ply') expectSameCloud(reloaded, cloud);
      else expect(reloaded.count).toBe(cloud.count);
    }
    expect(await app.page.evaluate(() => window.nerve.saveAs('.obj'))).toEqual({ error: expect.stringMatching(/cannot save as \.obj \(it saves as: \.ply, \.splat\)/) });
    expect(app.problems).toEqual([]);
  });
});
