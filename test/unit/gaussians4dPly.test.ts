/**
 * The 4D Gaussian .ply loader (src/methods/gaussians4d/ply4d.ts): the fixtures that
 * tools/convert4dgs.py wrote from a fake fudan-zvg checkpoint (raw values recomputed here from the
 * same sin() formulas as tools/test_convert4dgs.py), a synthetic round trip through the documented
 * layout, every f_rest count, content sniffing, and bad inputs with clear messages.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { streamFromBytes } from '../../src/formats/stream';
import { computeCov3D, sigmoid } from '../../src/methods/gaussians3d/projection';
import { isPly4dHead, loadPly4d, loadPly4dBytes } from '../../src/methods/gaussians4d/ply4d';
import { conditionalSlice, covariance4D, splatRotation } from '../../src/methods/gaussians4d/slice';
import { dynamicFrom3d, firstSplats, loadPly3d, ply4dColumns, readData, writeFloatPly, type Ply4dColumns } from './gaussians4dTestKit';

const FIXTURES = fileURLToPath(new URL('../fixtures/gaussians4d/', import.meta.url));
const fixture = (name: string) => loadPly4dBytes(name, new Uint8Array(readFileSync(FIXTURES + name)), 97);

/** The fake checkpoint's raw value: float32(sin(seed + 1.3 i + 0.7 j) + offset), as tools/test_convert4dgs.py. */
const wave = (seed: number, i: number, j: number, offset = 0) => Math.fround(Math.sin(seed + 1.3 * i + 0.7 * j) + offset);

function rawQuaternion(seed: number, i: number): number[] {
  const q = [0, 1, 2, 3].map((j) => wave(seed, i, j));
  const n = Math.hypot(...q);
  return q.map((v) => v / n);
}

const BASE_COLUMNS: Ply4dColumns = [
  ['x', () => 0.1],
  ['y', () => 0.2],
  ['z', () => 3],
  ['t', () => 0.5],
  ['f_dc_0', () => 0.3],
  ['f_dc_1', () => 0.2],
  ['f_dc_2', () => 0.1],
  ['opacity', () => 2],
  ['scale_0', () => -3],
  ['scale_1', () => -3],
  ['scale_2', () => -3],
  ['scale_t', () => -1],
  ['rot_0', () => 1],
  ['rot_1', () => 0],
  ['rot_2', () => 0],
  ['rot_3', () => 0],
  ['rot_r_0', () => 1],
  ['rot_r_1', () => 0],
  ['rot_r_2', () => 0],
  ['rot_r_3', () => 0],
];
const DURATION = ['time_duration 0 1'];
const ply = (columns: Ply4dColumns, count = 2, comments = DURATION, extra = '') => writeFloatPly(count, columns, comments, extra);
const without = (...names: string[]) => BASE_COLUMNS.filter(([n]) => !names.includes(n));
const load = (bytes: Uint8Array) => loadPly4dBytes('bad.ply', bytes, 41);

describe('fixtures written by tools/convert4dgs.py', () => {
  test('quaternion pair, SH degree 3 with temporal degree 2: every value where the layout says', async () => {
    const cloud = await fixture('convert4dgs_isoclinic.ply');
    expect(cloud).toMatchObject({ count: 4, shDegree: 3, shDegreeT: 2, rotationKind: 'isoclinic', timeDuration: [0, 10], warnings: [] });
    for (let i = 0; i < 4; i++) {
      for (let a = 0; a < 3; a++) {
        expect(cloud.positions[4 * i + a]).toBe(wave(1, i, a));
        expect(cloud.scales[4 * i + a]).toBeCloseTo(Math.exp(wave(5, i, a, -2)), 6);
        expect(cloud.sh[i * 144 + a]).toBe(wave(3, i, a));
      }
      expect(cloud.positions[4 * i + 3]).toBe(wave(2, i, 0, 5));
      expect(cloud.scales[4 * i + 3]).toBeCloseTo(Math.exp(wave(6, i, 0, -1)), 6);
      expect(cloud.opacities[i]).toBeCloseTo(sigmoid(wave(8, i, 0)), 6);
      // features_rest is N × 47 × 3 row-major: coefficient m ≥ 1, channel c at column (m − 1)·3 + c.
      for (let m = 1; m < 48; m++) for (let c = 0; c < 3; c++) expect(cloud.sh[(i * 48 + m) * 3 + c]).toBe(wave(4, i, (m - 1) * 3 + c));
      [...rawQuaternion(7, i), ...rawQuaternion(9, i)].forEach((v, k) => expect(cloud.rotations[8 * i + k]).toBeCloseTo(v, 6));
    }
  });

  test('the --rotor fixture holds the same rotations', async () => {
    const pair = await fixture('convert4dgs_isoclinic.ply');
    const rotor = await fixture('convert4dgs_rotor.ply');
    expect(rotor.rotationKind).toBe('rotor');
    for (let i = 0; i < 4; i++) {
      const a = splatRotation(pair, i);
      const b = splatRotation(rotor, i);
      a.forEach((v, k) => expect(b[k]).toBeCloseTo(v, 6));
    }
  });

  test('a rot_4d = False model: 3D covariance, exp(_scaling_t) as the temporal variance, no motion; active SH degree 2 only', async () => {
    const cloud = await fixture('convert4dgs_rot3d.ply');
    expect(cloud).toMatchObject({ shDegree: 2, shDegreeT: 0, rotationKind: 'isoclinic' });
    for (let i = 0; i < 4; i++) {
      const slice = conditionalSlice(covariance4D(splatRotation(cloud, i), cloud.scales, 4 * i));
      expect(slice.varianceT / Math.exp(wave(6, i, 0, -1))).toBeCloseTo(1, 5);
      const cov = computeCov3D([0, 1, 2].map((a) => Math.exp(wave(5, i, a, -2))), rawQuaternion(7, i));
      slice.cov3.forEach((v, k) => expect(Math.abs(v - cov[k]!)).toBeLessThan(1e-5 * (cov[0]! + cov[3]! + cov[5]!)));
      slice.velocity.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-6));
      expect(cloud.sh[(i * 9 + 8) * 3 + 1]).toBe(wave(4, i, 7 * 3 + 1));
    }
  });
});

