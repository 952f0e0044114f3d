/**
 * The .gimg codec: half floats, the learned uniform quantiser, k-means, the round trip through the
 * file within the quantisation bounds, size and bits per pixel, the closed-form codebook re-fit,
 * and bad files (each with the message it must give).
 */
import { describe, expect, test } from 'vitest';
import { createRandom, PARAMS_PER_GAUSSIAN, ParamSlot } from '../../src/methods/gaussianImage/cloud2d';
import {
  bitsPerPixel,
  decodeToCloud,
  encodeCloud,
  fitUniformQuantizer,
  fromHalf,
  GIMG_HEADER_BYTES,
  kmeans,
  readGimg,
  refineAssignments,
  refineCodebooks,
  sniffGimg,
  toHalf,
  writeGimg,
} from '../../src/methods/gaussianImage/codec';
import { meanSquaredError } from '../../src/methods/gaussianImage/imageData';
import { decodeSum } from '../../src/methods/gaussianImage/reference';
import { cloudOverImage, kodak } from '../gpu/gaussianImageHelpers';

describe('half floats', () => {
  test('known values, rounding to nearest even, overflow, subnormals, NaN', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(65520)).toBe(0x7c00); // rounds up past the largest half: +Infinity
    expect(toHalf(2 ** -14)).toBe(0x0400); // smallest normal
    expect(toHalf(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toHalf(2 ** -26)).toBe(0); // below half the smallest subnormal
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to the even mantissa
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(fromHalf(toHalf(0.1))).toBeCloseTo(0.0999755859375, 12);
    expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
    expect(fromHalf(0xfc00)).toBe(-Infinity);
  });

  test('every finite half survives fromHalf → toHalf unchanged', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      if (toHalf(fromHalf(bits)) !== bits) throw new Error(`half 0x${bits.toString(16)} → ${fromHalf(bits)} → 0x${toHalf(fromHalf(bits)).toString(16)}`);
    }
  });
});

describe('quantisers', () => {
  test('the learned uniform quantiser never does worse than the min/max grid it starts from', () => {
    const random = createRandom(3);
    // Skewed values (most small, a few large), where the min/max grid wastes levels.
    const values = Float64Array.from({ length: 2000 }, () => random() ** 3 * 4 - 0.3);
    const codes = new Uint8Array(values.length);
    const error = (scale: number, beta: number) => values.reduce((sum, v, i) => sum + (v - (codes[i]! * scale + beta)) ** 2, 0);
    const start = fitUniformQuantizer(values, 64, 0, codes, 1, 0);
    const startError = error(start.scale, start.beta);
    const learned = fitUniformQuantizer(values, 64, 20, codes, 1, 0);
    const learnedError = error(learned.scale, learned.beta);
    console.log(`quantiser MSE: min/max grid ${(startError / values.length).toExponential(3)}, learned ${(learnedError / values.length).toExponential(3)}`);
    expect(learnedError).toBeLessThanOrEqual(startError);
    expect(Math.max(...codes)).toBeLessThanOrEqual(63);
  });

  test('k-means finds 8 well separated clusters', () => {
    const random = createRandom(4);
    const centres = Array.from({ length: 8 }, (_, c) => [c & 1, (c >> 1) & 1, (c >> 2) & 1]);
    const points = new Float64Array(800 * 3);
    for (let p = 0; p < 800; p++) for (let k = 0; k < 3; k++) points[p * 3 + k] = centres[p % 8]![k]! + 0.02 * (random() - 0.5);
    const assignment = new Uint8Array(800);
    const codebook = kmeans(points, 20, random, assignment);
    for (const centre of centres) {
      const found = [...Array(8).keys()].some((c) => centre.every((v, k) => Math.abs(codebook[c * 3 + k]! - v) < 0.02));
      expect(found).toBe(true);
    }
    for (let p = 8; p < 800; p++) expect(assignment[p]).toBe(assignment[p % 8]);
  });
});

