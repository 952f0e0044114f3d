/**
 * The CPU side of the 3DGS GPU storage (splatStorage.ts): f16 rounding against known encodings,
 * the importance order against a comparison sort, chunk plans within a binding, the scene origin,
 * and the packed records of both formats decoded back (full: bit-exact; compact: within the
 * precision of each stored type).
 */
import { describe, expect, test } from 'vitest';
import { loadSplatBytes } from '../../src/methods/gaussians3d/load';
import { computeCov3D } from '../../src/methods/gaussians3d/projection';
import { allocateSplatCloud, shCoefficientCount, type SplatCloud } from '../../src/methods/gaussians3d/splatCloud';
import { CompactSplatGeometryLayout } from '../../src/methods/gaussians3d/layout';
import {
  compactShWords,
  halfBits,
  halfValue,
  importanceOrder,
  packSplats,
  planChunks,
  sceneOrigin,
  storageFormat,
} from '../../src/methods/gaussians3d/splatStorage';
import { compactCloud } from '../gpu/splatSceneHelpers';
import { DATA_DIR, expectClose } from './formatsTestKit';
import { readFileSync } from 'node:fs';

async function fruitDrops(): Promise<SplatCloud> {
  return loadSplatBytes('fruit_drops_sh3.ply', new Uint8Array(readFileSync(DATA_DIR + 'splats/ply/fruit_drops_sh3.ply')));
}

