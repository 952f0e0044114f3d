/**
 * antimatter15 .splat loader: the real fixture decoded field by field, a .ply scene written as .splat
 * by the format's documented encoding and read back (values and a CPU reference render), streaming,
 * and bad sizes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { Camera } from '../../src/camera/camera';
import { streamFromBytes } from '../../src/formats/stream';
import { loadSplatBytes, loadSplatScene } from '../../src/methods/gaussians3d/load';
import { renderReference } from '../../src/methods/gaussians3d/reference';
import { SH_C0, type SplatCloud } from '../../src/methods/gaussians3d/splatCloud';

const DATA = fileURLToPath(new URL('../../../shared/data/splats/', import.meta.url));
const read = (file: string) => new Uint8Array(readFileSync(DATA + file));

/** .splat bytes of a cloud as splat-formats.md §2 describes the writers (colour from f_dc only). */
function encodeSplat(cloud: SplatCloud): Uint8Array {
  const out = new Uint8Array(32 * cloud.count);
  const view = new DataView(out.buffer);
  const k = (cloud.shDegree + 1) ** 2;
  const byte = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let i = 0; i < cloud.count; i++) {
    for (let c = 0; c < 3; c++) {
      view.setFloat32(32 * i + 4 * c, cloud.positions[3 * i + c]!, true);
      view.setFloat32(32 * i + 12 + 4 * c, cloud.scales[3 * i + c]!, true);
      out[32 * i + 24 + c] = byte((0.5 + SH_C0 * cloud.sh[3 * k * i + c]!) * 255);
    }
    out[32 * i + 27] = byte(cloud.opacities[i]! * 255);
    for (let c = 0; c < 4; c++) out[32 * i + 28 + c] = byte(cloud.rotations[4 * i + c]! * 128 + 128);
  }
  return out;
}

