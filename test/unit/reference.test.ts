/**
 * The CPU reference renderer: blending rules against hand-computed pixels (one splat, front to back,
 * the 1/255 skip, the 1e-4 stop, depth ties), tile binning against a brute-force renderer that visits
 * every splat at every pixel on real scenes, and a sanity render of the donut.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { Camera, Mat3, Vec3 } from '../../src/camera/camera';
import { loadSplatBytes } from '../../src/methods/gaussians3d/load';
import { projectCloud, renderReference, TILE_SIZE, type ProjectedSplat } from '../../src/methods/gaussians3d/reference';
import { allocateSplatCloud, SH_C0, type SplatCloud } from '../../src/methods/gaussians3d/splatCloud';

const PLY_DIR = fileURLToPath(new URL('../../../shared/data/splats/ply/', import.meta.url));
const loadPly = (file: string) => loadSplatBytes(file, new Uint8Array(readFileSync(PLY_DIR + file)));

/** 32×32, f = 32, looking down +z from the origin: world (x, y, 2) lands on pixel (16x + 15.5, 16y + 15.5). */
const SMALL: Camera = {
  width: 32, height: 32, fx: 32, fy: 32, cx: 16, cy: 16,
  rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [0, 0, 0], near: 0.01, far: 100,
};

interface TestSplat {
  pixel: [number, number];
  depth: number;
  opacity: number;
  /** Target colour (SH degree 0 chosen so that 0.5 + C0·dc = rgb). */
  rgb: Vec3;
}

/** Tiny round splats centred exactly on pixels of SMALL. */
function cloudOf(splats: TestSplat[]): SplatCloud {
  const cloud = allocateSplatCloud(splats.length, 0);
  splats.forEach((s, i) => {
    const z = s.depth;
    cloud.positions.set([((s.pixel[0] + 0.5 - 16) * z) / 32, ((s.pixel[1] + 0.5 - 16) * z) / 32, z], 3 * i);
    cloud.scales.set([1e-4, 1e-4, 1e-4], 3 * i);
    cloud.rotations.set([1, 0, 0, 0], 4 * i);
    cloud.opacities[i] = s.opacity;
    cloud.sh.set(s.rgb.map((c) => (c - 0.5) / SH_C0), 3 * i);
  });
  return cloud;
}

const at = (rgb: Float64Array, width: number, x: number, y: number) => [...rgb.subarray(3 * (y * width + x), 3 * (y * width + x) + 3)];
const BG: Vec3 = [0.1, 0.2, 0.3];

