import { zipSync } from 'fflate';
import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { bundleFromEntries, bundleFromFiles } from '../../src/formats/bundle';
import { loadSplatBundle } from '../../src/formats/openBundle';
import { decodeSog } from '../../src/formats/sog';
import { decodeWebp } from '../../src/formats/webp';
import { openZip } from '../../src/formats/zip';
import { loadSplatBytes } from '../../src/methods/gaussians3d/load';
import { shCoefficientCount } from '../../src/methods/gaussians3d/splatCloud';
import { bundleFromPath } from '../../tools/lib/fileBundle';
import { DATA_DIR, encodeLosslessWebp, expectAllFinite, expectClose, expectCloudsBitwise, readData } from './formatsTestKit';

test('lossless WebP decodes to exactly the RGBA encoded, alpha straight (not premultiplied)', async () => {
  const [width, height] = [37, 5];
  const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 131 + (i >> 7) * 17) % 256);
  for (let i = 3; i < rgba.length; i += 40) rgba[i] = 0; // colour under zero alpha must survive
  const image = await decodeWebp(await encodeLosslessWebp(rgba, width, height), 'random.webp');
  expect([image.width, image.height]).toEqual([width, height]);
  expect(image.rgba).toEqual(rgba);
});

const PLAYBOT_COUNTS: Record<string, number> = { '3_0': 31000, '4_0': 8406, '5_0': 3000, '6_0': 1873 };

describe('SOG v2 folders: playbot levels of detail (no other-format twin)', () => {
  for (const [lod, count] of Object.entries(PLAYBOT_COUNTS)) {
    test(`${lod}: ${count} splats, SH degree 2, values inside meta.json's ranges`, async () => {
      const folder = `${DATA_DIR}splats/sog/playbot/${lod}`;
      const cloud = await loadSplatBundle(await bundleFromPath(folder));
      const meta = JSON.parse(new TextDecoder().decode(readData(`splats/sog/playbot/${lod}/meta.json`)));
      expect(cloud.count).toBe(count);
      expect(cloud.shDegree).toBe(meta.shN.bands);
      expect(cloud.warnings).toEqual([]);
      expectAllFinite(cloud);
      const unlog = (v: number) => Math.sign(v) * (Math.exp(Math.abs(v)) - 1);
      const [sMin, sMax] = [Math.min(...meta.scales.codebook), Math.max(...meta.scales.codebook)];
      const [cMin, cMax] = [Math.min(...meta.sh0.codebook), Math.max(...meta.sh0.codebook)];
      const [nMin, nMax] = [Math.min(...meta.shN.codebook), Math.max(...meta.shN.codebook)];
      const k = shCoefficientCount(cloud.shDegree);
      let bad = 0;
      let nonZeroRest = 0;
      for (let i = 0; i < count; i++) {
        for (let a = 0; a < 3; a++) {
          const p = cloud.positions[3 * i + a]!;
          if (p < unlog(meta.means.mins[a]) - 1e-6 || p > unlog(meta.means.maxs[a]) + 1e-6) bad++;
          const s = Math.log(cloud.scales[3 * i + a]!);
          if (s < sMin - 1e-5 || s > sMax + 1e-5) bad++;
          const dc = cloud.sh[3 * k * i + a]!;
          if (dc < cMin - 1e-6 || dc > cMax + 1e-6) bad++;
        }
        for (let j = 3; j < 3 * k; j++) {
          const v = cloud.sh[3 * k * i + j]!;
          if (v < nMin - 1e-6 || v > nMax + 1e-6) bad++;
          if (v !== 0) nonZeroRest++;
        }
        if (Math.abs(Math.hypot(...cloud.rotations.subarray(4 * i, 4 * i + 4)) - 1) > 1e-6) bad++;
        if (!(cloud.opacities[i]! >= 0 && cloud.opacities[i]! <= 1)) bad++;
      }
      expect(bad).toBe(0);
      // Higher-order SH is really there: most coefficients are non-zero.
      expect(nonZeroRest).toBeGreaterThan(0.5 * count * 3 * (k - 1));
    });
  }

  test('the same folder zipped (stored or deflated, at the root or in a subfolder) decodes bit-identically', async () => {
    const folder = `${DATA_DIR}splats/sog/playbot/6_0`;
    const fromFolder = await decodeSog(await bundleFromPath(folder));
    const files = Object.fromEntries(readdirSync(folder).map((f) => [f, readData(`splats/sog/playbot/6_0/${f}`)]));
    const stored = await loadSplatBytes('6_0.sog', zipSync(files, { level: 0 }));
    const nested = await decodeSog(openZip(zipSync({ scene: files }, { level: 9 }), 'nested.zip'));
    expectCloudsBitwise(stored, fromFolder);
    expectCloudsBitwise(nested, fromFolder);
  });

  test('dropped folder files (webkitRelativePath) form a bundle without the folder name', async () => {
    const folder = 'splats/sog/playbot/6_0';
    const files = readdirSync(DATA_DIR + folder).map((name) => {
      const file = new File([readData(`${folder}/${name}`).slice()], name);
      Object.defineProperty(file, 'webkitRelativePath', { value: `6_0/${name}` });
      return file;
    });
    const bundle = bundleFromFiles(files);
    expect(bundle.name).toBe('6_0');
    expect([...bundle.paths].sort()).toEqual(readdirSync(DATA_DIR + folder).sort());
    expectCloudsBitwise(await loadSplatBundle(bundle), await decodeSog(await bundleFromPath(DATA_DIR + folder)));
  });
});

