/**
 * Slicing 4D Gaussians and 4D SH (src/methods/gaussians4d/slice.ts, sh4d.ts) against independent
 * math (the precision-matrix form of a Gaussian's conditional, a direct transcription of
 * eval_shfs_4d), the 0.05 marginal cull on both sides of the threshold, the scale modifier, and the
 * CPU reference: a 4D scene whose temporal scale is huge renders like its 3D counterpart.
 */
import { describe, expect, test } from 'vitest';
import type { Vec3 } from '../../src/camera/camera';
import { computeCov3D } from '../../src/methods/gaussians3d/projection';
import { renderReference } from '../../src/methods/gaussians3d/reference';
import { shBasis } from '../../src/methods/gaussians3d/sh';
import { allocateGaussian4dCloud } from '../../src/methods/gaussians4d/cloud4d';
import { renderReference4d } from '../../src/methods/gaussians4d/reference';
import { rotorFromIsoclinic } from '../../src/methods/gaussians4d/rotation4d';
import { evalSH4D, sh4dCoefficientCount, sliceSH4D, temporalFactors } from '../../src/methods/gaussians4d/sh4d';
import { conditionalSlice, covariance4D, MARGINAL_CULL, sliceSplat, splatRotation } from '../../src/methods/gaussians4d/slice';
import { createRandom, dynamicFrom3d, fruitCamera, lift3dTo4d, loadPly3d, maxDifference, randomQuaternion } from './gaussians4dTestKit';

/** Inverse of a row-major n×n matrix by Gauss-Jordan elimination. */
function inverse(m: number[], n: number): number[] {
  const a = m.slice();
  const inv: number[] = Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[n * r + c]!) > Math.abs(a[n * pivot + c]!)) pivot = r;
    for (let k = 0; k < n; k++) {
      [a[n * c + k], a[n * pivot + k]] = [a[n * pivot + k]!, a[n * c + k]!];
      [inv[n * c + k], inv[n * pivot + k]] = [inv[n * pivot + k]!, inv[n * c + k]!];
    }
    const p = a[n * c + c]!;
    for (let k = 0; k < n; k++) {
      a[n * c + k]! /= p;
      inv[n * c + k]! /= p;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[n * r + c]!;
      for (let k = 0; k < n; k++) {
        a[n * r + k]! -= f * a[n * c + k]!;
        inv[n * r + k]! -= f * inv[n * c + k]!;
      }
    }
  }
  return inv;
}

/** A single-splat 4D cloud with a random rotation of the given kind. */
function oneSplat(random: () => number, kind: 'isoclinic' | 'rotor', scales: number[], mean: number[], opacity = 0.7) {
  const cloud = allocateGaussian4dCloud(1, 0, 0, kind, [0, 1]);
  const pair = [...randomQuaternion(random), ...randomQuaternion(random)];
  cloud.rotations.set(kind === 'rotor' ? rotorFromIsoclinic(pair) : pair);
  cloud.scales.set(scales);
  cloud.positions.set(mean);
  cloud.opacities[0] = opacity;
  return cloud;
}

