/**
 * SH evaluation against hand-derived values and closed forms: the constants are the normalisation
 * factors of the real spherical harmonics, the basis is orthonormal over the sphere, signs match
 * the reference at the axes, and the colour is 0.5 + Σ with a clamp at 0 only.
 */
import { describe, expect, test } from 'vitest';
import { evalSH, SH_C0, SH_C1, SH_C2, SH_C3, shBasis } from '../../src/methods/gaussians3d/sh';

const PI = Math.PI;

describe('spherical harmonics', () => {
  test('constants are the real-SH normalisation factors', () => {
    expect(SH_C0).toBeCloseTo(1 / (2 * Math.sqrt(PI)), 15);
    expect(SH_C1).toBeCloseTo(Math.sqrt(3 / (4 * PI)), 15);
    expect(SH_C2[0]).toBeCloseTo(0.5 * Math.sqrt(15 / PI), 15);
    expect(SH_C2[1]).toBeCloseTo(-0.5 * Math.sqrt(15 / PI), 15);
    expect(SH_C2[2]).toBeCloseTo(0.25 * Math.sqrt(5 / PI), 15);
    expect(SH_C2[3]).toBeCloseTo(-0.5 * Math.sqrt(15 / PI), 15);
    expect(SH_C2[4]).toBeCloseTo(0.25 * Math.sqrt(15 / PI), 15);
    expect(SH_C3[0]).toBeCloseTo(-0.25 * Math.sqrt(35 / (2 * PI)), 14);
    expect(SH_C3[1]).toBeCloseTo(0.5 * Math.sqrt(105 / PI), 14);
    expect(SH_C3[2]).toBeCloseTo(-0.25 * Math.sqrt(21 / (2 * PI)), 14);
    expect(SH_C3[3]).toBeCloseTo(0.25 * Math.sqrt(7 / PI), 14);
    expect(SH_C3[4]).toBeCloseTo(-0.25 * Math.sqrt(21 / (2 * PI)), 14);
    expect(SH_C3[5]).toBeCloseTo(0.25 * Math.sqrt(105 / PI), 14);
    expect(SH_C3[6]).toBeCloseTo(-0.25 * Math.sqrt(35 / (2 * PI)), 14);
  });

  test('the 16 basis functions are orthonormal over the sphere (Fibonacci quadrature)', () => {
    const n = 20000;
    const gram = Array.from({ length: 16 }, () => new Float64Array(16));
    for (let s = 0; s < n; s++) {
      const z = 1 - (2 * s + 1) / n;
      const r = Math.sqrt(1 - z * z);
      const phi = s * PI * (3 - Math.sqrt(5));
      const y = shBasis(3, [r * Math.cos(phi), r * Math.sin(phi), z]);
      for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) gram[i]![j]! += (y[i]! * y[j]! * 4 * PI) / n;
    }
    for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) expect(Math.abs(gram[i]![j]! - (i === j ? 1 : 0)), `<Y${i}, Y${j}>`).toBeLessThan(1e-3);
  });

  test('degree 0 is 0.5 + C0·dc in any direction', () => {
    const dc = [0.3, -1.2, 2.5];
    for (const dir of [[0, 0, 1], [1, 0, 0], [0.6, -0.8, 0]] as const) {
      expect(evalSH(0, dc, dir)).toEqual([0.5 + SH_C0 * 0.3, Math.max(0, 0.5 - SH_C0 * 1.2), 0.5 + SH_C0 * 2.5]);
    }
  });

  test('clamped below at 0, not above 1', () => {
    expect(evalSH(0, [-10, 10, 0], [0, 0, 1])).toEqual([0, 0.5 + 10 * SH_C0, 0.5]);
  });

  test('degree 1 signs at the axes: −C1·y·sh1 + C1·z·sh2 − C1·x·sh3', () => {
    // Only coefficient 1..3 of red set: (1, 2, 4).
    const coeffs = [0, 0, 0, 1, 0, 0, 2, 0, 0, 4, 0, 0];
    expect(evalSH(1, coeffs, [0, 1, 0])[0]).toBeCloseTo(0.5 - SH_C1 * 1, 15);
    expect(evalSH(1, coeffs, [0, 0, 1])[0]).toBeCloseTo(0.5 + SH_C1 * 2, 15);
    expect(evalSH(1, coeffs, [-1, 0, 0])[0]).toBeCloseTo(0.5 + SH_C1 * 4, 15);
  });

  test('degree 2 and 3 terms at hand-picked directions', () => {
    const s = Math.SQRT1_2;
    // xy term (k = 4) at (s, s, 0): C2[0]·½; the zonal term (k = 6) at +z: C2[2]·2.
    expect(shBasis(2, [s, s, 0])[4]).toBeCloseTo(SH_C2[0] * 0.5, 15);
    expect(shBasis(2, [0, 0, 1])[6]).toBeCloseTo(SH_C2[2] * 2, 15);
    expect(shBasis(2, [1, 0, 0])[8]).toBeCloseTo(SH_C2[4], 15);
    // k = 9: C3[0]·y·(3x² − y²) at +y is −C3[0]; k = 12: C3[3]·z·(2z² − 3x² − 3y²) at +z is 2·C3[3].
    expect(shBasis(3, [0, 1, 0])[9]).toBeCloseTo(-SH_C3[0], 15);
    expect(shBasis(3, [0, 0, 1])[12]).toBeCloseTo(2 * SH_C3[3], 15);
    expect(shBasis(3, [1, 0, 0])[15]).toBeCloseTo(SH_C3[6], 15);
    expect(shBasis(3, [0, 0, 1]).length).toBe(16);
  });

  test('reads coefficients of splat i at an offset, RGB interleaved per coefficient', () => {
    const k = 4;
    const coeffs = new Float32Array(2 * 3 * k);
    coeffs.set([1, 2, 3, 0.1, 0.2, 0.3, 0, 0, 0, 0, 0, 0], 3 * k); // splat 1: dc and coefficient 1
    const dir = [0, -1, 0] as const; // Y1 = −C1·y = C1
    const rgb = evalSH(1, coeffs, dir, 3 * k);
    [1, 2, 3].forEach((dc, c) => expect(rgb[c]).toBeCloseTo(0.5 + SH_C0 * dc + SH_C1 * Math.fround(0.1 * (c + 1)), 12));
  });
});
