/**
 * The viewer in headless Chromium (WebGPU on SwiftShader), driven through window.nerve at 320x240:
 * it renders, the overlay carries real numbers, switching and reloading leak no GPU memory,
 * device loss is recovered in place, and bad input gives a message while the page keeps working.
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type AppPage } from '../helpers/page';

const VIEWPORT = { width: 320, height: 240 };

/** Share of pixels that differ from the first pixel (a blank or single-colour frame gives 0). */
async function frameVariety(app: AppPage): Promise<{ width: number; height: number; varied: number }> {
  return app.page.evaluate(async () => {
    await window.nerve.renderFrames(1);
    const frame = await window.nerve.readFrame();
    const bytes = Uint8Array.from(atob(frame.base64), (c) => c.charCodeAt(0));
    let varied = 0;
    for (let i = 0; i < bytes.length; i += 4) {
      if (Math.abs(bytes[i]! - bytes[0]!) + Math.abs(bytes[i + 1]! - bytes[1]!) + Math.abs(bytes[i + 2]! - bytes[2]!) > 6) varied++;
    }
    return { width: frame.width, height: frame.height, varied: varied / (bytes.length / 4) };
  });
}

async function waitReady(app: AppPage): Promise<void> {
  await app.page.waitForFunction(() => window.nerve?.ready || window.nerve?.error, null, { timeout: 120_000 });
  await app.page.evaluate(() => window.nerve.idle());
}

