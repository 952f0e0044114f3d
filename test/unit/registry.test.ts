import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { dynamicFrom3d, firstSplats, loadPly3d, ply4dColumns, writeFloatPly } from './gaussians4dTestKit';
import { SNIFF_BYTES, methodById, methodForAsset, methods } from '../../src/methods/registry';

const head = (path: string) => new Uint8Array(readFileSync(resolve(__dirname, path)).subarray(0, SNIFF_BYTES));

describe('method registry', () => {
  test('ids are unique and every method has a label', () => {
    expect(new Set(methods.map((m) => m.id)).size).toBe(methods.length);
    for (const m of methods) expect(m.label.length).toBeGreaterThan(0);
    expect(() => methodById('nope')).toThrow(/Unknown method 'nope'. Registered methods: gaussians3d, gaussians4d, gaussianImage, testPattern/);
  });

  test('files go to the method that can read them, by content first', async () => {
    const fruit = firstSplats(await loadPly3d('fruit_drops_sh3.ply'), 1);
    expect(methodForAsset('donut_sh0.ply', head('../../assets/donut_sh0.ply')).id).toBe('gaussians3d');
    expect(methodForAsset('hanabi2.splatv', head('../../assets/hanabi2.splatv')).id).toBe('gaussians4d');
    expect(methodForAsset('kodim03.gimg', head('../../assets/kodim03.gimg')).id).toBe('gaussianImage');
    // A 4D .ply without the time_duration comment is told apart by its t/scale_t properties, which
    // sit past the first kilobyte of a degree-3 header.
    const dynamic = writeFloatPly(1, ply4dColumns(dynamicFrom3d(fruit, 1, 'isoclinic')));
    expect(new TextDecoder().decode(dynamic).indexOf('scale_t')).toBeGreaterThan(1024);
    expect(methodForAsset('dynamic.ply', dynamic.subarray(0, SNIFF_BYTES)).id).toBe('gaussians4d');
    // A 3DGS scene under a wrong name still opens by its content.
    expect(methodForAsset('renamed.bin', head('../../assets/donut_sh0.ply')).id).toBe('gaussians3d');
    expect(() => methodForAsset('notes.txt', new TextEncoder().encode('hello'))).toThrow(/No method opens 'notes\.txt'\. Supported files: .*\.ply.*\.splatv/);
  });
});
