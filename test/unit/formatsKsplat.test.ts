import { describe, expect, test } from 'vitest';
import { decodeKsplat } from '../../src/formats/ksplat';
import { SH_C0 } from '../../src/methods/gaussians3d/splatCloud';
import { expectAllFinite, expectClose, readData } from './formatsTestKit';

describe('.ksplat fixture (splat-transform minimal.ksplat: level 0, 1 section, 4 splats)', () => {
  test('decodes to the values in its records', () => {
    const cloud = decodeKsplat(readData('splats/fixtures/minimal.ksplat'), 'minimal.ksplat');
    expect(cloud.count).toBe(4);
    expect(cloud.shDegree).toBe(0);
    expectClose(cloud.positions, [-1, 0, -1, 0, 0, -1, -1, 0, 0, 0, 0, 0], 0, 0, 'positions');
    // Linear f32 scale 0.1, moved by at most a few ulps to an exactly .ply-representable value.
    expectClose(cloud.scales, new Array(12).fill(0.1), 0, 1e-6, 'scales');
    expectClose(cloud.opacities, new Array(4).fill(230 / 255), 0, 1e-6, 'opacities');
    expectClose(cloud.sh, [85, 85, 128, 170, 85, 128, 85, 170, 128, 170, 170, 128].map((c) => (c / 255 - 0.5) / SH_C0), 1e-6, 0, 'f_dc');
    // f32 quaternion (w,x,y,z) = (0,0,0,1).
    for (let i = 0; i < 4; i++) expectClose(cloud.rotations.subarray(4 * i, 4 * i + 4), [0, 0, 0, 1], 0, 0, `rotation ${i}`);
  });
});

function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const bits = new Uint32Array(f.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  if (exponent <= 0) return sign;
  return sign | (exponent << 10) | Math.round((bits & 0x7fffff) / 8192);
}

interface Splat {
  position: number[];
  scale: number[];
  rotation: number[];
  rgba: number[];
  /** 24 SH components in file order (degree 2). */
  sh: number[];
}

/**
 * A level-1 or level-2 .ksplat with SH degree 2: section 0 has one full bucket of 2 and a partial
 * bucket of 1, section 1 a single partial bucket of 2 (and room for 3 records).
 */
function writeKsplat(level: 1 | 2, sections: Splat[][], shRange: [number, number]): Uint8Array {
  const recordBytes = 24 + 24 * (level === 1 ? 2 : 1);
  const layouts = sections.map((splats, s) => ({ splats, full: s === 0 ? 1 : 0, partial: s === 0 ? [1] : [2], max: splats.length + 1 }));
  const sectionBytes = layouts.map((l) => 4 * l.partial.length + 12 * (l.full + l.partial.length) + recordBytes * l.max);
  const bytes = new Uint8Array(4096 + 1024 * sections.length + sectionBytes.reduce((a, b) => a + b, 0));
  const view = new DataView(bytes.buffer);
  bytes[1] = 1;
  view.setUint32(4, sections.length, true);
  view.setUint32(8, sections.length, true);
  view.setUint32(16, sections.reduce((n, s) => n + s.length, 0), true);
  view.setUint16(20, level, true);
  view.setFloat32(36, shRange[0], true);
  view.setFloat32(40, shRange[1], true);
  const blockSize = 5;
  const range = 32767;
  let at = 4096 + 1024 * sections.length;
  layouts.forEach((l, s) => {
    const h = 4096 + 1024 * s;
    const buckets = l.full + l.partial.length;
    [l.splats.length, l.max, 2, buckets].forEach((v, i) => view.setUint32(h + 4 * i, v, true));
    view.setFloat32(h + 16, blockSize, true);
    view.setUint16(h + 20, 12, true);
    view.setUint32(h + 24, range, true);
    view.setUint32(h + 32, l.full, true);
    view.setUint32(h + 36, l.partial.length, true);
    view.setUint16(h + 40, 2, true);
    l.partial.forEach((n, b) => view.setUint32(at + 4 * b, n, true));
    at += 4 * l.partial.length;
    // Bucket b's centre is (b + s, −b, 2s); splats take buckets in order.
    const centres = Array.from({ length: buckets }, (_, b) => [b + s, -b, 2 * s]);
    centres.forEach((c, b) => c.forEach((v, a) => view.setFloat32(at + 12 * b + 4 * a, v, true)));
    at += 12 * buckets;
    const bucketOf = (i: number) => (s === 0 ? (i < 2 ? 0 : 1) : 0);
    l.splats.forEach((splat, i) => {
      const r = at + i * recordBytes;
      splat.position.forEach((p, a) => view.setUint16(r + 2 * a, Math.round((p - centres[bucketOf(i)]![a]!) / (blockSize / 2 / range)) + range, true));
      splat.scale.forEach((v, a) => view.setUint16(r + 6 + 2 * a, toHalf(v), true));
      splat.rotation.forEach((v, c) => view.setUint16(r + 12 + 2 * c, toHalf(v), true));
      bytes.set(splat.rgba, r + 20);
      splat.sh.forEach((v, j) => {
        if (level === 1) view.setUint16(r + 24 + 2 * j, toHalf(v), true);
        else bytes[r + 24 + j] = Math.round(((v - shRange[0]) / (shRange[1] - shRange[0])) * 255);
      });
    });
    at += recordBytes * l.max;
  });
  return bytes;
}