describe('viewer', () => {
  let app: AppPage;
  beforeAll(async () => {
    app = await openApp('?scene=scenes/test-pattern.json', VIEWPORT);
    await waitReady(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  test('a scene renders a non-blank frame the size of the canvas', async () => {
    expect(await app.page.evaluate(() => window.nerve.error)).toBeNull();
    expect(await app.page.evaluate(() => window.nerve.method)).toBe('testPattern');
    const frame = await frameVariety(app);
    expect([frame.width, frame.height]).toEqual([VIEWPORT.width, VIEWPORT.height]);
    expect(frame.varied).toBeGreaterThan(0.5);
    expect(app.problems).toEqual([]);
  });

  test('the overlay shows FPS, GPU time per pass, memory and stats; H hides it', async () => {
    await app.page.evaluate(() => window.nerve.renderFrames(3));
    const overlay = app.page.locator('#overlay');
    await expect.poll(() => overlay.textContent(), { timeout: 10_000 }).toMatch(/testPattern\s+[\d.]+ ms/);
    const text = (await overlay.textContent())!;
    expect(text).toMatch(/FPS (idle|[\d.]+)/);
    expect(text).toMatch(/CPU [\d.]+ ms/);
    expect(text).toMatch(/blit\s+[\d.]+ ms/);
    expect(text).toMatch(/GPU memory [\d.]+ KB/);
    expect(text).toMatch(/Viewer\s+300\.0 KB \(1\)/);
    expect(text).toContain('asset bytes: 2,555,305');
    expect(text).toContain('320x240 px');
    const gpuMs = await app.page.evaluate(() => window.nerve.gpuMs());
    expect(Object.keys(gpuMs).sort()).toEqual(['blit', 'testPattern']);
    await app.page.locator('#view').click();
    await app.page.keyboard.press('h');
    expect(await overlay.isHidden()).toBe(true);
    await app.page.keyboard.press('Backquote');
    expect(await overlay.isVisible()).toBe(true);
    expect(app.problems).toEqual([]);
  });

  test('dragging on the canvas moves the camera and redraws', async () => {
    const before = await app.page.evaluate(() => window.nerve.frameCount);
    const box = (await app.page.locator('#view').boundingBox())!;
    const first = await app.page.evaluate(async () => (await window.nerve.readFrame()).base64);
    await app.page.mouse.move(box.x + 100, box.y + 100);
    await app.page.mouse.down();
    await app.page.mouse.move(box.x + 160, box.y + 130, { steps: 4 });
    await app.page.mouse.up();
    await app.page.waitForFunction((n) => window.nerve.frameCount > n, before);
    await app.page.evaluate(() => window.nerve.renderFrames(1));
    const second = await app.page.evaluate(async () => (await window.nerve.readFrame()).base64);
    expect(second).not.toBe(first);
    expect(app.problems).toEqual([]);
  });

  test('touch: two fingers pinching apart zoom in, one finger rotates', async () => {
    const cdp = await app.page.context().newCDPSession(app.page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', points: Array<[number, number]>) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map(([x, y], id) => ({ x, y, id })) });
    const distance = () => app.page.evaluate(() => Math.hypot(...window.nerve.camera().translation));
    const before = await distance();
    await touch('touchStart', [[140, 120], [180, 120]]);
    for (let step = 1; step <= 4; step++) await touch('touchMove', [[140 - 15 * step, 120], [180 + 15 * step, 120]]);
    await touch('touchEnd', []);
    // Span 40 px → 160 px: the orbit distance shrinks by 4. The eye is measured from the origin (the
    // target before the gesture); the fingers move one after the other, so the midpoint pans a
    // little and back at another zoom, hence the 10% band.
    const zoomed = await distance();
    expect(before / zoomed).toBeGreaterThan(3.6);
    expect(before / zoomed).toBeLessThan(4.4);
    const rotation = await app.page.evaluate(() => window.nerve.camera().rotation);
    await touch('touchStart', [[100, 100]]);
    await touch('touchMove', [[140, 100]]);
    await touch('touchEnd', []);
    expect(await app.page.evaluate(() => window.nerve.camera().rotation)).not.toEqual(rotation);
    await app.page.evaluate(() => window.nerve.openScene('scenes/test-pattern.json'));
    expect(app.problems).toEqual([]);
  });

  test('keyboard: holding W moves the camera forward; fly mode looks around the eye', async () => {
    await app.page.evaluate(() => window.nerve.openScene('scenes/test-pattern.json'));
    const eye = () => app.page.evaluate(() => {
      const c = window.nerve.camera();
      const r = c.rotation;
      const t = c.translation;
      return [0, 1, 2].map((i) => -(r[i]! * t[0] + r[3 + i]! * t[1] + r[6 + i]! * t[2]));
    });
    const start = await eye();
    await app.page.locator('#view').focus();
    await app.page.keyboard.down('KeyW');
    await app.page.waitForTimeout(300);
    await app.page.keyboard.up('KeyW');
    const moved = await eye();
    expect(Math.hypot(...moved)).toBeLessThan(Math.hypot(...start) - 0.05);
    // Fly mode: a drag turns the view but leaves the eye where it is.
    await app.page.evaluate(() => window.nerve.setControlMode('fly'));
    const box = (await app.page.locator('#view').boundingBox())!;
    await app.page.mouse.move(box.x + 100, box.y + 100);
    await app.page.mouse.down();
    await app.page.mouse.move(box.x + 150, box.y + 80, { steps: 3 });
    await app.page.mouse.up();
    const after = await eye();
    after.forEach((x, i) => expect(x).toBeCloseTo(moved[i]!, 9));
    await app.page.evaluate(() => window.nerve.setControlMode('orbit'));
    expect(app.problems).toEqual([]);
  });

  test('the screenshot button downloads exactly the frame target as PNG', async () => {
    await app.page.evaluate(() => window.nerve.renderFrames(1));
    const frame = await app.page.evaluate(() => window.nerve.readFrame());
    // The panel starts folded on small screens.
    await app.page.locator('.lil-title', { hasText: 'nerve' }).click();
    const [download] = await Promise.all([app.page.waitForEvent('download'), app.page.getByText('screenshot (PNG)').click()]);
    const png = PNG.sync.read(readFileSync((await download.path())!));
    expect([png.width, png.height]).toEqual([frame.width, frame.height]);
    expect(png.data.equals(Buffer.from(frame.base64, 'base64'))).toBe(true);
    expect(download.suggestedFilename()).toBe('donut_sh0-320x240.png');
    await app.page.locator('.lil-title', { hasText: 'nerve' }).click();
    expect(app.problems).toEqual([]);
  });

  test('10 method switches and reloads return GPU memory to its baseline', async () => {
    const baseline = await app.page.evaluate(() => window.nerve.memory());
    for (let i = 0; i < 10; i++) {
      const errors = await app.page.evaluate(async () => [await window.nerve.reload(), await window.nerve.openScene('scenes/test-pattern.json')]);
      expect(errors).toEqual([null, null]);
      await app.page.evaluate(() => window.nerve.renderFrames(1));
    }
    const after = await app.page.evaluate(() => window.nerve.memory());
    expect(after.byOwner).toEqual(baseline.byOwner);
    expect(after.totalBytes).toBe(baseline.totalBytes);
    expect(after.liveLabels.sort()).toEqual(baseline.liveLabels.sort());
    expect(app.problems).toEqual([]);
  });

  test('a bad file dropped on the page gives a clear message and the viewer keeps working', async () => {
    await app.page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array([1, 2, 3, 4])], 'broken.xyz'));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, cancelable: true }));
    });
    await app.page.evaluate(() => window.nerve.idle());
    const message = app.page.locator('#message');
    await expect.poll(() => message.textContent()).toContain("No method opens 'broken.xyz'");
    expect(await message.getAttribute('class')).toBe('error');
    expect(await app.page.evaluate(() => window.nerve.method)).toBe('testPattern');
    expect((await frameVariety(app)).varied).toBeGreaterThan(0.5);
    expect(await app.page.evaluate(() => window.nerve.openScene('scenes/test-pattern.json'))).toBeNull();
    expect(await message.isHidden()).toBe(true);
    expect(app.problems).toEqual([]);
  });

  test('the progress bar shows bytes and its cancel button stops the load, keeping the scene', async () => {
    // A server that trickles 64 KB chunks of a 10 MB file, so the load is still running when we cancel.
    await app.page.evaluate(() => {
      const realFetch = window.fetch;
      window.fetch = (input, init) => {
        if (!String(input).endsWith('/slow.bin')) return realFetch(input, init);
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            controller.enqueue(new Uint8Array(65536));
          },
        });
        return Promise.resolve(new Response(body, { headers: { 'content-length': String(10 * 1024 * 1024), 'content-type': 'application/octet-stream' } }));
      };
    });
    const loading = app.page.evaluate(() => window.nerve.openUrl('/slow.bin', 'testPattern'));
    const progress = app.page.locator('#progress');
    await expect.poll(() => progress.locator('.progress-bytes').textContent(), { timeout: 10_000 }).toMatch(/^[\d.]+ KB of 10\.0 MB$/);
    expect(await progress.locator('.progress-label').textContent()).toBe('Loading /slow.bin');
    await progress.getByRole('button', { name: 'Cancel' }).click();
    await loading;
    expect(await progress.isHidden()).toBe(true);
    expect(await app.page.locator('#message').textContent()).toContain('Loading cancelled.');
    expect(await app.page.evaluate(() => ({ method: window.nerve.method, asset: window.nerve.asset, error: window.nerve.error }))).toEqual({
      method: 'testPattern',
      asset: 'donut_sh0.ply',
      error: null,
    });
    expect(app.problems).toEqual([]);
  });

  test('a scene names its camera exactly, and a camera path is followed over time', async () => {
    const entry = (x: number, name: string) => ({ img_name: name, width: 160, height: 120, position: [x, 0, -3], rotation: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], fx: 150, fy: 150 });
    const scene = { method: 'testPattern', asset: 'assets/ATTRIBUTION.md', cameras: [entry(0, 'left'), entry(2, 'right')], camera: 'right' };
    expect(await app.page.evaluate((s) => window.nerve.openSceneObject(s, '/'), scene)).toBeNull();
    // The named camera at the 320x240 canvas: same vertical field of view (fy scaled by 240/120).
    const named = await app.page.evaluate(() => window.nerve.camera());
    expect(named.translation.map((v) => v + 0)).toEqual([-2, 0, 3]);
    expect([named.fx, named.fy, named.cx, named.cy]).toEqual([300, 300, 160, 120]);
    const path = { ...scene, camera: undefined, cameraPath: { cameras: ['left', 'right'], seconds: 2, loop: false } };
    expect(await app.page.evaluate((s) => window.nerve.openSceneObject(s, '/'), path)).toBeNull();
    const centreAt = (t: number) =>
      app.page.evaluate((time) => {
        window.nerve.setTime(time);
        return window.nerve.camera().translation;
      }, t);
    const [x0] = await centreAt(0);
    const [x1] = await centreAt(1);
    const [x2] = await centreAt(2);
    expect([x0, x1, x2].map((x) => -x + 0)).toEqual([0, 1, 2]);
    await app.page.evaluate(() => window.nerve.openScene('scenes/test-pattern.json'));
    expect(app.problems).toEqual([]);
  });

  test('a bad scene file names every problem', async () => {
    const error = await app.page.evaluate(() => window.nerve.openSceneObject({ method: 'nope', assets: 'x' }, '/'));
    expect(error).toContain("assets: unknown key");
    expect(error).toContain("method: 'nope' is not a registered method");
    expect(error).toContain('asset: required');
    expect(app.problems).toEqual([]);
  });

  test('device loss: a new device, the scene reloaded in place, memory as before', async () => {
    const before = await app.page.evaluate(() => ({ generation: window.nerve.deviceGeneration, memory: window.nerve.memory() }));
    await app.page.evaluate(() => window.nerve.loseDevice());
    await app.page.waitForFunction((g) => window.nerve.deviceGeneration > g, before.generation, { timeout: 60_000 });
    await app.page.waitForFunction(() => window.nerve.method === 'testPattern' && !window.nerve.loading, null, { timeout: 60_000 });
    await app.page.evaluate(() => window.nerve.idle());
    expect(await app.page.evaluate(() => window.nerve.error)).toBeNull();
    expect((await frameVariety(app)).varied).toBeGreaterThan(0.5);
    const after = await app.page.evaluate(() => window.nerve.memory());
    expect(after.byOwner).toEqual(before.memory.byOwner);
    expect(app.problems).toEqual([]);
  });
});