describe('layout', () => {
  test('round trip of a dynamic scene (real fruit splats, random 4D rotations and temporal SH), both rotation kinds', async () => {
    const fruit = firstSplats(await loadPly3d('fruit_drops_sh3.ply'), 64);
    for (const kind of ['isoclinic', 'rotor'] as const) {
      const source = dynamicFrom3d(fruit, 3, kind, { timeDuration: [2, 12] });
      const bytes = writeFloatPly(source.count, ply4dColumns(source), ['time_duration 2 12']);
      const cloud = await loadPly4dBytes('dyn.ply', bytes, 1000);
      expect(cloud).toMatchObject({ count: 64, shDegree: 3, shDegreeT: 2, rotationKind: kind, timeDuration: [2, 12], warnings: [] });
      expect(cloud.positions).toEqual(source.positions);
      expect(cloud.sh).toEqual(source.sh);
      const close = (a: Float32Array, b: Float32Array, rel: number) => a.forEach((v, k) => expect(Math.abs(v - b[k]!)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b[k]!))));
      close(cloud.scales, source.scales, 1e-6);
      close(cloud.opacities, source.opacities, 1e-6);
      close(cloud.rotations, source.rotations, 1e-6);
    }
  });

  test('f_rest count gives the degrees: 0, 9, 24, 45 (plain SH) and 93, 141 (degree 3 × temporal 1, 2)', async () => {
    const expected: Array<[number, number, number]> = [[0, 0, 0], [9, 1, 0], [24, 2, 0], [45, 3, 0], [93, 3, 1], [141, 3, 2]];
    for (const [rest, degree, degreeT] of expected) {
      const columns: Ply4dColumns = [...BASE_COLUMNS, ...Array.from({ length: rest }, (_, j): [string, () => number] => [`f_rest_${j}`, () => j])];
      const cloud = await load(ply(columns));
      expect([cloud.shDegree, cloud.shDegreeT]).toEqual([degree, degreeT]);
      const m = rest / 3 + 1;
      // f_rest_j = j: channel c of coefficient k holds c·(M − 1) + k − 1.
      for (let k = 1; k < m; k++) for (let c = 0; c < 3; c++) expect(cloud.sh[(m + k) * 3 + c]).toBe(c * (m - 1) + k - 1);
    }
  });

  test('content sniffing: a 4D PLY head, not a 3D PLY, not other bytes', () => {
    expect(isPly4dHead(ply(BASE_COLUMNS).subarray(0, 1024))).toBe(true);
    expect(isPly4dHead(readData('splats/ply/donut_sh0.ply').subarray(0, 1024))).toBe(false);
    expect(isPly4dHead(new TextEncoder().encode('Kg\0\0 not a ply'))).toBe(false);
  });

  test('streams without a known size', async () => {
    const cloud = await loadPly4d({ name: 'u.ply', stream: streamFromBytes(ply(BASE_COLUMNS, 5), 17) });
    expect(cloud.count).toBe(5);
    expect(cloud.opacities[4]).toBeCloseTo(sigmoid(2), 6);
  });
});

