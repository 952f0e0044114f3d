import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { methodById, methodForAsset, methods } from '../../src/methods/registry';

const head = (path: string) => new Uint8Array(readFileSync(resolve(__dirname, path)).subarray(0, 64));

describe('method registry', () => {
  test('ids are unique and every method has a label', () => {
    expect(new Set(methods.map((m) => m.id)).size).toBe(methods.length);
    for (const m of methods) expect(m.label.length).toBeGreaterThan(0);
    expect(() => methodById('nope')).toThrow(/Unknown method 'nope'. Registered methods: gaussians3d, gaussians4d, testPattern/);
  });

  test('files go to the method that can read them, by content first', () => {
    expect(methodForAsset('donut_sh0.ply', head('../../assets/donut_sh0.ply')).id).toBe('gaussians3d');
    expect(methodForAsset('hanabi2.splatv', head('../../assets/hanabi2.splatv')).id).toBe('gaussians4d');
    // A 3DGS scene under a wrong name still opens by its content.
    expect(methodForAsset('renamed.bin', head('../../assets/donut_sh0.ply')).id).toBe('gaussians3d');
    expect(() => methodForAsset('notes.txt', new TextEncoder().encode('hello'))).toThrow(/No method opens 'notes\.txt'\. Supported files: .*\.ply.*\.splatv/);
  });
});