describe('viewer error pages', () => {
  // vite preview answers a missing file with index.html (single-page-app fallback), as many hosts do.
  test('?url= of a missing file says so in the page', async () => {
    const app = await openApp('?url=assets/missing.ply&method=testPattern', VIEWPORT);
    try {
      await waitReady(app);
      const message = app.page.locator('#message');
      await expect.poll(() => message.textContent(), { timeout: 30_000 }).toMatch(/Could not load .*assets\/missing\.ply: .*the file is probably missing/);
      expect(await app.page.evaluate(() => window.nerve.error)).toMatch(/missing\.ply/);
      // Only the browser's own network log line for the 404 may appear.
      expect(app.problems.filter((p) => !/Failed to load resource.*404/.test(p))).toEqual([]);
    } finally {
      await app.close();
    }
  });

  test('without navigator.gpu the page explains what is missing', async () => {
    const app = await openApp('about:blank', VIEWPORT);
    try {
      await app.page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
      const { inject } = await import('vitest');
      await app.page.goto(new URL('?scene=scenes/test-pattern.json', inject('baseUrl')).href);
      await app.page.waitForFunction(() => window.nerve?.error, null, { timeout: 30_000 });
      const message = (await app.page.locator('#message').textContent())!;
      expect(message).toContain('does not expose WebGPU (navigator.gpu is missing)');
      expect(app.problems).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
