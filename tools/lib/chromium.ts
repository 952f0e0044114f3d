/**
 * Launches the system Chromium with WebGPU on SwiftShader (no GPU needed). Used by the e2e tests and
 * by the command-line tools (render, bench). CHROMIUM_PATH overrides the binary; NERVE_GPU=hardware
 * drops the SwiftShader flags so a real GPU is used where one exists.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
  if (!existsSync(path)) {
    throw new Error(
      `Chromium not found at ${path}. Install Debian's chromium (apt-get install -y chromium) ` +
        'or set CHROMIUM_PATH to a Chromium/Chrome binary with WebGPU.',
    );
  }
  return path;
}

const COMMON_FLAGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const SWIFTSHADER_FLAGS = [
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
];

export async function launchChromium(): Promise<Browser> {
  const hardware = process.env.NERVE_GPU === 'hardware';
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [...COMMON_FLAGS, ...(hardware ? [] : SWIFTSHADER_FLAGS)],
  });
}
