import { gunzipSync, gzipSync } from 'fflate';
import { describe, expect, test } from 'vitest';
import { decodeSpz } from '../../src/formats/spz';
import { shBasis } from '../../src/methods/gaussians3d/sh';
import type { SplatCloud } from '../../src/methods/gaussians3d/splatCloud';
import { covariance, expectClose, expectCloudsBitwise, readData, spzExtension, spzLegacyPayload, spzV4, type SpzStreams } from './formatsTestKit';

const fixture = (name: string) => decodeSpz(readData(`splats/fixtures/${name}`), name);

describe('SPZ fixtures (splat-transform test files, 4 splats)', () => {
  test('"raw" is the v2 payload without its gzip wrapper, and both decode alike', () => {
    expect(gunzipSync(readData('splats/fixtures/minimal-v2.spz'))).toEqual(readData('splats/fixtures/minimal-raw.spz'));
    expectCloudsBitwise(fixture('minimal-raw.spz'), fixture('minimal-v2.spz'));
  });

  test('v3 (gzip) and v4 (ZSTD streams) hold the same splats', () => {
    expectCloudsBitwise(fixture('minimal-v4.spz'), fixture('minimal-v3.spz'));
  });

  test('v3 decodes to the values in its bytes, converted from RUB to RDF', () => {
    const cloud = fixture('minimal-v3.spz');
    expect(cloud.count).toBe(4);
    expect(cloud.shDegree).toBe(0);
    // Stored (RUB) positions in 12-bit fixed point: (−1,0,1) (0,0,1) (−1,0,0) (0,0,0); RDF negates y and z.
    expectClose(cloud.positions, [-1, 0, -1, 0, 0, -1, -1, 0, 0, 0, 0, 0], 0, 0, 'positions');
    // Scale byte 123: exp(123/16 − 10); alpha byte 230; colour bytes 105/150/128 as (c/255 − 0.5)/0.15.
    expectClose(cloud.scales, new Array(12).fill(Math.exp(123 / 16 - 10)), 0, 1e-6, 'scales');
    expectClose(cloud.opacities, new Array(4).fill(230 / 255), 0, 1e-6, 'opacities');
    const dc = (c: number) => (c / 255 - 0.5) / 0.15;
    expectClose(cloud.sh, [105, 105, 128, 150, 105, 128, 105, 150, 128, 150, 150, 128].map(dc), 1e-6, 0, 'f_dc');
    // Packed 0xC0000000: w is the largest component, x = y = z = 0.
    for (let i = 0; i < 4; i++) expectClose(cloud.rotations.subarray(4 * i, 4 * i + 4), [1, 0, 0, 0], 1e-7, 0, `rotation ${i}`);
  });

  test('v2 decodes per the spec; its generator stored .splat bytes unconverted, so z and colour differ from v3', () => {
    const v2 = fixture('minimal-v2.spz');
    const v3 = fixture('minimal-v3.spz');
    // 8 fractional bits, stored z = −1 → RDF z = +1, where v3 (written through the RDF→RUB conversion) gives −1.
    expectClose(v2.positions, [-1, 0, 1, 0, 0, 1, -1, 0, 0, 0, 0, 0], 0, 0, 'v2 positions');
    expectClose(v2.scales, v3.scales, 0, 0, 'scales agree');
    expectClose(v2.opacities, v3.opacities, 0, 0, 'opacities agree');
    // Colour bytes 85/170 are plain RGB; read as SPZ colour they give (85/255 − 0.5)/0.15 = −1.11.
    expect(v2.sh[0]).toBeCloseTo((85 / 255 - 0.5) / 0.15, 6);
    // Rotation bytes 128,128,128 (v2, x,y,z = b/127.5 − 1): w ≈ 1.
    for (let i = 0; i < 4; i++) expect(v2.rotations[4 * i]).toBeGreaterThan(0.9999);
  });
});

/** Smallest-three packing of a unit quaternion (x, y, z, w), as Niantic's packQuaternionSmallestThree. */
function packSmallestThree(xyzw: number[]): number[] {
  let largest = 0;
  for (let i = 1; i < 4; i++) if (Math.abs(xyzw[i]!) > Math.abs(xyzw[largest]!)) largest = i;
  const negate = xyzw[largest]! < 0;
  let packed = largest;
  for (let i = 0; i < 4; i++) {
    if (i === largest) continue;
    const negative = xyzw[i]! < 0 !== negate ? 1 : 0;
    packed = packed * 1024 + negative * 512 + Math.round((511 * Math.abs(xyzw[i]!)) / Math.SQRT1_2);
  }
  return [packed & 0xff, (packed >>> 8) & 0xff, (packed >>> 16) & 0xff, packed >>> 24];
}

