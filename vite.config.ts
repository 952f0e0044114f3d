import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

// Dawn in Node loads Vulkan with dlopen; on machines without a GPU it gets SwiftShader from Debian's
// chromium package. Forked test workers inherit these, so set them before any worker starts.
const vkLib = process.env.NERVE_VK_LIB ?? '/usr/lib/chromium';
const vkIcd = process.env.NERVE_VK_ICD ?? '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(vkIcd)) process.env.VK_ICD_FILENAMES = vkIcd;
if (existsSync(vkLib) && !(process.env.LD_LIBRARY_PATH ?? '').split(':').includes(vkLib)) {
  process.env.LD_LIBRARY_PATH = [vkLib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
}

/**
 * Ships whole folders (assets/, scenes/) in the build at the URLs the dev server serves them from:
 * the app fetches scenes and assets by URL at run time, so they must not be hashed or inlined.
 */
function staticDirs(dirs: string[]): Plugin {
  const listFiles = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? listFiles(join(dir, name)) : [join(dir, name)]));
  let root = process.cwd();
  return {
    name: 'nerve-static-dirs',
    apply: 'build',
    configResolved(config) {
      root = config.root;
    },
    generateBundle() {
      for (const file of dirs.flatMap((dir) => listFiles(resolve(root, dir)))) {
        this.emitFile({ type: 'asset', fileName: relative(root, file).split('\\').join('/'), source: readFileSync(file) });
      }
    },
  };
}

export default defineConfig({
  server: { port: 5173 },
  plugins: [staticDirs(['assets', 'scenes'])],
  build: { target: 'es2022', sourcemap: true },
  test: {
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'gpu', include: ['test/gpu/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/globalSetup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