describe('.splat loader', () => {
  test('the minimal.splat fixture, field by field against the raw bytes', async () => {
    const bytes = read('fixtures/minimal.splat');
    const cloud = await loadSplatBytes('minimal.splat', bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(cloud.count).toBe(4);
    expect(cloud.shDegree).toBe(0);
    expect(cloud.warnings).toEqual([]);
    for (let i = 0; i < 4; i++) {
      for (let c = 0; c < 3; c++) {
        expect(cloud.positions[3 * i + c]).toBe(view.getFloat32(32 * i + 4 * c, true));
        expect(cloud.scales[3 * i + c]).toBe(view.getFloat32(32 * i + 12 + 4 * c, true));
        expect(cloud.sh[3 * i + c]).toBe(Math.fround((bytes[32 * i + 24 + c]! / 255 - 0.5) / SH_C0));
      }
      expect(cloud.opacities[i]).toBe(Math.fround(bytes[32 * i + 27]! / 255));
      const q = [0, 1, 2, 3].map((c) => (bytes[32 * i + 28 + c]! - 128) / 128);
      const norm = Math.hypot(...q);
      expect([...cloud.rotations.subarray(4 * i, 4 * i + 4)]).toEqual(q.map((v) => Math.fround(v / norm)));
    }
    // The fixture's four corners of a unit square in the y = 0 plane, each 0.1 wide.
    expect([...cloud.positions]).toEqual([-1, 0, -1, 0, 0, -1, -1, 0, 0, 0, 0, 0]);
  });

  test('a .ply scene written as .splat reads back within the format quantisation, and renders the same', async () => {
    const ply = await loadSplatBytes('donut_sh0.ply', read('ply/donut_sh0.ply'));
    const splat = await loadSplatBytes('donut.splat', encodeSplat(ply));
    expect(splat.count).toBe(ply.count);
    // Byte comparison: a deep-equality walk over 45k-splat arrays would take seconds.
    expect(Buffer.from(splat.positions.buffer).equals(Buffer.from(ply.positions.buffer))).toBe(true);
    expect(Buffer.from(splat.scales.buffer).equals(Buffer.from(ply.scales.buffer))).toBe(true);
    let worstOpacity = 0;
    let worstQuaternion = 0;
    for (let i = 0; i < ply.count; i++) {
      worstOpacity = Math.max(worstOpacity, Math.abs(splat.opacities[i]! - ply.opacities[i]!));
      // q and −q are the same rotation; the quantised one is renormalised.
      let dot = 0;
      for (let c = 0; c < 4; c++) dot += splat.rotations[4 * i + c]! * ply.rotations[4 * i + c]!;
      worstQuaternion = Math.max(worstQuaternion, 1 - Math.abs(dot));
    }
    expect(worstOpacity).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
    expect(worstQuaternion).toBeLessThan(1e-3);

    const W = 96;
    const camera: Camera = {
      width: W, height: W, fx: W, fy: W, cx: W / 2, cy: W / 2,
      // Looking along world −y at the donut (centre ≈ (0, 0, 0.05), size ≈ 0.2).
      rotation: [1, 0, 0, 0, 0, 1, 0, -1, 0], translation: [0, -0.05, 0.3], near: 0.01, far: 10,
    };
    const reference = renderReference(ply, camera, [0, 0, 0]);
    const a = reference.rgb;
    const b = renderReference(splat, camera, [0, 0, 0]).rgb;
    // The view really shows the donut (about a quarter of the image is covered).
    expect(reference.finalT.filter((t) => t < 0.5).length).toBeGreaterThan(0.2 * W * W);
    let squared = 0;
    for (let i = 0; i < a.length; i++) squared += (Math.min(1, a[i]!) - Math.min(1, b[i]!)) ** 2;
    const psnr = 10 * Math.log10(1 / (squared / a.length));
    console.log(`donut .ply vs .splat reference render: PSNR ${psnr.toFixed(1)} dB`);
    expect(psnr).toBeGreaterThan(40);
  });

  test('7-byte chunks and an unknown size give the same cloud', async () => {
    const bytes = encodeSplat(await loadSplatBytes('r.ply', read('ply/pr477_lod5_tile_0.ply')));
    const whole = await loadSplatBytes('t.splat', bytes);
    expect(await loadSplatBytes('t.splat', bytes, 7)).toEqual(whole);
    expect(await loadSplatScene({ name: 't.splat', stream: streamFromBytes(bytes, 7) })).toEqual(whole);
  });

  test('sizes that are not a multiple of 32, zero bytes, more bytes than announced', async () => {
    const bytes = read('fixtures/minimal.splat');
    const cut = bytes.subarray(0, 100);
    const message = 'cut.splat is 100 bytes, not a multiple of 32 (a .splat file is 32 bytes per splat): truncated or not a .splat file';
    await expect(loadSplatBytes('cut.splat', cut)).rejects.toThrow(message);
    await expect(loadSplatScene({ name: 'cut.splat', stream: streamFromBytes(cut, 7) })).rejects.toThrow(message);
    await expect(loadSplatBytes('none.splat', new Uint8Array(0))).rejects.toThrow('none.splat is empty (0 bytes)');
    await expect(loadSplatScene({ name: 'lie.splat', size: 64, stream: streamFromBytes(bytes) })).rejects.toThrow(
      'lie.splat: the stream has 64 bytes more than its announced size of 64',
    );
    await expect(loadSplatScene({ name: 'short.splat', size: 256, stream: streamFromBytes(bytes) })).rejects.toThrow(
      'short.splat is truncated: expected 256 bytes (8 splats), got 128',
    );
  });

  test('splats with NaN positions or scales are dropped with a warning; a zero quaternion becomes the identity', async () => {
    const bytes = read('fixtures/minimal.splat').slice();
    const view = new DataView(bytes.buffer);
    view.setFloat32(32 * 1 + 4, NaN, true);
    view.setFloat32(32 * 2 + 16, -Infinity, true);
    bytes.fill(128, 32 * 3 + 28, 32 * 3 + 32);
    const cloud = await loadSplatBytes('nan.splat', bytes);
    expect(cloud.count).toBe(2);
    expect([...cloud.rotations.subarray(4, 8)]).toEqual([1, 0, 0, 0]);
    expect(cloud.warnings).toEqual([
      'nan.splat: dropped 2 of 4 splats with non-finite values (NaN or Inf)',
      'nan.splat: 1 splats had a zero quaternion; they use the identity rotation',
    ]);
  });
});
