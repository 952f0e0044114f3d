import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type AppPage } from '../helpers/page';

describe('app in headless Chromium', () => {
  let app: AppPage;
  beforeAll(async () => {
    app = await openApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  test('gets a WebGPU adapter and device without errors', async () => {
    await app.page.waitForFunction(() => (window as any).nerve?.ready || (window as any).nerve?.error, null, { timeout: 60_000 });
    const state = await app.page.evaluate(() => (window as any).nerve);
    expect(state.error).toBeNull();
    console.log(`Chromium adapter: ${state.adapter.vendor} ${state.adapter.architecture}; features ${state.features.join(', ')}`);
    expect(state.adapter.architecture.length).toBeGreaterThan(0);
    expect(app.problems).toEqual([]);
  });
});