function fixed24(values: number[], fractionalBits: number): Uint8Array {
  const out = new Uint8Array(3 * values.length);
  values.forEach((v, i) => {
    const q = Math.round(v * 2 ** fractionalBits) & 0xffffff;
    out.set([q & 0xff, (q >> 8) & 0xff, q >> 16], 3 * i);
  });
  return out;
}

const STORED_POSITIONS = [1.5, -2.25, 3, -0.5, 0.75, -1.25];
/** (w, x, y, z) in the stored (RUB) frame. */
const STORED_QUATERNIONS = [
  [0.8, 0.3, -0.4, 0.35],
  [-0.2, 0.9, 0.1, -0.3],
].map((q) => q.map((c) => c / Math.hypot(...q)));
const STORED_SCALE_BYTES = [100, 120, 140, 90, 110, 130];

/** Two splats with every SH coefficient set (degree `degree`), deterministic pseudo-random bytes. */
function syntheticStreams(degree: number): SpzStreams {
  const dim = [0, 3, 8, 15, 24][degree]!;
  const sh = Uint8Array.from({ length: 2 * 3 * dim }, (_, i) => (i * 97 + 31) % 256);
  return {
    positions: fixed24(STORED_POSITIONS, 12),
    alphas: Uint8Array.from([200, 17]),
    colors: Uint8Array.from([10, 128, 250, 60, 70, 80]),
    scales: Uint8Array.from(STORED_SCALE_BYTES),
    rotations: Uint8Array.from(STORED_QUATERNIONS.flatMap(([w, x, y, z]) => packSmallestThree([x!, y!, z!, w!]))),
    sh,
  };
}

/** SH coefficients k = 1..15 of splat i, channel c, as stored: (b − 128)/128, coefficient-major, RGB inner. */
function storedSh(streams: SpzStreams, degree: number, i: number, k: number, c: number): number {
  const dim = [0, 3, 8, 15, 24][degree]!;
  return (streams.sh[(i * dim + k - 1) * 3 + c]! - 128) / 128;
}

