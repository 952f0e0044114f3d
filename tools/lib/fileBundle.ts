/**
 * AssetBundles over the local file system for Node tools and tests: a directory (every file below
 * it, paths relative to it) or a single file. Files are read when the loader asks for them.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { bundleFromEntries, type AssetBundle } from '../../src/formats/bundle';

export async function bundleFromPath(path: string): Promise<AssetBundle> {
  const files = (await stat(path)).isDirectory() ? await listFiles(path) : [path];
  const root = files.length === 1 && files[0] === path ? join(path, '..') : path;
  const entries = new Map(files.map((file) => [relative(root, file).split(sep).join('/'), file]));
  return bundleFromEntries(basename(path), entries, async (file) => new Uint8Array(await readFile(file)));
}

async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(full)));
    else if (entry.isFile()) found.push(full);
  }
  return found;
}
