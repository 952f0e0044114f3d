/**
 * The app as `npm run dev` opens it: the bundled default scene (3DGS donut) renders, the overlay
 * carries the 3DGS numbers, and switching between methods leaks no GPU memory.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type AppPage } from '../helpers/page';

describe('app in headless Chromium', () => {
  let app: AppPage;
  beforeAll(async () => {
    app = await openApp('', { width: 320, height: 240 });
  });
  afterAll(async () => {
    await app?.close();
  });

  test('gets a WebGPU adapter and device without errors', async () => {
    await app.page.waitForFunction(() => window.nerve?.ready || window.nerve?.error, null, { timeout: 60_000 });
    const state = await app.page.evaluate(() => ({ error: window.nerve.error, adapter: window.nerve.adapter, features: window.nerve.features }));
    expect(state.error).toBeNull();
    console.log(`Chromium adapter: ${state.adapter!.vendor} ${state.adapter!.architecture}; features ${state.features.join(', ')}`);
    expect(state.adapter!.architecture.length).toBeGreaterThan(0);
    expect(app.problems).toEqual([]);
  });

  test('the default scene renders the donut (non-blank frame)', async () => {
    await app.page.evaluate(() => window.nerve.idle());
    expect(await app.page.evaluate(() => ({ error: window.nerve.error, method: window.nerve.method, asset: window.nerve.asset }))).toEqual({
      error: null,
      method: 'gaussians3d',
      asset: 'donut_sh0.ply',
    });
    const { lit, width, height } = await app.page.evaluate(async () => {
      await window.nerve.renderFrames(1);
      const frame = await window.nerve.readFrame();
      const bytes = Uint8Array.from(atob(frame.base64), (c) => c.charCodeAt(0));
      let lit = 0;
      // The scene's background is black: count pixels the splats lit.
      for (let i = 0; i < bytes.length; i += 4) if (bytes[i]! + bytes[i + 1]! + bytes[i + 2]! > 30) lit++;
      return { lit, width: frame.width, height: frame.height };
    });
    expect([width, height]).toEqual([320, 240]);
    expect(lit / (width * height)).toBeGreaterThan(0.1);
    expect(app.problems).toEqual([]);
  });

  test('the overlay shows splat count, 3DGS pass timings, memory and the paper ratio', async () => {
    const overlay = app.page.locator('#overlay');
    await expect.poll(() => overlay.textContent(), { timeout: 30_000 }).toMatch(/rasterize\s+[\d.]+ ms/);
    const text = (await overlay.textContent())!;
    expect(text).toContain('splats: 45,624');
    expect(text).toMatch(/project\s+[\d.]+ ms/);
    expect(text).toMatch(/GPU memory [\d.]+ MB/);
    expect(text).toContain('paper: 100 FPS at 1920x1080 on RTX A6000');
    expect(text).toMatch(/ours\/paper [\d.]+x \(ours at 320x240, paper at 1920x1080\)/);
    expect(app.problems).toEqual([]);
  });

  test('switching methods 10 times returns tracked GPU memory to its baseline', async () => {
    // A small real scene (489 splats) dropped on the page at 64x48 keeps each cycle cheap on
    // SwiftShader; what is checked (every GPU object freed) does not depend on the scene's size.
    const ply = readFileSync(resolve(__dirname, '../../../shared/data/splats/ply/pr477_lod4_tile_0.ply')).toString('base64');
    const opened = await app.page.evaluate(async (base64) => {
      window.nerve.setSize(64, 48);
      const data = new DataTransfer();
      data.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], 'pr477_lod4_tile_0.ply'));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, cancelable: true }));
      await window.nerve.idle();
      // Past the first frames, where stages with an 'auto' implementation time their candidates
      // (and hold them all): the instances loaded below start with those decisions.
      await window.nerve.renderFrames(30);
      return { error: window.nerve.error, method: window.nerve.method, stats: window.nerve.stats() };
    }, ply);
    expect(opened).toMatchObject({ error: null, method: 'gaussians3d', stats: { splats: 489 } });
    const baseline = await app.page.evaluate(() => window.nerve.memory());
    for (let i = 0; i < 10; i++) {
      const errors = await app.page.evaluate(async () => {
        const toPattern = await window.nerve.switchMethod('testPattern');
        await window.nerve.renderFrames(1);
        const back = await window.nerve.switchMethod('gaussians3d');
        await window.nerve.renderFrames(1);
        return [toPattern, back, window.nerve.method];
      });
      expect(errors).toEqual([null, null, 'gaussians3d']);
    }
    const after = await app.page.evaluate(() => window.nerve.memory());
    expect(after.byOwner).toEqual(baseline.byOwner);
    expect(after.totalBytes).toBe(baseline.totalBytes);
    expect(app.problems).toEqual([]);
  });
});