describe('blending', () => {
  test('one splat: alpha = o at its centre, o·e^power next to it, background elsewhere', () => {
    const cloud = cloudOf([{ pixel: [10, 20], depth: 2, opacity: 0.6, rgb: [1, 0.5, 0.25] }]);
    const image = renderReference(cloud, SMALL, BG);
    const p = image.projected[0]!;
    expect(p.px).toBeCloseTo(10, 5);
    expect(p.py).toBeCloseTo(20, 5);
    const o = cloud.opacities[0]!;
    const rgb = [1, 0.5, 0.25].map((c, i) => Math.fround((c - 0.5) / SH_C0) * SH_C0 + 0.5 + 0 * i);
    // Centre (power ≈ 0, up to the f32 rounding of the mean).
    const alpha = o * Math.exp(-0.5 * (p.conic[0] * (p.px - 10) ** 2 + p.conic[2] * (p.py - 20) ** 2) - p.conic[1] * (p.px - 10) * (p.py - 20));
    at(image.rgb, 32, 10, 20).forEach((v, c) => expect(v).toBeCloseTo(rgb[c]! * alpha + (1 - alpha) * BG[c]!, 12));
    expect(image.finalT[20 * 32 + 10]).toBeCloseTo(1 - alpha, 12);
    expect(image.contributors[20 * 32 + 10]).toBe(1);
    // One pixel right: power = −½·a·dx² (with dx ≈ −1).
    const dx = p.px - 11;
    const dy = p.py - 20;
    const side = o * Math.exp(-0.5 * (p.conic[0] * dx * dx + p.conic[2] * dy * dy) - p.conic[1] * dx * dy);
    expect(side).toBeGreaterThan(1 / 255);
    at(image.rgb, 32, 11, 20).forEach((v, c) => expect(v).toBeCloseTo(rgb[c]! * side + (1 - side) * BG[c]!, 12));
    // Far away: exactly the background, T = 1, nothing contributed.
    expect(at(image.rgb, 32, 25, 5)).toEqual(BG);
    expect(image.finalT[5 * 32 + 25]).toBe(1);
    expect(image.contributors[5 * 32 + 25]).toBe(0);
  });

  test('front to back by depth, whatever the index order; alpha capped at 0.99', () => {
    const near: TestSplat = { pixel: [8, 8], depth: 1.5, opacity: 1, rgb: [1, 0, 0] };
    const far: TestSplat = { pixel: [8, 8], depth: 3, opacity: 0.5, rgb: [0, 1, 0] };
    for (const order of [[near, far], [far, near]]) {
      const image = renderReference(cloudOf(order), SMALL, [0, 0, 0]);
      const [r, g] = at(image.rgb, 32, 8, 8);
      // Near: alpha = min(0.99, 1) = 0.99 (the centre is exact to ~1e-7 in power).
      expect(r).toBeCloseTo(0.99, 5);
      expect(g).toBeCloseTo(0.01 * 0.5, 5);
      expect(image.finalT[8 * 32 + 8]).toBeCloseTo(0.01 * 0.5, 5);
      expect(image.contributors[8 * 32 + 8]).toBe(2);
      expect([...image.bins.depthOrder]).toEqual(order[0] === near ? [0, 1] : [1, 0]);
    }
  });

  test('stops before the splat that would take T below 1e-4; that splat and later ones are not blended', () => {
    const stack = [0, 1, 2, 3, 4].map((k): TestSplat => ({ pixel: [20, 4], depth: 2 + k, opacity: 0.95, rgb: [k / 4, 0, 1] }));
    const cloud = cloudOf(stack);
    const image = renderReference(cloud, SMALL, BG);
    const pixel = 4 * 32 + 20;
    // T: 1 → 0.05 → 0.0025 → 1.25e-4; the 4th would give 6.25e-6 < 1e-4.
    expect(image.contributors[pixel]).toBe(3);
    const alphas = image.projected.slice(0, 3).map((p) => p.opacity * Math.exp(-0.5 * (p.conic[0] * (p.px - 20) ** 2 + p.conic[2] * (p.py - 4) ** 2) - p.conic[1] * (p.px - 20) * (p.py - 4)));
    const T = alphas.reduce((t, a) => t * (1 - a), 1);
    expect(image.finalT[pixel]).toBeCloseTo(T, 12);
    expect(T).toBeCloseTo(0.05 ** 3, 6);
    let expectedR = 0;
    alphas.reduce((t, a, k) => ((expectedR += image.projected[k]!.rgb[0] * a * t), t * (1 - a)), 1);
    expect(image.rgb[3 * pixel]).toBeCloseTo(expectedR + T * BG[0], 12);
  });

  test('contributions below 1/255 are skipped but still counted in the contributor position', () => {
    const image = renderReference(
      cloudOf([
        { pixel: [3, 3], depth: 1, opacity: 0.003, rgb: [1, 1, 1] },
        { pixel: [3, 3], depth: 2, opacity: 0.5, rgb: [0, 0, 1] },
      ]),
      SMALL,
      [0, 0, 0],
    );
    expect(image.contributors[3 * 32 + 3]).toBe(2);
    const [r, , b] = at(image.rgb, 32, 3, 3);
    expect(r).toBe(0);
    expect(b).toBeCloseTo(0.5, 5);
  });

  test('equal depths blend in index order', () => {
    const red: TestSplat = { pixel: [30, 30], depth: 2, opacity: 0.5, rgb: [1, 0, 0] };
    const green: TestSplat = { ...red, rgb: [0, 1, 0] };
    const [r, g] = at(renderReference(cloudOf([red, green]), SMALL, [0, 0, 0]).rgb, 32, 30, 30);
    expect(r).toBeCloseTo(0.5, 5);
    expect(g).toBeCloseTo(0.25, 5);
    const [r2, g2] = at(renderReference(cloudOf([green, red]), SMALL, [0, 0, 0]).rgb, 32, 30, 30);
    expect(g2).toBeCloseTo(0.5, 5);
    expect(r2).toBeCloseTo(0.25, 5);
  });
});

/**
 * A renderer without bins: every pixel walks every visible splat in global depth order and takes
 * those whose tile rectangle contains the pixel's tile (what the tile lists must amount to).
 */
function bruteForce(projected: ProjectedSplat[], camera: Camera, bg: Vec3) {
  const order = projected.map((_, i) => i).filter((i) => projected[i]!.visible);
  order.sort((a, b) => projected[a]!.depth - projected[b]!.depth || a - b);
  const rgb = new Float64Array(camera.width * camera.height * 3);
  const finalT = new Float64Array(camera.width * camera.height);
  for (let y = 0; y < camera.height; y++) {
    for (let x = 0; x < camera.width; x++) {
      const tx = Math.floor(x / TILE_SIZE);
      const ty = Math.floor(y / TILE_SIZE);
      let T = 1;
      const c = [0, 0, 0];
      for (const i of order) {
        const p = projected[i]!;
        if (tx < p.rect.minX || tx >= p.rect.maxX || ty < p.rect.minY || ty >= p.rect.maxY) continue;
        const dx = p.px - x;
        const dy = p.py - y;
        const power = -0.5 * (p.conic[0] * dx * dx + p.conic[2] * dy * dy) - p.conic[1] * dx * dy;
        if (power > 0) continue;
        const alpha = Math.min(0.99, p.opacity * Math.exp(power));
        if (alpha < 1 / 255) continue;
        if (T * (1 - alpha) < 1e-4) break;
        for (let ch = 0; ch < 3; ch++) c[ch]! += p.rgb[ch]! * alpha * T;
        T *= 1 - alpha;
      }
      const pixel = y * camera.width + x;
      for (let ch = 0; ch < 3; ch++) rgb[3 * pixel + ch] = c[ch]! + T * bg[ch]!;
      finalT[pixel] = T;
    }
  }
  return { rgb, finalT };
}

