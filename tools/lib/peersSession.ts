/**
 * One build and one headless Chromium for `npm run bench:peers`: a `vite build` of the app and of
 * the peers page (bench/peers.html, an extra build input used only here, so PlayCanvas, three and
 * Spark never enter the app's own build) into a temporary folder, served on loopback. Each renderer
 * then gets a fresh page of the same browser, closed before the next one starts, so no two renderers
 * share a GPU device or compete for the CPU while being timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { launchChromium } from './chromium';
import { serveStatic, type StaticServer } from './server';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface PeersSession {
  browser: Browser;
  server: StaticServer;
  close(): Promise<void>;
}

export interface SessionPage {
  page: Page;
  /** Console errors and page errors seen so far. */
  problems: string[];
  close(): Promise<void>;
}

export async function openPeersSession(): Promise<PeersSession> {
  const outDir = mkdtempSync(join(tmpdir(), 'nerve-peers-'));
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close().catch(() => undefined);
    await server?.close();
    rmSync(outDir, { recursive: true, force: true });
  };
  try {
    await build({
      root: REPO_ROOT,
      logLevel: 'error',
      build: {
        outDir,
        emptyOutDir: true,
        sourcemap: false,
        // PlayCanvas alone is a ~2 MB chunk; that is expected on this page.
        chunkSizeWarningLimit: 8192,
        rolldownOptions: { input: { app: join(REPO_ROOT, 'index.html'), peers: join(REPO_ROOT, 'bench/peers.html') } },
      },
    });
    server = await serveStatic(outDir);
    browser = await launchChromium();
    return { browser, server, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A new page at `path` of the session's server, with its console and page errors recorded. */
export async function openSessionPage(session: PeersSession, path: string, viewport: { width: number; height: number }): Promise<SessionPage> {
  const page = await session.browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await page.goto(new URL(path, session.server.url).href);
  return { page, problems, close: () => page.close() };
}
