/**
 * Opens the built app in headless Chromium (WebGPU on SwiftShader) and records every console error,
 * page error and WebGPU uncaptured error, so a test can fail on any of them.
 */
import type { Browser, Page } from 'playwright-core';
import { inject } from 'vitest';
import { launchChromium } from '../../tools/lib/chromium';

export interface AppPage {
  browser: Browser;
  page: Page;
  problems: string[];
  close(): Promise<void>;
}

export async function openApp(query = '', viewport = { width: 640, height: 400 }): Promise<AppPage> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await page.goto(new URL(query, inject('baseUrl')).href);
  return {
    browser,
    page,
    problems,
    close: () => browser.close(),
  };
}
