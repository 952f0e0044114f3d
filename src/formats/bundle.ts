/**
 * An AssetBundle is a scene made of several files, read on demand: the files a user dropped (a
 * folder, or several files picked together), the entries of a ZIP archive (`openZip` in zip.ts), or
 * a plain map in tests and Node tools. Multi-file formats (SOG: meta.json + WebP images) read their
 * parts only through it, so one loader serves the browser, the CLI and the tests.
 *
 * Paths are '/'-separated and relative to the bundle's root. For a dropped folder the folder's own
 * name is stripped, so `scene/meta.json` becomes `meta.json`.
 */
import { normalizePath } from './zip';

export interface AssetBundle {
  /** For messages: the folder, archive or file name the user gave. */
  readonly name: string;
  /** Every file in the bundle. */
  readonly paths: readonly string[];
  /** The bytes of one file; rejects with a message naming the bundle when it is missing or unreadable. */
  read(path: string): Promise<Uint8Array>;
}

/**
 * A bundle over dropped or picked files. A file's path is its `webkitRelativePath` when it came from
 * a folder (input with `webkitdirectory`, or a drop read through `webkitGetAsEntry`), else its name.
 */
export function bundleFromFiles(files: Iterable<File>, name?: string): AssetBundle {
  const list = [...files];
  const raw = list.map((f) => normalizePath(f.webkitRelativePath || f.name));
  // Every path under one top folder (a dropped folder): strip it.
  const top = raw[0]?.split('/')[0];
  const shared = raw.length > 0 && raw.every((p) => p.includes('/') && p.split('/')[0] === top);
  const byPath = new Map<string, File>();
  raw.forEach((p, i) => byPath.set(shared ? p.slice(top!.length + 1) : p, list[i]!));
  return bundleFromEntries(name ?? (shared ? top! : list[0]?.name ?? 'files'), byPath, async (file) => new Uint8Array(await file.arrayBuffer()));
}

/** A bundle over a map of path → content (bytes, or anything `load` turns into bytes). */
export function bundleFromEntries<T>(
  name: string,
  entries: ReadonlyMap<string, T>,
  load: (content: T) => Promise<Uint8Array> | Uint8Array,
): AssetBundle {
  const normalized = new Map<string, T>();
  for (const [path, content] of entries) normalized.set(normalizePath(path), content);
  return {
    name,
    paths: [...normalized.keys()],
    async read(path: string) {
      const content = normalized.get(normalizePath(path));
      if (content === undefined) {
        throw new Error(`${name}: missing file '${path}' (the bundle has: ${[...normalized.keys()].join(', ') || 'nothing'})`);
      }
      return load(content);
    },
  };
}

/** The folder part of a bundle path ('' at the root), with a trailing '/'. */
export function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash + 1);
}