function splat(seed: number): Splat {
  const r = (k: number) => Math.sin(seed * 12.9898 + k * 78.233) * 0.5;
  const q = [0.7 + r(1), r(2), r(3), r(4)];
  const n = Math.hypot(...q);
  return {
    position: [seed % 3 + r(5), -(seed % 2) + r(6), r(7) + (seed > 2 ? 2 : 0)],
    scale: [0.01 + Math.abs(r(8)) * 0.1, 0.02, 0.05 + Math.abs(r(9))],
    rotation: q.map((c) => c / n),
    rgba: [20 * seed, 255 - 30 * seed, 128, 100 + 20 * seed],
    sh: Array.from({ length: 24 }, (_, j) => r(10 + j) * 2),
  };
}

describe('.ksplat levels 1 and 2 (synthetic: 2 sections, full and partial buckets, SH degree 2)', () => {
  const sections = [[splat(0), splat(1), splat(2)], [splat(3), splat(4)]];
  const all = sections.flat();
  // Component j of the 24: degree 1 R c1..3, G, B; degree 2 R c4..8, G, B → SplatCloud slot (k·3 + c).
  const slot = (j: number) => (j < 9 ? (1 + (j % 3)) * 3 + Math.floor(j / 3) : (4 + ((j - 9) % 5)) * 3 + Math.floor((j - 9) / 5));

  for (const level of [1, 2] as const) {
    test(`level ${level} decodes within its quantisation`, () => {
      const cloud = decodeKsplat(writeKsplat(level, sections, [-1.2, 1.2]), `synthetic-level${level}.ksplat`);
      expect(cloud.count).toBe(5);
      expect(cloud.shDegree).toBe(2);
      expectAllFinite(cloud);
      // u16 offsets from the bucket centre: step 5/2/32767 ≈ 7.6e-5.
      expectClose(cloud.positions, all.flatMap((s) => s.position), 4e-5, 0, 'positions');
      // f16 scales and quaternion components: 11-bit mantissa.
      expectClose(cloud.scales, all.flatMap((s) => s.scale), 0, 1e-3, 'scales');
      expectClose(cloud.rotations, all.flatMap((s) => s.rotation), 1e-3, 0, 'rotations');
      expectClose(cloud.opacities, all.map((s) => s.rgba[3]! / 255), 1e-6, 0, 'opacities');
      const expectedSh = all.flatMap((s) => {
        const out = new Array(27).fill(0);
        for (let c = 0; c < 3; c++) out[c] = (s.rgba[c]! / 255 - 0.5) / SH_C0;
        s.sh.forEach((v, j) => (out[slot(j)] = v));
        return out;
      });
      // f16 SH: ≤ 5e-4 here; u8 over [−1.2, 1.2]: half a step, 2.4/255/2.
      expectClose(cloud.sh, expectedSh, level === 1 ? 1e-3 : 2.4 / 255 / 2 + 1e-6, 0, 'sh');
    });
  }
});