describe('bad inputs', () => {
  test('a 3D INRIA PLY, missing time properties, no rotation, both rotations', async () => {
    await expect(loadPly4dBytes('donut_sh0.ply', readData('splats/ply/donut_sh0.ply'))).rejects.toThrow(/donut_sh0\.ply: PLY element 'vertex' is missing the properties t, scale_t/);
    await expect(load(ply(without('t')))).rejects.toThrow(/missing the properties t$/);
    await expect(load(ply(without('rot_0', 'rot_1', 'rot_2', 'rot_3', 'rot_r_0', 'rot_r_1', 'rot_r_2', 'rot_r_3')))).rejects.toThrow(/no 4D rotation: expected rot_0\.\.3 \+ rot_r_0\.\.3/);
    await expect(load(ply(without('rot_r_2')))).rejects.toThrow(/missing the properties rot_r_2/);
    const both: Ply4dColumns = [...BASE_COLUMNS, ...[0, 1, 2, 3, 4, 5, 6, 7].map((k): [string, () => number] => [`rotor_${k}`, () => 0])];
    await expect(load(ply(both))).rejects.toThrow(/either rot_0\.\.3 \+ rot_r_0\.\.3 \(quaternion pair\) or rotor_0\.\.7, not both/);
  });

  test('SH: an unknown f_rest count, a gap in the numbering', async () => {
    const rest = (names: number[]): Ply4dColumns => [...BASE_COLUMNS, ...names.map((j): [string, () => number] => [`f_rest_${j}`, () => 0])];
    await expect(load(ply(rest([...Array(10).keys()])))).rejects.toThrow(/10 f_rest_\* properties; expected 0, 9, 24, 45, 93, 141/);
    await expect(load(ply(rest([...Array(9).keys()].map((j) => (j === 4 ? 9 : j)))))).rejects.toThrow(/f_rest_4 is missing/);
  });

  test('header: integer property type, malformed time_duration; a missing one is a warning', async () => {
    await expect(load(ply(without('t'), 2, DURATION, 'property uchar t\n'))).rejects.toThrow(/property 't' is uint8; 4D Gaussian properties must be float or double/);
    await expect(load(ply(BASE_COLUMNS, 2, ['time_duration 5 1']))).rejects.toThrow(/"comment time_duration 5 1" must be "time_duration t0 t1" with finite t0 < t1/);
    await expect(load(ply(BASE_COLUMNS, 2, ['time_duration zero ten']))).rejects.toThrow(/must be "time_duration t0 t1"/);
    const cloud = await load(ply(BASE_COLUMNS, 2, []));
    expect(cloud.timeDuration).toEqual([0, 1]);
    expect(cloud.warnings).toEqual(['bad.ply: no "comment time_duration t0 t1" in the header; assuming the time span [0, 1]']);
  });

  test('sizes: truncated (known and unknown size), more data than the header count', async () => {
    const bytes = ply(BASE_COLUMNS, 3);
    await expect(load(bytes.subarray(0, bytes.byteLength - 5))).rejects.toThrow(/bad\.ply is truncated: the header announces 3 splats × 80 B/);
    await expect(loadPly4d({ name: 'bad.ply', stream: streamFromBytes(bytes.subarray(0, bytes.byteLength - 90), 64) })).rejects.toThrow(/is truncated/);
    const longer = new Uint8Array([...bytes, ...new Uint8Array(80)]);
    await expect(load(longer)).rejects.toThrow(/room for 1 more splats: the header's count \(element vertex 3\) is wrong/);
    await expect(load(new Uint8Array(0))).rejects.toThrow(/empty/);
    await expect(load(new TextEncoder().encode('Kg\0\0'))).rejects.toThrow(/not a PLY file/);
    await expect(load(new TextEncoder().encode('ply\nformat ascii 1.0\nelement vertex 0\nend_header\n'))).rejects.toThrow(/ASCII PLY is not supported/);
  });

  test('NaN drops a splat, σt that underflows drops a splat, a zero rotation becomes the identity: each with a warning', async () => {
    const columns = BASE_COLUMNS.map(([name, f]): [string, (i: number) => number] => {
      if (name === 'x') return [name, (i) => (i === 1 ? NaN : 0.1)];
      if (name === 'scale_t') return [name, (i) => (i === 2 ? -200 : -1)];
      if (name === 'rot_r_0') return [name, (i) => (i === 3 ? 0 : 1)];
      return [name, f];
    });
    const cloud = await load(ply(columns, 5));
    expect(cloud.count).toBe(3);
    expect(cloud.warnings).toEqual([
      'bad.ply: dropped 1 of 5 splats with non-finite values (NaN or Inf)',
      'bad.ply: dropped 1 of 5 splats whose temporal variance underflows (they can never be seen)',
      'bad.ply: 1 splats had a zero rotation; they use the identity',
    ]);
    expect(Array.from(cloud.rotations.subarray(16, 24))).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
    const allBad = BASE_COLUMNS.map(([name, f]): [string, (i: number) => number] => [name, name === 'opacity' ? () => NaN : f]);
    await expect(load(ply(allBad))).rejects.toThrow(/all 2 splats have non-finite values or no temporal extent/);
  });
});