describe('conditional slice', () => {
  test.each(['isoclinic', 'rotor'] as const)('%s: Σ(t) and μ(t) equal the precision-matrix form of the conditional Gaussian', (kind) => {
    const random = createRandom(kind === 'rotor' ? 11 : 12);
    for (let n = 0; n < 50; n++) {
      const cloud = oneSplat(random, kind, [0.05 + random(), 0.05 + random(), 0.05 + random(), 0.05 + random()], [random(), random(), random(), random()]);
      const sigma = Array.from(covariance4D(splatRotation(cloud, 0), cloud.scales));
      // Conditional of a Gaussian: Σ(t) = (Λ_xyz)⁻¹ and μ(t) = μ − (Λ_xyz)⁻¹ Λ_xt (t − μ_t), Λ = Σ4⁻¹.
      const precision = inverse(sigma, 4);
      const lambdaXyz = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => precision[4 * i + j]!));
      const condCov = inverse(lambdaXyz, 3);
      const time = random() * 2 - 0.5;
      const dt = time - cloud.positions[3]!;
      const shift = [0, 1, 2].map((i) => -[0, 1, 2].reduce((s, j) => s + condCov[3 * i + j]! * precision[4 * j + 3]!, 0) * dt);
      const slice = sliceSplat(cloud, 0, time);
      const expectedCov = [condCov[0]!, condCov[1]!, condCov[2]!, condCov[4]!, condCov[5]!, condCov[8]!];
      slice.cov3.forEach((v, k) => expect(v).toBeCloseTo(expectedCov[k]!, 10));
      slice.mean.forEach((v, a) => expect(v).toBeCloseTo(cloud.positions[a]! + shift[a]!, 10));
      expect(slice.marginal).toBeCloseTo(Math.exp((-0.5 * dt * dt) / sigma[15]!), 14);
      expect(slice.opacity).toBeCloseTo(0.7 * slice.marginal, 6);
    }
  });

  test('marginal cull: just above 0.05 is visible, just below (and NaN) is not', () => {
    const cloud = oneSplat(createRandom(13), 'isoclinic', [0.1, 0.2, 0.3, 0.25], [0, 0, 0, 0.5]);
    const varianceT = conditionalSlice(covariance4D(splatRotation(cloud, 0), cloud.scales)).varianceT;
    // marginal = exp(−½ dt²/Σ_tt) = m  ⇔  dt = sqrt(−2 Σ_tt ln m)
    const dtAt = (m: number) => Math.sqrt(-2 * varianceT * Math.log(m));
    const above = sliceSplat(cloud, 0, 0.5 + dtAt(MARGINAL_CULL * 1.001));
    const below = sliceSplat(cloud, 0, 0.5 - dtAt(MARGINAL_CULL * 0.999));
    expect(above.marginal).toBeGreaterThan(MARGINAL_CULL);
    expect(above.visible).toBe(true);
    expect(below.marginal).toBeLessThan(MARGINAL_CULL);
    expect(below.visible).toBe(false);
    expect(sliceSplat(cloud, 0, NaN).visible).toBe(false);
  });

  test('scale modifier m: Σ(t) scales by m², the velocity does not, the marginal uses m²·Σ_tt', () => {
    const cloud = oneSplat(createRandom(14), 'rotor', [0.3, 0.2, 0.1, 0.4], [1, 2, 3, 0.2]);
    const plain = sliceSplat(cloud, 0, 0.6);
    const scaled = sliceSplat(cloud, 0, 0.6, 0.5);
    scaled.cov3.forEach((v, k) => expect(v).toBeCloseTo(0.25 * plain.cov3[k]!, 12));
    scaled.velocity.forEach((v, k) => expect(v).toBeCloseTo(plain.velocity[k]!, 12));
    expect(scaled.varianceT).toBeCloseTo(0.25 * plain.varianceT, 12);
    expect(scaled.marginal).toBeCloseTo(Math.exp((-0.5 * plain.dt * plain.dt) / (0.25 * plain.varianceT)), 14);
  });

  // The stored f32 quaternions are unit only to ~6e-8; the 3DGS R₃ formula (1 − 2(y² + z²) …) and the
  // 4D product of two quaternions react differently to that, so covariances agree to ~1e-7 relative.
  test('rotation leaving time alone and huge σt: the slice is the 3D Gaussian at every time (rel. 1e-6)', async () => {
    const cloud3 = await loadPly3d('rtgs_test_16splats.ply');
    for (const kind of ['isoclinic', 'rotor'] as const) {
      const cloud4 = lift3dTo4d(cloud3, { rotationKind: kind, sigmaT: 1e6 });
      for (const time of [-3, 0, 0.5, 7]) {
        for (let i = 0; i < cloud3.count; i++) {
          const slice = sliceSplat(cloud4, i, time);
          const cov = computeCov3D(cloud3.scales.subarray(3 * i, 3 * i + 3), cloud3.rotations.subarray(4 * i, 4 * i + 4));
          slice.cov3.forEach((v, k) => expect(Math.abs(v - cov[k]!)).toBeLessThan(1e-6 * (cov[0]! + cov[3]! + cov[5]!)));
          slice.mean.forEach((v, a) => expect(v).toBeCloseTo(cloud3.positions[3 * i + a]!, 12));
          expect(slice.marginal).toBeGreaterThan(1 - 1e-10);
        }
      }
    }
  });
});