function maxDifference(a: Float64Array, b: Float64Array): { max: number; at: number } {
  let max = 0;
  let where = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) [max, where] = [d, i];
  }
  return { max, at: where };
}

describe('tile binning on real scenes', () => {
  const cases: Array<{ file: string; camera: Camera }> = [
    {
      // 4×4 tile of a scene at z ≈ 4.7, seen from (2, 2, 0); 56×40 leaves partial tiles on both axes.
      file: 'pr477_lod4_tile_0.ply',
      camera: { ...SMALL, width: 56, height: 40, fx: 56, fy: 56, cx: 28, cy: 20, translation: [-2, -2, 0] },
    },
    {
      // SH degree 3 fruit at z ≈ −2.1, seen from (0.76, 0.13, 0) looking down −z.
      file: 'fruit_drops_sh3.ply',
      camera: { ...SMALL, width: 48, height: 40, fx: 150, fy: 150, cx: 24, cy: 20, rotation: [-1, 0, 0, 0, 1, 0, 0, 0, -1] as Mat3, translation: [0.76, -0.13, 0] },
    },
  ];

  test.each(cases)('$file: binned render equals a brute-force walk over all splats', async ({ file, camera }) => {
    const cloud = await loadPly(file);
    const image = renderReference(cloud, camera, BG);
    const visible = image.projected.filter((p) => p.visible);
    expect(visible.length).toBeGreaterThan(cloud.count / 4);
    // Every intersection is a (splat, tile) pair of its rectangle, each tile's list in depth order.
    const area = visible.reduce((n, p) => n + (p.rect.maxX - p.rect.minX) * (p.rect.maxY - p.rect.minY), 0);
    expect(image.bins.splatIds.length).toBe(area);
    const { tileOffsets, splatIds } = image.bins;
    for (let t = 0; t + 1 < tileOffsets.length; t++) {
      for (let e = tileOffsets[t]! + 1; e < tileOffsets[t + 1]!; e++) {
        const [a, b] = [image.projected[splatIds[e - 1]!]!, image.projected[splatIds[e]!]!];
        expect(a.depth < b.depth || (a.depth === b.depth && splatIds[e - 1]! < splatIds[e]!)).toBe(true);
      }
    }
    const brute = bruteForce(image.projected, camera, BG);
    const rgb = maxDifference(image.rgb, brute.rgb);
    const T = maxDifference(image.finalT, brute.finalT);
    expect(rgb.max, `first worst rgb value at ${rgb.at}`).toBeLessThan(1e-12);
    expect(T.max, `first worst T at ${T.at}`).toBeLessThan(1e-12);
    // The view is not trivial: a good part of the image is covered.
    expect(image.finalT.filter((t) => t < 0.5).length).toBeGreaterThan(0.15 * camera.width * camera.height);
  });
});

describe('donut sanity render', () => {
  test('finite, non-blank, background where nothing is', async () => {
    const cloud = await loadPly('donut_sh0.ply');
    const W = 128;
    const H = 96;
    // Looking along world −y at the donut (centre ≈ (0, 0, 0.05), about 0.2 across).
    const camera: Camera = { ...SMALL, width: W, height: H, fx: 100, fy: 100, cx: W / 2, cy: H / 2, rotation: [1, 0, 0, 0, 0, 1, 0, -1, 0], translation: [0, -0.05, 0.3] };
    const image = renderReference(cloud, camera, BG);
    expect(image.rgb.length).toBe(W * H * 3);
    expect(image.rgb.every(Number.isFinite)).toBe(true);
    expect(image.finalT.every((t) => t >= 0 && t <= 1)).toBe(true);
    // Corners show the background exactly; the centre is covered by the donut.
    for (const [x, y] of [[0, 0], [W - 1, 0], [0, H - 1], [W - 1, H - 1]] as const) {
      expect(at(image.rgb, W, x, y)).toEqual(BG);
      expect(image.contributors[y * W + x]).toBe(0);
    }
    const covered = image.finalT.filter((t) => t < 0.01).length;
    expect(covered).toBeGreaterThan(0.15 * W * H);
    expect(covered).toBeLessThan(0.9 * W * H);
    const centre = at(image.rgb, W, W / 2, H / 2 + 10);
    expect(Math.max(...centre.map((v, c) => Math.abs(v - BG[c]!)))).toBeGreaterThan(0.2);
    expect(image.contributors.some((n) => n > 10)).toBe(true);
  });

  test('projectCloud culls every splat behind the camera', async () => {
    const cloud = await loadPly('donut_sh0.ply');
    const behind: Camera = { ...SMALL, width: 64, height: 64, translation: [0, 0, -5] };
    expect(projectCloud(cloud, behind).every((p) => !p.visible && p.cull === 'near')).toBe(true);
    const image = renderReference(cloud, behind, BG);
    expect(image.bins.splatIds.length).toBe(0);
    expect(image.finalT.every((t) => t === 1)).toBe(true);
  });
});