describe('.gimg round trip', () => {
  test('decode(read(write(encode(x)))) is within the quantisation of every parameter; size and bpp as computed', async () => {
    const image = await kodak('03', 4, 96, 64);
    const cloud = cloudOverImage(image, 700, 9);
    const encoded = encodeCloud(cloud);
    const bytes = writeGimg(encoded);
    expect(bytes.length).toBe(GIMG_HEADER_BYTES + 7 * 700);
    expect(bitsPerPixel(700, 96, 64)).toBeCloseTo((8 * bytes.length) / (96 * 64), 12);
    expect(sniffGimg(bytes)).toBe(true);
    const read = readGimg(bytes);
    expect(read).toEqual(encoded);
    const decoded = decodeToCloud(read);
    const p = cloud.params;
    const q = decoded.params;
    for (let i = 0; i < 700; i++) {
      const o = i * PARAMS_PER_GAUSSIAN;
      for (const s of [ParamSlot.x, ParamSlot.y]) {
        // f16 keeps 11 significant bits: half an ulp is 2^-11 relative.
        expect(Math.abs(q[o + s]! - p[o + s]!)).toBeLessThanOrEqual(Math.abs(p[o + s]!) * 2 ** -11 + 2 ** -25);
      }
      for (let channel = 0; channel < 3; channel++) {
        const half = encoded.choleskyScale[channel]! / 2;
        expect(Math.abs(q[o + ParamSlot.l11 + channel]! - p[o + ParamSlot.l11 + channel]!)).toBeLessThanOrEqual(half * 1.0001 + 1e-6);
      }
    }
    // Colours: the sum of the two chosen codewords, and no worse than the first stage alone on average.
    let colourError = 0;
    for (let i = 0; i < 700; i++) for (let c = 0; c < 3; c++) colourError += (q[i * 8 + 5 + c]! - p[i * 8 + 5 + c]!) ** 2;
    console.log(`colour RMSE after 2-stage RVQ: ${Math.sqrt(colourError / 2100).toFixed(4)}`);
    expect(Math.sqrt(colourError / 2100)).toBeLessThan(0.05);
  });

  test('re-fitting the codebooks, then choosing the codeword pairs for the image, each lower its error', async () => {
    const image = await kodak('05', 8, 64, 48);
    const cloud = cloudOverImage(image, 300, 10);
    const encoded = encodeCloud(cloud);
    const error = (e: typeof encoded) => meanSquaredError(decodeSum(decodeToCloud(e)), image.data);
    const kmeansOnly = error(encoded);
    const refitted = error(refineCodebooks(encoded, image));
    const reassigned = refineAssignments(encoded, image);
    console.log(`image MSE: k-means codebooks ${kmeansOnly.toExponential(3)}, re-fitted ${refitted.toExponential(3)}, pairs chosen ${error(reassigned).toExponential(3)}`);
    expect(refitted).toBeLessThan(kmeansOnly);
    expect(error(reassigned)).toBeLessThan(refitted);
    // Only the colour part changes.
    expect(reassigned.positions).toEqual(encoded.positions);
    expect(reassigned.choleskyCodes).toEqual(encoded.choleskyCodes);
  });
});

describe('bad .gimg files', () => {
  const valid = () => writeGimg(encodeCloud(cloudOverImage({ width: 20, height: 10, data: new Float32Array(600).fill(0.5) }, 12, 1)));
  const edited = (bytes: Uint8Array, set: (view: DataView) => void) => {
    const copy = bytes.slice();
    set(new DataView(copy.buffer));
    return copy;
  };

  test('each problem gets its own clear message', () => {
    const good = valid();
    expect(() => readGimg(good, 'ok.gimg')).not.toThrow();
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['empty', new Uint8Array(0), /bad\.gimg: truncated: 0 bytes, shorter than the 236-byte header/],
      ['PNG', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), /not a GaussianImage file/],
      ['wrong magic', edited(good, (v) => v.setUint8(0, 0x58)), /not a GaussianImage file \(the magic number "GIMG" is missing\)/],
      ['version 2', edited(good, (v) => v.setUint16(4, 2, true)), /version 2 is not supported/],
      ['flags', edited(good, (v) => v.setUint16(6, 1, true)), /reserved flags are 1, must be 0/],
      ['width 0', edited(good, (v) => v.setUint32(8, 0, true)), /image size 0×10 is outside/],
      ['count 0', edited(good, (v) => v.setUint32(16, 0, true)), /Gaussian count 0 is outside 1\.\.16777216/],
      ['count 2^32 − 1', edited(good, (v) => v.setUint32(16, 0xffffffff, true)), /Gaussian count 4294967295 is outside/],
      ['count larger than the file', edited(good, (v) => v.setUint32(16, 1 << 24, true)), /truncated: 16777216 Gaussians need 117440748 bytes, the file has 320/],
      ['truncated body', good.slice(0, good.length - 1), /truncated: 12 Gaussians need 320 bytes, the file has 319/],
      ['trailing bytes', new Uint8Array([...good, 0, 0]), /2 unexpected bytes after the 12 Gaussians/],
      ['NaN scale', edited(good, (v) => v.setFloat32(24, NaN, true)), /Cholesky scale 1 is not a finite number/],
      ['infinite codebook', edited(good, (v) => v.setFloat32(44 + 4 * 30, Infinity, true)), /codebook value 30 is not a finite number/],
      ['infinite position', edited(good, (v) => v.setUint16(GIMG_HEADER_BYTES + 4 * 3 + 2, 0x7c00, true)), /position of Gaussian 3 is not a finite number/],
    ];
    for (const [what, bytes, message] of cases) {
      expect(() => readGimg(bytes, 'bad.gimg'), what).toThrow(message);
    }
  });
});
