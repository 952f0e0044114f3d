/**
 * The INRIA .ply loader on every real file in ../shared/data/splats/ply, checked against an
 * independent read of the raw records (a DataView over the bytes, no loader code), plus streaming
 * (tiny chunks, unknown size, progress, abort).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { streamFromBytes } from '../../src/formats/stream';
import { loadSplatBytes, loadSplatScene } from '../../src/methods/gaussians3d/load';
import type { SplatCloud } from '../../src/methods/gaussians3d/splatCloud';

const PLY_DIR = fileURLToPath(new URL('../../../shared/data/splats/ply/', import.meta.url));
const readPly = (file: string) => new Uint8Array(readFileSync(PLY_DIR + file));

/** An independent reader for all-float INRIA files: property names and one record as a name → value map. */
function rawPly(bytes: Uint8Array) {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 20000));
  const end = text.indexOf('end_header\n') + 'end_header\n'.length;
  const lines = text.slice(0, end).split('\n');
  const count = Number(lines.find((l) => l.startsWith('element vertex'))!.split(' ')[2]);
  const names = lines.filter((l) => l.startsWith('property float ')).map((l) => l.split(' ')[2]!);
  const view = new DataView(bytes.buffer, bytes.byteOffset + end);
  const record = (i: number): Record<string, number> =>
    Object.fromEntries(names.map((n, p) => [n, view.getFloat32((i * names.length + p) * 4, true)]));
  return { count, names, record, dataStart: end };
}

const f32 = Math.fround;

/** Checks splat i of `cloud` against the raw record, with the documented activations. */
function expectSplatMatchesRecord(cloud: SplatCloud, i: number, r: Record<string, number>) {
  const k = (cloud.shDegree + 1) ** 2;
  expect([...cloud.positions.subarray(3 * i, 3 * i + 3)]).toEqual([r.x, r.y, r.z]);
  for (let c = 0; c < 3; c++) {
    expect(cloud.scales[3 * i + c]).toBe(f32(Math.exp(r[`scale_${c}`]!)));
    expect(cloud.sh[3 * k * i + c]).toBe(r[`f_dc_${c}`]);
    // Channel-major f_rest: f_rest_{c·(K−1) + k−1} is channel c of coefficient k.
    for (let coeff = 1; coeff < k; coeff++) {
      expect(cloud.sh[(i * k + coeff) * 3 + c]).toBe(r[`f_rest_${c * (k - 1) + coeff - 1}`]);
    }
  }
  expect(cloud.opacities[i]).toBe(f32(1 / (1 + Math.exp(-r.opacity!))));
  const q = [r.rot_0!, r.rot_1!, r.rot_2!, r.rot_3!];
  const norm = Math.hypot(...q);
  const rotation = [...cloud.rotations.subarray(4 * i, 4 * i + 4)];
  rotation.forEach((v, c) => expect(v).toBeCloseTo(q[c]! / norm, 6));
}

const FILES: Array<{ file: string; count: number; degree: number }> = [
  { file: 'donut_sh0.ply', count: 45624, degree: 0 },
  { file: 'fruit_drops_sh3.ply', count: 4721, degree: 3 },
  { file: 'pr477_lod2_tile_0.ply', count: 6831, degree: 3 },
  { file: 'pr477_lod3_tile_0.ply', count: 1971, degree: 3 },
  { file: 'pr477_lod4_tile_0.ply', count: 489, degree: 3 },
  { file: 'pr477_lod5_tile_0.ply', count: 111, degree: 3 },
  { file: 'rtgs_test_16splats.ply', count: 16, degree: 3 },
];

