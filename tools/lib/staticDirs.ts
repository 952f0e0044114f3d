/**
 * A Vite plugin that ships whole folders (assets/, scenes/) next to the built app, at the same URLs
 * the dev server already serves them from (Vite serves every file under the project root in dev).
 * The app fetches scenes and assets by URL, so they must not be hashed or inlined.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Plugin } from 'vite';

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

export function staticDirs(dirs: string[]): Plugin {
  let root = process.cwd();
  return {
    name: 'nerve-static-dirs',
    apply: 'build',
    configResolved(config) {
      root = config.root;
    },
    generateBundle() {
      for (const dir of dirs) {
        for (const file of listFiles(resolve(root, dir))) {
          this.emitFile({ type: 'asset', fileName: relative(root, file).split('\\').join('/'), source: readFileSync(file) });
        }
      }
    },
  };
}
