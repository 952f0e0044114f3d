/**
 * The .splatv loader and time model (src/methods/gaussians4d/splatv.ts): the real hanabi file
 * (count, header camera, every value finite, records identical to an independent DataView read,
 * its six flip-book frames in time), synthetic files for polynomial motion, quaternion drift and
 * the temporal-opacity cut, streaming in tiny chunks and without a known size, and every bad input
 * failing with a message that says what is wrong.
 */
import { describe, expect, test } from 'vitest';
import { streamFromBytes } from '../../src/formats/stream';
import { decodeSplatvRecord, evaluateSplatv, halfToFloat, loadSplatv, loadSplatvBytes, sliceSplatv, SPLATV_OPACITY_CULL, splatvCameras } from '../../src/methods/gaussians4d/splatv';
import { halfBits } from '../../src/methods/gaussians3d/splatStorage';
import { HANABI_PATH, readData, splatvRecord, writeSplatv, type SplatvRecordInput } from './gaussians4dTestKit';

const hanabi = () => readData(HANABI_PATH.slice(HANABI_PATH.indexOf('dynamic/')));

const BASE: SplatvRecordInput = { position: [0.5, -1, 2], rotation: [1, 0, 0, 0], scale: [0.1, 0.2, 0.3], rgba: [1, 0.5, 0, 0.8], trbfCenter: 0.5, trbfScale: 0.25 };

