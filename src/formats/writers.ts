/**
 * SplatCloud → INRIA 3DGS binary .ply and antimatter15 .splat, written in chunks so a large scene
 * never needs one buffer of the whole file (join them with `new Blob(chunks)` in the browser or
 * write them one by one in Node).
 *
 * INRIA .ply (../shared/docs/splat-formats.md §1; graphdeco-inria save_ply), one float32 each, in
 * this order: x y z | nx ny nz (0) | f_dc_0..2 | f_rest_0..3(K−1)−1 channel-major (f_rest_{c·(K−1)+k−1}
 * is channel c of coefficient k) | opacity (logit) | scale_0..2 (log) | rot_0..3 (w, x, y, z).
 * Logit, log and quaternion are chosen so the .ply loader gives back the cloud's f32 values
 * bit for bit (inriaValues.ts); a quaternion without such a preimage reloads within 1 f32 ulp.
 *
 * .splat (§2), 32 bytes per splat in the cloud's order: f32 position, f32 linear scale,
 * RGBA u8 = (0.5 + SH_C0·f_dc)·255 and opacity·255, quaternion (w, x, y, z) u8 = q·128 + 128,
 * each rounded and clamped to 0..255. Higher SH is dropped (the format has none).
 */
import { SH_C0, shCoefficientCount, type SplatCloud } from '../methods/gaussians3d/splatCloud';
import { SPLAT_RECORD_BYTES } from '../methods/gaussians3d/splatLoader';
import { logitFor, logScaleFor, storedQuaternionFor } from './inriaValues';

/** Splats encoded per chunk: a few MB per chunk at SH degree 3. */
const SPLATS_PER_CHUNK = 16384;

/** Property names of an INRIA .ply vertex, in file order. */
export function inriaPropertyNames(shDegree: SplatCloud['shDegree']): string[] {
  const rest = 3 * (shCoefficientCount(shDegree) - 1);
  return [
    'x', 'y', 'z', 'nx', 'ny', 'nz', 'f_dc_0', 'f_dc_1', 'f_dc_2',
    ...Array.from({ length: rest }, (_, j) => `f_rest_${j}`),
    'opacity', 'scale_0', 'scale_1', 'scale_2', 'rot_0', 'rot_1', 'rot_2', 'rot_3',
  ];
}

/** The .ply file as chunks: the header, then records for up to SPLATS_PER_CHUNK splats each. */
export function* inriaPlyChunks(cloud: SplatCloud): Generator<Uint8Array> {
  const names = inriaPropertyNames(cloud.shDegree);
  const header = ['ply', 'format binary_little_endian 1.0', `element vertex ${cloud.count}`, ...names.map((n) => `property float ${n}`), 'end_header', ''];
  yield new TextEncoder().encode(header.join('\n'));

  const k = shCoefficientCount(cloud.shDegree);
  const floats = names.length;
  const restStart = 9;
  const opacityAt = restStart + 3 * (k - 1);
  const quaternion = new Float32Array(4);
  for (let first = 0; first < cloud.count; first += SPLATS_PER_CHUNK) {
    const n = Math.min(SPLATS_PER_CHUNK, cloud.count - first);
    const out = new Float32Array(n * floats);
    for (let r = 0; r < n; r++) {
      const i = first + r;
      const o = r * floats;
      for (let a = 0; a < 3; a++) {
        out[o + a] = cloud.positions[3 * i + a]!;
        out[o + 6 + a] = cloud.sh[3 * k * i + a]!;
        out[o + opacityAt + 1 + a] = logScaleFor(cloud.scales[3 * i + a]!);
      }
      for (let c = 0; c < 3; c++) {
        for (let j = 1; j < k; j++) out[o + restStart + c * (k - 1) + j - 1] = cloud.sh[(k * i + j) * 3 + c]!;
      }
      out[o + opacityAt] = logitFor(cloud.opacities[i]!);
      storedQuaternionFor(cloud.rotations.subarray(4 * i, 4 * i + 4), quaternion);
      out.set(quaternion, o + opacityAt + 4);
    }
    // Typed arrays are little-endian on every platform that runs WebGPU, as PLY's body here is.
    yield new Uint8Array(out.buffer);
  }
}

/** The .splat file as chunks of up to SPLATS_PER_CHUNK records. */
export function* splatChunks(cloud: SplatCloud): Generator<Uint8Array> {
  const k = shCoefficientCount(cloud.shDegree);
  const byte = (v: number) => Math.min(255, Math.max(0, Math.round(v)));
  for (let first = 0; first < cloud.count; first += SPLATS_PER_CHUNK) {
    const n = Math.min(SPLATS_PER_CHUNK, cloud.count - first);
    const out = new Uint8Array(n * SPLAT_RECORD_BYTES);
    const view = new DataView(out.buffer);
    for (let r = 0; r < n; r++) {
      const i = first + r;
      const o = r * SPLAT_RECORD_BYTES;
      for (let a = 0; a < 3; a++) {
        view.setFloat32(o + 4 * a, cloud.positions[3 * i + a]!, true);
        view.setFloat32(o + 12 + 4 * a, cloud.scales[3 * i + a]!, true);
        out[o + 24 + a] = byte((0.5 + SH_C0 * cloud.sh[3 * k * i + a]!) * 255);
      }
      out[o + 27] = byte(cloud.opacities[i]! * 255);
      for (let c = 0; c < 4; c++) out[o + 28 + c] = byte(cloud.rotations[4 * i + c]! * 128 + 128);
    }
    yield out;
  }
}
