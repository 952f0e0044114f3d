/**
 * Dropped folders (src/viewer/loading.ts): the webkitGetAsEntry tree is walked into files with their
 * paths (folders read in several readEntries batches), a bundle over them strips the dropped folder's
 * name, reads are metered and stop on abort, and a drop of too many files is refused.
 */
import { describe, expect, test } from 'vitest';
import { bundleFromPicked, dropEntries, MAX_DROPPED_FILES, meteredBundle, readDropEntries, type PickedFile } from '../../src/viewer/loading';

/** A FileSystemEntry tree in memory: strings are files, objects are folders. */
type Tree = { [name: string]: string | Tree };

function entry(name: string, node: string | Tree, parent = ''): FileSystemEntry {
  const fullPath = `${parent}/${name}`;
  if (typeof node === 'string') {
    return {
      isFile: true,
      isDirectory: false,
      name,
      fullPath,
      file: (resolve: (f: File) => void) => queueMicrotask(() => resolve(new File([node], name))),
    } as unknown as FileSystemEntry;
  }
  const children = Object.entries(node).map(([n, child]) => entry(n, child, fullPath));
  return {
    isFile: false,
    isDirectory: true,
    name,
    fullPath,
    createReader: () => {
      // Hands the folder out two entries at a time, then an empty batch, as browsers batch large folders.
      let next = 0;
      return {
        readEntries: (resolve: (batch: FileSystemEntry[]) => void) => {
          const batch = children.slice(next, next + 2);
          next += batch.length;
          queueMicrotask(() => resolve(batch));
        },
      };
    },
  } as unknown as FileSystemEntry;
}

const text = async (f: PickedFile) => [f.path, await f.file.text()];

describe('dropped folders', () => {
  test('a dropped folder is walked into files with their paths; the bundle strips the folder', async () => {
    const tree: Tree = { 'meta.json': '{}', 'means_l.webp': 'a', 'means_u.webp': 'b', 'quats.webp': 'c', sub: { 'shN_centroids.webp': 'd' } };
    const files = await readDropEntries([entry('3_0', tree)]);
    expect(await Promise.all(files.map(text))).toEqual([
      ['3_0/meta.json', '{}'],
      ['3_0/means_l.webp', 'a'],
      ['3_0/means_u.webp', 'b'],
      ['3_0/quats.webp', 'c'],
      ['3_0/sub/shN_centroids.webp', 'd'],
    ]);
    const bundle = bundleFromPicked(files);
    expect(bundle.name).toBe('3_0');
    expect(bundle.paths).toEqual(['meta.json', 'means_l.webp', 'means_u.webp', 'quats.webp', 'sub/shN_centroids.webp']);
    expect(new TextDecoder().decode(await bundle.read('sub/shN_centroids.webp'))).toBe('d');
    await expect(bundle.read('nope.webp')).rejects.toThrow(/3_0: missing file 'nope.webp'/);
  });

  test('loose files keep their names; the bundle is named by their count', async () => {
    const files = await readDropEntries([entry('meta.json', '{}'), entry('a.webp', 'x')]);
    expect(files.map((f) => f.path)).toEqual(['meta.json', 'a.webp']);
    expect(bundleFromPicked(files)).toMatchObject({ name: '2 files', paths: ['meta.json', 'a.webp'] });
  });

  test('reads are counted and stop once the load is cancelled', async () => {
    const bundle = bundleFromPicked(await readDropEntries([entry('f', { 'a.bin': 'abc', 'b.bin': 'de' })]));
    const controller = new AbortController();
    const seen: number[] = [];
    const metered = meteredBundle(bundle, controller.signal, (total) => seen.push(total));
    await metered.read('a.bin');
    await metered.read('b.bin');
    expect(seen).toEqual([3, 5]);
    controller.abort(new Error('cancelled'));
    await expect(metered.read('a.bin')).rejects.toThrow('cancelled');
  });

  test(`a drop of more than ${MAX_DROPPED_FILES} files is refused`, async () => {
    const big: Tree = Object.fromEntries(Array.from({ length: MAX_DROPPED_FILES + 1 }, (_, i) => [`f${i}`, '']));
    // One batch of everything keeps the walk quick.
    const folder = entry('home', big) as unknown as { createReader: () => unknown };
    const children = Object.keys(big).map((n) => entry(n, '', '/home'));
    folder.createReader = () => {
      let done = false;
      return { readEntries: (resolve: (b: FileSystemEntry[]) => void) => resolve(done ? [] : ((done = true), children)) };
    };
    await expect(readDropEntries([folder as unknown as FileSystemEntry])).rejects.toThrow(/more than 10000 files/);
  });

  test('dropEntries: the entries of every file item, or null when one has none (synthetic drops)', () => {
    const item = (e: FileSystemEntry | null) => ({ kind: 'file', webkitGetAsEntry: () => e }) as unknown as DataTransferItem;
    const a = entry('a', 'x');
    expect(dropEntries({ items: [item(a), { kind: 'string' }] } as unknown as DataTransfer)).toEqual([a]);
    expect(dropEntries({ items: [item(a), item(null)] } as unknown as DataTransfer)).toBeNull();
    expect(dropEntries({ items: [] } as unknown as DataTransfer)).toBeNull();
  });
});