describe('hanabi2.splatv (real file)', () => {
  test('24,000 splats (the 576 zero records are texture padding), one header camera, finite values', async () => {
    const scene = await loadSplatvBytes('hanabi2.splatv', hanabi());
    expect(scene.count).toBe(24000);
    expect(scene.warnings).toEqual([]);
    expect(scene.cameraEntries).toHaveLength(1);
    const [camera] = splatvCameras(scene);
    expect(camera).toMatchObject({ width: 1920, height: 1080, fx: 1000, fy: 1000, rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
    // Camera centre (0, 0, 3) → t = −R·c.
    expect(camera!.translation.map((v) => v + 0)).toEqual([0, 0, -3]);
    for (let i = 0; i < scene.count; i++) {
      const s = decodeSplatvRecord(scene.records, i);
      const values = [...s.position, ...s.rotation, ...s.scale, ...s.rgba, ...s.motion, ...s.omega, s.trbfCenter, s.trbfScale];
      expect(values.every(Number.isFinite), `splat ${i}`).toBe(true);
      expect(s.trbfScale).toBeGreaterThan(0);
    }
  });

  test('records equal an independent read of the texture (first, middle, last)', async () => {
    const bytes = hanabi();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const jsonLength = view.getUint32(4, true);
    const scene = await loadSplatvBytes('hanabi2.splatv', bytes, 1000);
    for (const i of [0, 12345, 23999]) {
      const at = 8 + jsonLength + 64 * i;
      const s = decodeSplatvRecord(scene.records, i);
      expect(s.position).toEqual([0, 1, 2].map((k) => view.getFloat32(at + 4 * k, true)));
      expect(s.scale[0]).toBe(halfToFloat(view.getUint16(at + 20, true)));
      expect(s.rgba[3]).toBe(view.getUint8(at + 31) / 255);
      expect(s.trbfCenter).toBe(halfToFloat(view.getUint16(at + 60, true)));
      expect(s.trbfScale).toBe(halfToFloat(view.getUint16(at + 62, true)));
    }
  });

  test('a flip book: six groups of 4,000 splats, each alive around its own time', async () => {
    const scene = await loadSplatvBytes('hanabi2.splatv', hanabi());
    const centres = new Map<number, number>();
    for (let i = 0; i < scene.count; i++) {
      const c = decodeSplatvRecord(scene.records, i).trbfCenter;
      centres.set(c, (centres.get(c) ?? 0) + 1);
    }
    expect([...centres.values()]).toEqual([4000, 4000, 4000, 4000, 4000, 4000]);
    for (const centre of centres.keys()) {
      const { alive } = sliceSplatv(scene, centre);
      expect(alive.length).toBeGreaterThanOrEqual(4000);
      // At a frame's own time all of its splats are fully opaque in time.
      expect([...alive].filter((i) => decodeSplatvRecord(scene.records, i).trbfCenter === centre)).toHaveLength(4000);
    }
  });
});

describe('time model', () => {
  test('cubic motion, normalised quaternion drift, exp(−(dt/s)²) opacity', async () => {
    const motion = [0.5, -0.25, 1, 2, 0, -1, 0.125, 0.5, -2];
    const record = splatvRecord({ ...BASE, motion, omega: [0, 1, 0, 0] });
    const scene = await loadSplatvBytes('m.splatv', writeSplatv([record]));
    const splat = decodeSplatvRecord(scene.records, 0);
    for (const time of [0.3, 0.5, 0.9]) {
      const dt = time - 0.5;
      const at = evaluateSplatv(splat, time);
      at.position.forEach((p, a) => expect(p).toBeCloseTo(BASE.position[a]! + motion[a]! * dt + motion[3 + a]! * dt ** 2 + motion[6 + a]! * dt ** 3, 6));
      const n = Math.hypot(1, dt);
      at.rotation.forEach((q, k) => expect(q).toBeCloseTo([1 / n, dt / n, 0, 0][k]!, 12));
      // trbf_scale 0.25 is exact in f16.
      expect(at.temporalOpacity).toBeCloseTo(Math.exp(-((dt / 0.25) ** 2)), 12);
      expect(at.opacity).toBeCloseTo((204 / 255) * at.temporalOpacity, 12);
      expect(at.rgb).toEqual([1, 128 / 255, 0]);
    }
  });

  test('temporal opacity below 0.02 drops the splat, at 0.02 and above it stays', async () => {
    const scene = await loadSplatvBytes('c.splatv', writeSplatv([splatvRecord(BASE)]));
    const splat = decodeSplatvRecord(scene.records, 0);
    // exp(−(dt/s)²) = 0.02 ⇔ dt = s·sqrt(−ln 0.02)
    const edge = 0.25 * Math.sqrt(-Math.log(SPLATV_OPACITY_CULL));
    expect(evaluateSplatv(splat, 0.5 + edge * 0.999).visible).toBe(true);
    expect(evaluateSplatv(splat, 0.5 - edge * 1.001).visible).toBe(false);
    expect(sliceSplatv(scene, 0.5 + edge * 1.001).alive.length).toBe(0);
  });

  test('halfToFloat: normals, subnormals, ±0, ±Inf, NaN; the kit packs halves to nearest', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    for (const x of [0.1, 0.0045, 3.14159, -65504, 1e-6]) expect(Math.abs(halfToFloat(halfBits(x)) - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 2 ** -25);
  });
});

describe('streaming', () => {
  test('tiny chunks and an unknown size give the same scene', async () => {
    const bytes = hanabi();
    const whole = await loadSplatvBytes('h', bytes);
    const tiny = await loadSplatvBytes('h', bytes, 1001);
    const unsized = await loadSplatv({ name: 'h', stream: streamFromBytes(bytes, 4093) });
    // Byte comparison: toEqual over 384k elements alone takes seconds.
    const bytesOf = (a: Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(Buffer.compare(bytesOf(tiny.records), bytesOf(whole.records))).toBe(0);
    expect(Buffer.compare(bytesOf(unsized.records), bytesOf(whole.records))).toBe(0);
    expect(unsized.cameraEntries).toEqual(whole.cameraEntries);
  }, 30_000);

  test('chunks of other types before the splat chunk are skipped', async () => {
    const file = writeSplatv([splatvRecord(BASE)], { before: [{ type: 'notes', bytes: new Uint8Array(37).fill(7) }] });
    const scene = await loadSplatvBytes('x.splatv', file, 5);
    expect(scene.count).toBe(1);
    expect(decodeSplatvRecord(scene.records, 0).trbfCenter).toBe(0.5);
  });
});

describe('bad inputs', () => {
  const good = () => writeSplatv([splatvRecord(BASE), splatvRecord({ ...BASE, trbfCenter: 0.25 })]);
  const load = (bytes: Uint8Array, chunk?: number) => loadSplatvBytes('bad.splatv', bytes, chunk);
  const unsized = (bytes: Uint8Array) => loadSplatv({ name: 'bad.splatv', stream: streamFromBytes(bytes, 100) });

  test('wrong magic, empty file, a .ply', async () => {
    await expect(load(writeSplatv([splatvRecord(BASE)], { magic: 0x674c }))).rejects.toThrow(/bad\.splatv is not a \.splatv file: it starts with 0x0000674c/);
    await expect(load(new Uint8Array(0))).rejects.toThrow(/empty/);
    await expect(load(new TextEncoder().encode('ply\nformat binary_little_endian 1.0\n'))).rejects.toThrow(/not a \.splatv file/);
  });

  test('JSON header too long, empty, malformed, not UTF-8, of the wrong shape', async () => {
    await expect(load(writeSplatv([splatvRecord(BASE)], { jsonLength: 2 ** 21 }))).rejects.toThrow(/claims 2097152 bytes, more than the 1048576 allowed/);
    await expect(load(writeSplatv([splatvRecord(BASE)], { jsonLength: 0 }))).rejects.toThrow(/JSON header is empty/);
    await expect(load(writeSplatv([splatvRecord(BASE)], { json: '[{"type": "splat", "size": 65536,' }))).rejects.toThrow(/JSON header is malformed/);
    const latin = writeSplatv([splatvRecord(BASE)], { json: '["\u00ff"]' });
    // Replace the UTF-8 bytes of ÿ (C3 BF) by a lone continuation byte.
    latin[10] = 0xbf;
    latin[11] = 0xbf;
    await expect(load(latin)).rejects.toThrow(/not valid UTF-8/);
    await expect(load(writeSplatv([splatvRecord(BASE)], { json: '{"type": "splat"}' }))).rejects.toThrow(/must be an array of chunk descriptors/);
    await expect(load(writeSplatv([splatvRecord(BASE)], { json: '[{"type": "other", "size": 0}]' }))).rejects.toThrow(/no "splat" chunk/);
    await expect(load(writeSplatv([splatvRecord(BASE)], { json: '[{"type": "splat", "size": -64}]' }))).rejects.toThrow(/"size" must be a byte count/);
    const two = JSON.stringify([0, 1].map(() => ({ type: 'splat', size: 65536, texwidth: 4096, texheight: 1 })));
    await expect(load(writeSplatv([splatvRecord(BASE)], { json: two }))).rejects.toThrow(/2 "splat" chunks; only one is supported/);
    const badCamera = JSON.stringify([{ type: 'splat', size: 65536, texwidth: 4096, texheight: 1, cameras: [{ width: 10 }] }]);
    await expect(load(writeSplatv([splatvRecord(BASE)], { json: badCamera }))).rejects.toThrow(/chunk 0: cameras: entry 0/);
  });

  test('sizes that do not match: texture vs texwidth × texheight, texwidth, header vs file', async () => {
    const json = (o: object) => JSON.stringify([{ type: 'splat', size: 65536, texwidth: 4096, texheight: 1, ...o }]);
    await expect(load(writeSplatv([splatvRecord(BASE)], { json: json({ size: 65472 }) }))).rejects.toThrow(/size 65472 does not match texwidth × texheight × 16 = 65536/);
    await expect(load(writeSplatv([splatvRecord(BASE)], { json: json({ texwidth: 2048, size: 32768 }) }))).rejects.toThrow(/texwidth 2048 is not 4096/);
    await expect(load(writeSplatv([splatvRecord(BASE)], { json: json({ texheight: 2, size: 131072 }) }))).rejects.toThrow(/truncated: its header declares \d+ bytes in all, the file has \d+/);
    const extra = new Uint8Array([...good(), 1, 2, 3]);
    await expect(load(extra)).rejects.toThrow(/has 3 bytes after the/);
    await expect(unsized(extra)).rejects.toThrow(/has 3 bytes after the/);
  });

  test('truncated anywhere: header, JSON, texture (with and without a known size)', async () => {
    const bytes = good();
    const jsonLength = new DataView(bytes.buffer).getUint32(4, true);
    for (const cut of [3, 8 + Math.floor(jsonLength / 2), 8 + jsonLength + 64 + 10, bytes.byteLength - 1]) {
      await expect(load(bytes.subarray(0, cut)), `cut at ${cut}`).rejects.toThrow(/truncated/);
      await expect(unsized(bytes.subarray(0, cut)), `cut at ${cut}, no size`).rejects.toThrow(/truncated/);
    }
  });

  test('NaN or a zero trbf_scale drops the splat with a warning; all bad is an error; all padding is empty', async () => {
    const nan = splatvRecord({ ...BASE, position: [NaN, 0, 0] });
    const zeroScale = splatvRecord({ ...BASE, trbfScale: 0 });
    const infMotion = splatvRecord({ ...BASE, motion: [Infinity, 0, 0, 0, 0, 0, 0, 0, 0] });
    const scene = await load(writeSplatv([splatvRecord(BASE), nan, zeroScale, infMotion]));
    expect(scene.count).toBe(1);
    expect(scene.warnings).toEqual(['bad.splatv: dropped 3 of 4 splats with non-finite values or a non-positive trbf_scale']);
    await expect(load(writeSplatv([nan, zeroScale]))).rejects.toThrow(/all 2 splats have non-finite values/);
    await expect(load(writeSplatv([]))).rejects.toThrow(/contains no splats/);
  });
});