describe('SPZ coordinate conversion (RUB → RDF)', () => {
  const streams = syntheticStreams(3);
  const cloud = decodeSpz(spzLegacyPayload(3, 2, 3, 12, streams), 'synthetic-v3');

  test('positions: y and z negated', () => {
    expectClose(cloud.positions, [1.5, 2.25, -3, -0.5, -0.75, 1.25], 0, 0, 'positions');
  });

  test('rotations: the covariance is M Σ M with M = diag(1, −1, −1), within smallest-three quantisation', () => {
    for (let i = 0; i < 2; i++) {
      const s = STORED_SCALE_BYTES.slice(3 * i, 3 * i + 3).map((b) => Math.exp(b / 16 - 10));
      const stored: SplatCloud = { ...cloud, rotations: Float32Array.from(STORED_QUATERNIONS[i]!), scales: Float32Array.from(s) };
      const flip = [1, -1, -1];
      const expected = covariance(stored, 0).map((v, j) => v * flip[Math.floor(j / 3)]! * flip[j % 3]!);
      // 9-bit components (step √½/511) move the covariance by at most ~0.3 % of its largest entry.
      expectClose(covariance(cloud, i), expected, 0.004 * Math.max(...s) ** 2, 0, `covariance ${i}`);
    }
  });

  test('SH: every coefficient keeps the colour of each view direction (degree 3)', () => {
    const dirs: [number, number, number][] = [[0.3, -0.5, 0.8], [-0.9, 0.1, 0.4], [0.2, 0.7, -0.68], [0, 0, 1], [1, 0, 0], [0, -1, 0]];
    for (let i = 0; i < 2; i++) {
      for (const d of dirs) {
        const n = Math.hypot(...d);
        const rdf = d.map((v) => v / n) as [number, number, number];
        const rub: [number, number, number] = [rdf[0], -rdf[1], -rdf[2]];
        const basisRdf = shBasis(3, rdf);
        const basisRub = shBasis(3, rub);
        for (let c = 0; c < 3; c++) {
          let loaded = 0;
          let original = 0;
          for (let k = 1; k < 16; k++) {
            loaded += basisRdf[k]! * cloud.sh[(i * 16 + k) * 3 + c]!;
            original += basisRub[k]! * storedSh(streams, 3, i, k, c);
          }
          expect(Math.abs(loaded - original), `splat ${i} channel ${c} dir ${d}`).toBeLessThan(1e-5);
        }
      }
    }
  });

  test('v4, gzip v3 and raw v3 of the same splats decode identically', () => {
    const v4 = decodeSpz(spzV4(2, 3, 12, streams), 'synthetic-v4');
    const gz = decodeSpz(gzipSync(spzLegacyPayload(3, 2, 3, 12, streams)), 'synthetic-v3.gz');
    expectCloudsBitwise(v4, cloud);
    expectCloudsBitwise(gz, cloud);
  });

  test('an SPZ_ADOBE_coordinate_system record saying RDF means no conversion', () => {
    const rdf = new Uint8Array(4);
    new DataView(rdf.buffer).setUint32(0, 6, true);
    const unconverted = decodeSpz(spzV4(2, 3, 12, streams, spzExtension(0xadbe0003, rdf)), 'rdf.spz');
    expectClose(unconverted.positions, STORED_POSITIONS, 0, 0, 'positions as stored');
    for (let k = 1; k < 16; k++) expect(unconverted.sh[k * 3]).toBeCloseTo(storedSh(streams, 3, 0, k, 0), 6);
    // An unknown record is skipped by its length.
    const withUnknown = decodeSpz(spzV4(2, 3, 12, streams, spzExtension(0x12345678, new Uint8Array(7))), 'unknown-ext.spz');
    expectCloudsBitwise(withUnknown, cloud);
    // Records in an older layout (no length field) are ignored with a warning; the splats still load.
    const garbled = decodeSpz(spzLegacyPayload(3, 2, 3, 12, streams, Uint8Array.from([1, 0, 0xbe, 0xad, 5, 4, 0, 0, 0x80, 0xbf])), 'old-ext.spz');
    expect(garbled.warnings.join()).toMatch(/ignored 10 bytes of SPZ extension records/);
    expectCloudsBitwise({ ...garbled, warnings: [] }, cloud);
  });

  test('a frame that needs an axis rotation (RFD, value 14) is refused with a clear message', () => {
    const rotated = new Uint8Array(4);
    new DataView(rotated.buffer).setUint32(0, 14, true);
    expect(() => decodeSpz(spzV4(2, 3, 12, streams, spzExtension(0xadbe0003, rotated)), 'rfd.spz')).toThrow(/coordinate system 14.*axis rotation/);
  });

  test('degree 4 keeps degrees 0–3 and warns', () => {
    const four = syntheticStreams(4);
    const truncated = decodeSpz(spzV4(2, 4, 12, four), 'deg4.spz');
    expect(truncated.shDegree).toBe(3);
    expect(truncated.warnings.join()).toMatch(/degree 4/);
    // Coefficients 1..15 are the first 45 bytes of each splat's 72.
    const flips = [-1, -1, 1, -1, 1, 1, -1, 1, -1, 1, -1, -1, 1, -1, 1];
    for (let k = 1; k < 16; k++) expect(truncated.sh[(16 + k) * 3 + 2]).toBeCloseTo(flips[k - 1]! * storedSh(four, 4, 1, k, 2), 6);
  });

  test('v2 first-three rotations decode to the stored quaternion', () => {
    const q = STORED_QUATERNIONS.map((v) => (v[0]! < 0 ? v.map((c) => -c) : v));
    const v2 = { ...streams, rotations: Uint8Array.from(q.flatMap(([, x, y, z]) => [x!, y!, z!].map((c) => Math.round(c * 127.5 + 127.5)))) };
    const cloud2 = decodeSpz(spzLegacyPayload(2, 2, 3, 12, v2), 'synthetic-v2');
    for (let i = 0; i < 2; i++) {
      expectClose(cloud2.rotations.subarray(4 * i, 4 * i + 4), [q[i]![0]!, q[i]![1]!, -q[i]![2]!, -q[i]![3]!], 0.01, 0, `rotation ${i}`);
    }
  });
});
