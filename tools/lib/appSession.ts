/**
 * The real app, built and opened in headless Chromium for the command-line tools: a fresh
 * `vite build` into a temporary folder (so concurrent test builds into dist/ are never raced),
 * served by the loopback server, driven through `window.nerve`. Every console error, page error
 * and WebGPU error is collected so the tools can fail on them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import type { AdapterSummary } from '../../src/gpu/context';
import { launchChromium } from './chromium';
import { serveStatic, type StaticServer } from './server';

export interface AppSession {
  page: Page;
  server: StaticServer;
  adapter: AdapterSummary;
  /** Console errors, page errors and WebGPU errors seen so far. */
  problems: string[];
  close(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function openAppSession(viewport = { width: 1280, height: 720 }): Promise<AppSession> {
  const outDir = mkdtempSync(join(tmpdir(), 'nerve-app-'));
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  const cleanup = async () => {
    await browser?.close().catch(() => undefined);
    await server?.close();
    rmSync(outDir, { recursive: true, force: true });
  };
  try {
    await build({ root: ROOT, logLevel: 'error', build: { outDir, emptyOutDir: true, sourcemap: false } });
    server = await serveStatic(outDir);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport });
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(`${server.url}?empty=1&overlay=0`);
    await page.waitForFunction(() => window.nerve?.ready || window.nerve?.error, null, { timeout: 120_000 });
    const state = await page.evaluate(() => ({ error: window.nerve.error, adapter: window.nerve.adapter }));
    if (state.error || !state.adapter) throw new Error(state.error ?? 'the app reported no adapter');
    return { page, server, adapter: state.adapter, problems, close: cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

export function adapterName(adapter: AdapterSummary): string {
  return [adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean).join(' ').trim() || 'unknown adapter';
}

/** Throws when the page reported a problem or a WebGPU error since the session opened. */
export async function assertNoProblems(session: AppSession): Promise<void> {
  const gpuErrors = await session.page.evaluate(() => [...window.nerve.gpuErrors]);
  const all = [...session.problems, ...gpuErrors.map((e) => `WebGPU error: ${e}`)];
  if (all.length) throw new Error(`the page reported errors:\n  ${all.join('\n  ')}`);
}
