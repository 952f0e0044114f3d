/**
 * GaussianImage in the viewer (headless Chromium, WebGPU on SwiftShader): the bundled Kodak scene
 * decodes a .gimg into a picture and reports bits per pixel and the decode rate next to the
 * paper's; a PNG opened in the page is fitted through the panel's buttons (PSNR, and MS-SSIM's
 * too-small notice for its 64×48), shown as a split view, and saved as a .gimg that our reader
 * accepts. Leaves no GPU memory behind when switching away.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type AppPage } from '../helpers/page';
import { bitsPerPixel, readGimg } from '../../src/methods/gaussianImage/codec';
import { cropImage, downsampleImage } from '../../src/methods/gaussianImage/imageData';
import { encodePng, readImageFile } from '../../tools/lib/imageFile';

// At least 700 px wide: narrower, the viewer starts with its panel folded.
const VIEWPORT = { width: 760, height: 400 };
const KODAK = resolve(__dirname, '../../../shared/data/images/kodak');

async function waitReady(app: AppPage): Promise<void> {
  await app.page.waitForFunction(() => window.nerve?.ready || window.nerve?.error, null, { timeout: 120_000 });
  await app.page.evaluate(() => window.nerve.idle());
}

/** The lil-gui row whose name is exactly `name`. */
function controller(app: AppPage, name: string) {
  return app.page.locator('.lil-controller').filter({ has: app.page.locator('.lil-name', { hasText: new RegExp(`^${name}$`) }) });
}

async function setNumber(app: AppPage, name: string, value: number): Promise<void> {
  const input = controller(app, name).locator('input').first();
  await input.fill(String(value));
  await input.press('Enter');
}

describe('GaussianImage in the viewer', () => {
  let app: AppPage;
  beforeAll(async () => {
    app = await openApp('?scene=scenes/kodak.json', VIEWPORT);
    await waitReady(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  test('the bundled Kodak .gimg decodes into a picture; the overlay shows bpp and the decode rate next to the paper', async () => {
    expect(await app.page.evaluate(() => window.nerve.error)).toBeNull();
    expect(await app.page.evaluate(() => window.nerve.method)).toBe('gaussianImage');
    const varied = await app.page.evaluate(async () => {
      await window.nerve.renderFrames(2);
      const frame = await window.nerve.readFrame();
      const bytes = Uint8Array.from(atob(frame.base64), (c) => c.charCodeAt(0));
      const colours = new Set<number>();
      for (let i = 0; i < bytes.length; i += 4) colours.add((bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!);
      return colours.size;
    });
    expect(varied).toBeGreaterThan(1000);
    const stats = await app.page.evaluate(() => window.nerve.stats());
    expect(stats.image).toBe('768×512');
    expect(Number(stats['bits per pixel'])).toBeGreaterThan(0);
    await expect.poll(async () => (await app.page.evaluate(() => window.nerve.stats()))['decode (GPU)'], { timeout: 30_000 }).toMatch(/[\d.]+ ms = \d+ FPS at 768×512 \(paper: 1500–2000 FPS/);
    await expect.poll(() => app.page.locator('#overlay').textContent(), { timeout: 10_000 }).toMatch(/paper: 1500 FPS at 768x512/);
    expect(app.problems).toEqual([]);
  });

  test('a PNG is fitted from the panel, compared in a split view and saved as a .gimg we can read', async () => {
    const small = cropImage(downsampleImage(await readImageFile(resolve(KODAK, 'kodim05.png')), 8), 0, 0, 64, 48);
    await app.page.route('**/fit-me.png', (route) => route.fulfill({ body: encodePng(small), contentType: 'image/png' }));
    expect(await app.page.evaluate(() => window.nerve.openUrl('fit-me.png'))).toBeNull();
    expect(await app.page.evaluate(() => window.nerve.stats().image)).toBe('64×48');
    await setNumber(app, 'Gaussians', 300);
    await setNumber(app, 'steps', 40);
    await setNumber(app, 'fine-tune steps \\(save\\)', 10);
    await controller(app, 'fit \\(restarts\\)').locator('button').click();
    const status = controller(app, 'status').locator('input');
    await expect.poll(() => status.inputValue(), { timeout: 150_000 }).toMatch(/^done: [\d.]+ dB after 40 steps$/);
    const stats = await app.page.evaluate(() => window.nerve.stats());
    expect(stats.PSNR).toMatch(/^[\d.]+ dB/);
    expect(Number.parseFloat(String(stats.PSNR))).toBeGreaterThan(18);
    expect(String(stats['PSNR curve']).length).toBeGreaterThan(3);
    expect(stats['MS-SSIM (RGB, 5 scales)']).toMatch(/^n\/a: 64×48 is under 161 px on its short side/);

    await controller(app, 'show').locator('select').selectOption('split');
    await app.page.evaluate(() => window.nerve.renderFrames(1));

    const download = app.page.waitForEvent('download', { timeout: 120_000 });
    await controller(app, 'save \\.gimg').locator('button').click();
    const file = await download;
    const chunks: Buffer[] = [];
    for await (const chunk of (await file.createReadStream())!) chunks.push(chunk as Buffer);
    const bytes = new Uint8Array(Buffer.concat(chunks));
    const encoded = readGimg(bytes, file.suggestedFilename());
    expect([encoded.width, encoded.height, encoded.count]).toEqual([64, 48, 300]);
    const saved = await app.page.evaluate(() => window.nerve.stats());
    expect(saved['bits per pixel']).toBe(bitsPerPixel(300, 64, 48).toFixed(3));
    expect(saved['MS-SSIM (RGB, 5 scales) of the .gimg']).toMatch(/^n\/a: 64×48 is under 161 px/);
    expect(app.problems).toEqual([]);
  });

  test('switching to another method frees every GaussianImage GPU object', async () => {
    expect(await app.page.evaluate(() => window.nerve.switchMethod('testPattern'))).toBeNull();
    const live = await app.page.evaluate(() => window.nerve.memory().liveLabels);
    expect(live.filter((label) => label.startsWith('GaussianImage'))).toEqual([]);
  });
});