describe('4D SH', () => {
  test('coefficient counts; temporal degree needs spatial degree 3', () => {
    expect([0, 1, 2, 3].map((d) => sh4dCoefficientCount(d as 0, 0))).toEqual([1, 4, 9, 16]);
    expect(sh4dCoefficientCount(3, 1)).toBe(32);
    expect(sh4dCoefficientCount(3, 2)).toBe(48);
    expect(() => sh4dCoefficientCount(2, 1)).toThrow(/needs spatial degree 3/);
  });

  test('temporal factors at Δt = 0, T/4, T/2: (1, 1), (0, −1), (−1, 1)', () => {
    const [a, b] = temporalFactors(0, 10);
    expect([a, b]).toEqual([1, 1]);
    const q = temporalFactors(2.5, 10);
    expect(q[0]).toBeCloseTo(0, 15);
    expect(q[1]).toBeCloseTo(-1, 15);
    const h = temporalFactors(-5, 10);
    expect(h[0]).toBeCloseTo(-1, 15);
    expect(h[1]).toBeCloseTo(1, 15);
  });

  test('equals a direct transcription of eval_shfs_4d at several times and directions', () => {
    const random = createRandom(21);
    const coeffs = Array.from({ length: 48 * 3 }, () => random() - 0.5);
    const period = 10;
    for (let n = 0; n < 30; n++) {
      const d = [random() - 0.5, random() - 0.5, random() - 0.5];
      const l = Math.hypot(...d);
      const dir = d.map((v) => v / l) as Vec3;
      const dt = (random() - 0.5) * 20;
      const Y = shBasis(3, dir);
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let k = 0; k < 16; k++) {
          sum += Y[k]! * coeffs[3 * k + c]!;
          sum += Math.cos((2 * Math.PI * dt) / period) * Y[k]! * coeffs[3 * (16 + k) + c]!;
          sum += Math.cos((2 * Math.PI * 2 * dt) / period) * Y[k]! * coeffs[3 * (32 + k) + c]!;
        }
        expect(evalSH4D(3, 2, coeffs, dir, dt, period)[c]).toBeCloseTo(Math.max(0, sum + 0.5), 13);
      }
    }
  });

  test('temporal terms need spatial degree 3 when evaluated (the CUDA `if (deg > 2)`); degreeT limits the orders', () => {
    const coeffs = new Array(48 * 3).fill(0);
    coeffs[0] = 0.5; // DC red
    coeffs[3 * 16] = 0.25; // order-1 red
    coeffs[3 * 32] = 0.125; // order-2 red
    const dir: Vec3 = [0, 0, 1];
    const C0 = 0.28209479177387814;
    expect(evalSH4D(3, 2, coeffs, dir, 0, 1)[0]).toBeCloseTo(0.5 + C0 * 0.875, 14);
    expect(evalSH4D(3, 2, coeffs, dir, 0, 1, 0, 3, 1)[0]).toBeCloseTo(0.5 + C0 * 0.75, 14);
    expect(evalSH4D(3, 2, coeffs, dir, 0, 1, 0, 2)[0]).toBeCloseTo(0.5 + C0 * 0.5, 14);
    const sliced = sliceSH4D(3, 2, coeffs, 0.25, 1);
    expect(sliced.length).toBe(48);
    expect(sliced[0]).toBeCloseTo(0.5 + 0.25 * 0 - 0.125, 14);
  });
});

describe('CPU reference', () => {
  // Within 1e-6 per value: the covariances differ at ~1e-7 relative (f32 quaternions, see above), the rest is exact.
  test('a 4D scene whose temporal scale is huge renders like its 3D counterpart (fruit, SH 3; |Δ| < 1e-6)', async () => {
    const cloud3 = await loadPly3d('fruit_drops_sh3.ply');
    const camera = fruitCamera();
    const background: Vec3 = [0.1, 0.2, 0.3];
    const expected = renderReference(cloud3, camera, background);
    const random = createRandom(31);
    for (const kind of ['isoclinic', 'rotor'] as const) {
      // Temporal SH stored but zero, means spread in time: nothing may depend on t.
      const cloud4 = lift3dTo4d(cloud3, { rotationKind: kind, shDegreeT: 2, sigmaT: 1e6, time: () => random() * 4 - 2 });
      for (const time of [0, 0.37, 1]) {
        const image = renderReference4d(cloud4, camera, time, background);
        expect(image.alive.length).toBe(cloud3.count);
        const diff = maxDifference(image.rgb, expected.rgb);
        expect(diff.max, `${kind} t=${time}: worst at value ${diff.at}`).toBeLessThan(1e-6);
        expect(maxDifference(image.finalT, expected.finalT).max).toBeLessThan(1e-6);
      }
    }
  });

  test('a dynamic scene changes over time, and the same rotation in either parameterization renders the same', async () => {
    const cloud3 = await loadPly3d('fruit_drops_sh3.ply');
    const camera = fruitCamera();
    const iso = dynamicFrom3d(cloud3, 5, 'isoclinic');
    const rotor = dynamicFrom3d(cloud3, 5, 'rotor');
    const a = renderReference4d(iso, camera, 0.3, [0, 0, 0]);
    const b = renderReference4d(rotor, camera, 0.3, [0, 0, 0]);
    // Rotor values are stored in f32 like the quaternions, so the two differ by f32 rounding only.
    expect(maxDifference(a.rgb, b.rgb).max).toBeLessThan(1e-4);
    const later = renderReference4d(iso, camera, 0.7, [0, 0, 0]);
    expect(later.alive.length).toBeGreaterThan(0.2 * cloud3.count);
    expect(later.alive.length).toBeLessThan(0.9 * cloud3.count);
    expect(maxDifference(a.rgb, later.rgb).max).toBeGreaterThan(0.2);
  });
});