test('flipbook .sog frames (zip bundles) load through loadSplatScene', async () => {
  const cloud = await loadSplatBytes('wave_0001.sog', readData('dynamic/flipbook_wave/wave_0001.sog'));
  expect(cloud.count).toBe(65 * 65);
  expect(cloud.shDegree).toBe(0);
  expectAllFinite(cloud);
});

describe('SOG v1 (synthetic: per-field min/max instead of codebooks, SH band 1)', async () => {
  // 5 splats on 3×2 images (one padding pixel).
  const [width, height, count] = [3, 2, 5];
  const pixels = (f: (i: number) => number[]) => Uint8Array.from(Array.from({ length: width * height }, (_, i) => (i < count ? f(i) : [0, 0, 0, 0])).flat());
  const image = (f: (i: number) => number[]) => encodeLosslessWebp(pixels(f), width, height);
  const means = (i: number) => [1000 * i, 65535 - 5000 * i, 30000 + i];
  const meta = {
    means: { shape: [count, 3], mins: [-1, -2, 0], maxs: [1, 2, 0.5], files: ['means_l.webp', 'means_u.webp'] },
    scales: { mins: [-8, -7, -6], maxs: [-2, -1, 0], files: ['scales.webp'] },
    quats: { files: ['quats.webp'] },
    sh0: { mins: [-1, -1, -1, -4], maxs: [1, 1, 1, 4], files: ['sh0.webp'] },
    shN: { mins: -0.5, maxs: 0.5, files: ['centroids.webp', 'labels.webp'] },
  };
  // Palette entry e, coefficient j, channel c holds byte (7e + 3j + c) mod 256; splat i uses entry 2i.
  const centroidRgba = Uint8Array.from({ length: 192 * 4 }, (_, p) => {
    const [pixel, c] = [p >> 2, p & 3];
    const [entry, j] = [Math.floor(pixel / 3), pixel % 3];
    return c === 3 ? 255 : (7 * entry + 3 * j + c) % 256;
  });
  const files = new Map<string, Uint8Array>([
    ['meta.json', new TextEncoder().encode(JSON.stringify(meta))],
    ['means_l.webp', await image((i) => [...means(i).map((q) => q & 0xff), 255])],
    ['means_u.webp', await image((i) => [...means(i).map((q) => q >> 8), 255])],
    ['scales.webp', await image((i) => [10 * i, 50 + i, 255 - i, 255])],
    // Largest component index i mod 4; the others at bytes 128, 64, 200.
    ['quats.webp', await image((i) => [128, 64, 200, 252 + (i % 4)])],
    ['sh0.webp', await image((i) => [40 * i, 255 - 40 * i, 128, 20 + 50 * i])],
    ['centroids.webp', await encodeLosslessWebp(centroidRgba, 192, 1)],
    ['labels.webp', await image((i) => [2 * i, 0, 0, 255])],
  ]);
  const cloud = await decodeSog(bundleFromEntries('v1', files, (b) => b));
  const lerp = (min: number, max: number, b: number) => min + (max - min) * (b / 255);

  test('every field decodes by the v1 formulas', () => {
    expect(cloud.count).toBe(count);
    expect(cloud.shDegree).toBe(1);
    const unlog = (v: number) => Math.sign(v) * (Math.exp(Math.abs(v)) - 1);
    const expectedPositions = Array.from({ length: count }, (_, i) => means(i).map((q, a) => unlog(meta.means.mins[a]! + (meta.means.maxs[a]! - meta.means.mins[a]!) * (q / 65535)))).flat();
    expectClose(cloud.positions, expectedPositions, 0, 1e-6, 'positions');
    const scaleBytes = (i: number) => [10 * i, 50 + i, 255 - i];
    expectClose(Array.from(cloud.scales, Math.log), Array.from({ length: count }, (_, i) => scaleBytes(i).map((b, a) => lerp(meta.scales.mins[a]!, meta.scales.maxs[a]!, b))).flat(), 1e-5, 0, 'log-scales');
    const logits = Array.from({ length: count }, (_, i) => lerp(-4, 4, 20 + 50 * i));
    expectClose(cloud.opacities, logits.map((x) => 1 / (1 + Math.exp(-x))), 1e-6, 0, 'opacities');
    for (let i = 0; i < count; i++) {
      const q = [0, 0, 0, 0];
      const others = [128, 64, 200].map((b) => ((b / 255) * 2 - 1) * Math.SQRT1_2);
      [0, 1, 2, 3].filter((c) => c !== i % 4).forEach((c, j) => (q[c] = others[j]!));
      q[i % 4] = Math.sqrt(1 - others.reduce((s, v) => s + v * v, 0));
      expectClose(cloud.rotations.subarray(4 * i, 4 * i + 4), q, 1e-6, 0, `rotation ${i}`);
      const dc = [40 * i, 255 - 40 * i, 128].map((b) => lerp(-1, 1, b));
      const rest = [0, 1, 2].flatMap((j) => [0, 1, 2].map((c) => lerp(-0.5, 0.5, (7 * 2 * i + 3 * j + c) % 256)));
      expectClose(cloud.sh.subarray(12 * i, 12 * i + 12), [...dc, ...rest], 1e-6, 0, `sh ${i}`);
    }
  });
});