describe('INRIA .ply loader on the real files', () => {
  test.each(FILES)('$file: $count splats, SH degree $degree, records match an independent read', async ({ file, count, degree }) => {
    const bytes = readPly(file);
    const raw = rawPly(bytes);
    const cloud = await loadSplatBytes(file, bytes);
    expect(raw.count).toBe(count);
    expect(cloud.count).toBe(count);
    expect(cloud.shDegree).toBe(degree);
    expect(cloud.warnings).toEqual([]);
    expect(cloud.positions.length).toBe(3 * count);
    expect(cloud.sh.length).toBe(3 * (degree + 1) ** 2 * count);
    for (const i of [0, 1, Math.floor(count / 2), count - 1]) expectSplatMatchesRecord(cloud, i, raw.record(i));
    for (let i = 0; i < count; i++) {
      const q = cloud.rotations.subarray(4 * i, 4 * i + 4);
      expect(Math.abs(Math.hypot(...q) - 1)).toBeLessThan(1e-6);
    }
  });

  test('donut has neither normals nor f_rest; fruit_drops has a trailing `transform` that is ignored', () => {
    expect(rawPly(readPly('donut_sh0.ply')).names).toEqual(
      ['x', 'y', 'z', 'f_dc_0', 'f_dc_1', 'f_dc_2', 'opacity', 'scale_0', 'scale_1', 'scale_2', 'rot_0', 'rot_1', 'rot_2', 'rot_3'],
    );
    expect(rawPly(readPly('fruit_drops_sh3.ply')).names.at(-1)).toBe('transform');
  });

  test('pr477: unnormalised quaternions get normalised, log-scales down to -23 stay positive and finite', async () => {
    const bytes = readPly('pr477_lod2_tile_0.ply');
    const raw = rawPly(bytes);
    const cloud = await loadSplatBytes('pr477_lod2_tile_0.ply', bytes);
    let minLogScale = Infinity;
    let maxQuatNormError = 0;
    for (let i = 0; i < raw.count; i++) {
      const r = raw.record(i);
      minLogScale = Math.min(minLogScale, r.scale_0!, r.scale_1!, r.scale_2!);
      maxQuatNormError = Math.max(maxQuatNormError, Math.abs(Math.hypot(r.rot_0!, r.rot_1!, r.rot_2!, r.rot_3!) - 1));
    }
    // The file really has what the test is about.
    expect(minLogScale).toBeLessThan(-20);
    expect(maxQuatNormError).toBeGreaterThan(0.1);
    expect(Math.min(...cloud.scales)).toBeGreaterThan(0);
    expect(Math.min(...cloud.scales)).toBeCloseTo(Math.exp(minLogScale), 15);
  });

  test('rtgs_test_16splats: non-zero higher SH land in coefficient-major slots for every channel', async () => {
    const bytes = readPly('rtgs_test_16splats.ply');
    const raw = rawPly(bytes);
    const cloud = await loadSplatBytes('rtgs_test_16splats.ply', bytes);
    for (let i = 0; i < 16; i++) expectSplatMatchesRecord(cloud, i, raw.record(i));
    // Coefficient 1 of channels G and B are f_rest_15 and f_rest_30 (not f_rest_1, f_rest_2).
    const r = raw.record(0);
    expect(r.f_rest_15).not.toBe(r.f_rest_1);
    expect(cloud.sh[3 + 1]).toBe(r.f_rest_15);
    expect(cloud.sh[3 + 2]).toBe(r.f_rest_30);
  });
});

describe('streaming', () => {
  const bytes = readPly('fruit_drops_sh3.ply');

  test.each(['pr477_lod4_tile_0.ply', 'rtgs_test_16splats.ply'])('%s: 7-byte chunks and an unknown size give exactly the same cloud as one chunk', async (file) => {
    const data = readPly(file);
    const whole = await loadSplatBytes(file, data, data.byteLength);
    const tiny = await loadSplatBytes(file, data, 7);
    const unsized = await loadSplatScene({ name: file, stream: streamFromBytes(data, 7) });
    expect(tiny).toEqual(whole);
    expect(unsized).toEqual(whole);
  });

  test('the donut in 997-byte chunks (records split across borders) equals one chunk', async () => {
    const donut = readPly('donut_sh0.ply');
    const split = await loadSplatBytes('donut_sh0.ply', donut, 997);
    const whole = await loadSplatBytes('donut_sh0.ply', donut);
    // Byte comparison: a deep-equality walk over 45k-splat arrays would take seconds.
    for (const key of ['positions', 'scales', 'rotations', 'opacities', 'sh'] as const) {
      expect(Buffer.from(split[key].buffer).equals(Buffer.from(whole[key].buffer)), key).toBe(true);
    }
    expect(split.count).toBe(whole.count);
  });

  test('reports progress in bytes, ending at the file size', async () => {
    const progress: number[] = [];
    await loadSplatScene({ name: 'f.ply', size: bytes.byteLength, stream: streamFromBytes(bytes, 100_000), onProgress: (n) => progress.push(n) });
    expect(progress.length).toBe(Math.ceil(bytes.byteLength / 100_000));
    expect(progress.every((n, i) => i === 0 || n > progress[i - 1]!)).toBe(true);
    expect(progress.at(-1)).toBe(bytes.byteLength);
  });

  test('aborting mid-stream rejects promptly with an AbortError and cancels the stream', async () => {
    const controller = new AbortController();
    let cancelled = false;
    let served = 0;
    // A stream that serves two chunks and then never delivers more: only the abort can end the load.
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (served < 2) c.enqueue(bytes.slice(served * 1000, ++served * 1000));
        else return new Promise<void>(() => {});
      },
      cancel() {
        cancelled = true;
      },
    });
    const load = loadSplatScene({ name: 'f.ply', size: bytes.byteLength, stream, signal: controller.signal, onProgress: (n) => n >= 2000 && controller.abort() });
    await expect(load).rejects.toMatchObject({ name: 'AbortError' });
    expect(cancelled).toBe(true);
  });

  test('an already-aborted signal rejects before reading', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      loadSplatScene({ name: 'f.ply', stream: streamFromBytes(bytes), signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