describe('splat storage', () => {
  test('halfBits rounds to nearest even like pack2x16float, halfValue inverts it', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00], // halfway to the next binade rounds up to Inf
      [1e9, 0x7c00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // exactly half of it: ties to even (0)
      [1.5 * 2 ** -25, 0x0001],
      [1 + 2 ** -11, 0x3c00], // halfway between 1 and 1 + 2^-10: ties to even
      [1 + 3 * 2 ** -11, 0x3c02],
      [0.1, 0x2e66],
      [Infinity, 0x7c00],
    ];
    for (const [value, bits] of cases) expect(halfBits(value), `halfBits(${value})`).toBe(bits);
    expect(Number.isNaN(halfValue(halfBits(NaN)))).toBe(true);
    // Every finite half round-trips.
    for (let bits = 0; bits < 0x7c00; bits++) {
      expect(halfBits(halfValue(bits))).toBe(bits);
      expect(halfBits(-halfValue(bits))).toBe(bits === 0 ? 0x8000 : bits | 0x8000);
    }
  });

  test('importanceOrder sorts by opacity × volume, descending and stable (ties in file order)', async () => {
    const cloud = await fruitDrops();
    // Duplicate splats give exact ties.
    cloud.opacities[7] = cloud.opacities[3]!;
    cloud.scales.copyWithin(3 * 7, 3 * 3, 3 * 3 + 3);
    const order = importanceOrder(cloud);
    const key = (i: number) => Math.fround(cloud.opacities[i]! * cloud.scales[3 * i]! * cloud.scales[3 * i + 1]! * cloud.scales[3 * i + 2]!);
    const expected = Array.from({ length: cloud.count }, (_, i) => i).sort((a, b) => key(b) - key(a) || a - b);
    expect([...order]).toEqual(expected);
    expect(order.indexOf(3)).toBeLessThan(order.indexOf(7));
  });

  test('planChunks keeps every per-splat buffer within the binding and covers every splat once', () => {
    const format = storageFormat('full', 3); // geometry 48 B, SH 192 B
    expect(format).toEqual({ storage: 'full', geometryBytes: 48, shBytes: 192 });
    expect(storageFormat('compact', 3)).toEqual({ storage: 'compact', geometryBytes: 32, shBytes: 56 });
    expect(storageFormat('compact', 0)).toEqual({ storage: 'compact', geometryBytes: 32, shBytes: 8 });
    expect(compactShWords(1)).toBe(5);
    expect(compactShWords(2)).toBe(8);
    const chunks = planChunks(1000, format, 192 * 300 + 100);
    expect(chunks).toEqual([
      { first: 0, count: 300 },
      { first: 300, count: 300 },
      { first: 600, count: 300 },
      { first: 900, count: 100 },
    ]);
    expect(planChunks(0, format, 1 << 20)).toEqual([{ first: 0, count: 0 }]);
    expect(planChunks(5, format, 1 << 20)).toEqual([{ first: 0, count: 5 }]);
    expect(() => planChunks(5, format, 100)).toThrow(/192 B, more than a storage binding of 100 B/);
  });

  test('sceneOrigin is the bounding-box centre in float64', () => {
    const cloud = allocateSplatCloud(3, 0);
    cloud.positions.set([1e6, -2, 5, 1e6 + 4, 2, 7, 1e6 + 1, 0, 6]);
    expect(sceneOrigin(cloud)).toEqual([1e6 + 2, 0, 6]);
    expect(sceneOrigin(allocateSplatCloud(0, 0))).toEqual([0, 0, 0]);
  });

  test('full records: mean − origin, opacity and Σ in f32, SH copied exactly, in upload order', async () => {
    const cloud = await fruitDrops();
    const order = importanceOrder(cloud);
    const origin = sceneOrigin(cloud);
    const format = storageFormat('full', cloud.shDegree);
    const first = 100;
    const count = 50;
    const geometry = new ArrayBuffer(count * format.geometryBytes);
    const sh = new ArrayBuffer(count * format.shBytes);
    packSplats(cloud, format, order, origin, first, count, geometry, sh);
    const g = new Float32Array(geometry);
    const s = new Float32Array(sh);
    const k = 3 * shCoefficientCount(cloud.shDegree);
    for (let r = 0; r < count; r++) {
      const i = order[first + r]!;
      const want = [
        ...[0, 1, 2].map((a) => cloud.positions[3 * i + a]! - origin[a]!),
        cloud.opacities[i]!,
        ...computeCov3D(cloud.scales.subarray(3 * i, 3 * i + 3), cloud.rotations.subarray(4 * i, 4 * i + 4)),
        0,
        0,
      ].map(Math.fround);
      expect([...g.subarray(12 * r, 12 * r + 12)]).toEqual(want);
      expect([...s.subarray(k * r, k * r + k)]).toEqual([...cloud.sh.subarray(k * i, k * i + k)]);
    }
  });

  test('compact records decode to the compact cloud; each value within its stored precision', async () => {
    const cloud = await fruitDrops();
    const order = importanceOrder(cloud);
    const origin = sceneOrigin(cloud);
    const format = storageFormat('compact', cloud.shDegree);
    const geometry = new ArrayBuffer(cloud.count * format.geometryBytes);
    const sh = new ArrayBuffer(cloud.count * format.shBytes);
    packSplats(cloud, format, order, origin, 0, cloud.count, geometry, sh);
    const floats = new Float32Array(geometry);
    const words = new Uint32Array(geometry);
    const shWords = new Uint32Array(sh);
    const o = CompactSplatGeometryLayout.wordOffset;
    const stride = format.geometryBytes / 4;
    const snorm16 = (w: number, high: boolean) => Math.max((((high ? w >>> 16 : w & 0xffff) << 16) >> 16) / 32767, -1);
    const snorm8 = (w: number, b: number) => Math.max((((w >>> (8 * b)) & 0xff) << 24 >> 24) / 127, -1);
    const decoded = compactCloud(cloud);
    const k = shCoefficientCount(cloud.shDegree);
    const got = { scales: new Float32Array(3 * cloud.count), rotations: new Float32Array(4 * cloud.count), sh: new Float32Array(3 * k * cloud.count) };
    for (let u = 0; u < cloud.count; u++) {
      const i = order[u]!;
      const b = u * stride;
      expect(floats[b + 3]).toBe(cloud.opacities[i]);
      for (let a = 0; a < 3; a++) expect(floats[b + a]).toBe(Math.fround(cloud.positions[3 * i + a]! - origin[a]!));
      const q = [snorm16(words[b + o.rotation!]!, false), snorm16(words[b + o.rotation!]!, true), snorm16(words[b + o.rotation! + 1]!, false), snorm16(words[b + o.rotation! + 1]!, true)];
      const length = Math.hypot(...q);
      q.forEach((v, c) => (got.rotations[4 * i + c] = v / length));
      got.scales.set([halfValue(words[b + o.scale!]! & 0xffff), halfValue(words[b + o.scale!]! >>> 16), halfValue(words[b + o.scale! + 1]! & 0xffff)], 3 * i);
      const w = u * (format.shBytes / 4);
      const restScale = halfValue(shWords[w + 1]! >>> 16);
      got.sh.set([halfValue(shWords[w]! & 0xffff), halfValue(shWords[w]! >>> 16), halfValue(shWords[w + 1]! & 0xffff)], 3 * k * i);
      for (let j = 0; j < 3 * (k - 1); j++) got.sh[3 * k * i + 3 + j] = restScale * snorm8(shWords[w + 2 + (j >> 2)]!, j & 3);
    }
    // The test decoder (used as the GPU tests' reference) agrees with the packed words.
    expect([...got.scales]).toEqual([...decoded.scales]);
    expect([...got.rotations]).toEqual([...decoded.rotations]);
    expect([...got.sh]).toEqual([...decoded.sh]);
    // And each value is within the precision of its type: f16 (2^-11 relative), snorm16, snorm8 of the splat's max.
    expectClose(decoded.scales, cloud.scales, 1e-7, 2 ** -11, 'scales');
    expectClose(decoded.rotations, cloud.rotations, 1e-4, 0, 'rotations');
    for (let i = 0; i < cloud.count; i++) {
      const base = 3 * k * i;
      const rest = cloud.sh.subarray(base + 3, base + 3 * k);
      const maxAbs = rest.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expectClose(decoded.sh.subarray(base, base + 3), cloud.sh.subarray(base, base + 3), 1e-7, 2 ** -11, `DC of splat ${i}`);
      expectClose(decoded.sh.subarray(base + 3, base + 3 * k), rest, (maxAbs * 1.001) / 254 + 1e-7, 0, `higher SH of splat ${i}`);
    }
  });
});
