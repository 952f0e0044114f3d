import { describe, expect, test } from 'vitest';
import { parsePlyHeader } from '../../src/formats/ply';
import { loadSplatBytes } from '../../src/methods/gaussians3d/load';
import { SH_C0 } from '../../src/methods/gaussians3d/splatCloud';
import { expectAllFinite, expectClose, readData } from './formatsTestKit';

describe('SuperSplat compressed PLY: guitar.compressed.ply', async () => {
  const bytes = readData('splats/compressed_ply/guitar.compressed.ply');
  const cloud = await loadSplatBytes('guitar.compressed.ply', bytes, 1 << 16);
  const headerEnd = new TextDecoder('latin1').decode(bytes.subarray(0, 4096)).indexOf('end_header\n') + 'end_header\n'.length;
  const header = parsePlyHeader(new TextDecoder('latin1').decode(bytes.subarray(0, headerEnd)));
  const chunks = new Float32Array(bytes.slice(headerEnd, headerEnd + 355 * 18 * 4).buffer);

  test('all 90,854 splats, SH degree 0, finite, unit quaternions, opacity in [0, 1]', () => {
    expect(header.elements.map((e) => `${e.name} ${e.count}`)).toEqual(['chunk 355', 'vertex 90854']);
    expect(cloud.count).toBe(90854);
    expect(cloud.shDegree).toBe(0);
    expect(cloud.warnings).toEqual([]);
    expectAllFinite(cloud);
    let bad = 0;
    for (let i = 0; i < cloud.count; i++) {
      const q = cloud.rotations.subarray(4 * i, 4 * i + 4);
      if (Math.abs(Math.hypot(...q) - 1) > 1e-6 || !(cloud.opacities[i]! >= 0 && cloud.opacities[i]! <= 1)) bad++;
    }
    expect(bad).toBe(0);
  });

  test("every splat lies inside its chunk's position, scale and colour ranges", () => {
    let outside = 0;
    for (let i = 0; i < cloud.count; i++) {
      const c = chunks.subarray(18 * Math.floor(i / 256), 18 * Math.floor(i / 256) + 18);
      for (let a = 0; a < 3; a++) {
        const p = cloud.positions[3 * i + a]!;
        const logScale = Math.log(cloud.scales[3 * i + a]!);
        const color = SH_C0 * cloud.sh[3 * i + a]! + 0.5;
        if (p < c[a]! - 1e-5 || p > c[3 + a]! + 1e-5) outside++;
        if (logScale < c[6 + a]! - 1e-5 || logScale > c[9 + a]! + 1e-5) outside++;
        if (color < c[12 + a]! - 1e-5 || color > c[15 + a]! + 1e-5) outside++;
      }
    }
    expect(outside).toBe(0);
  });
});

const unorm = (v: number, bits: number) => Math.round(Math.min(1, Math.max(0, v)) * (2 ** bits - 1));

interface Splat {
  position: number[];
  logScale: number[];
  /** (w, x, y, z), unit. */
  rotation: number[];
  /** f_dc per channel and opacity. */
  dc: number[];
  opacity: number;
  /** 9 f_rest values, channel-major. */
  rest: number[];
}

/** A compressed PLY of `splats` (≤ 256 per chunk, with chunk colour ranges and an SH element of degree 1). */
function writeCompressedPly(splats: Splat[]): Uint8Array {
  const chunkCount = Math.ceil(splats.length / 256);
  const chunkProps = ['min_x', 'min_y', 'min_z', 'max_x', 'max_y', 'max_z', 'min_scale_x', 'min_scale_y', 'min_scale_z', 'max_scale_x', 'max_scale_y', 'max_scale_z', 'min_r', 'min_g', 'min_b', 'max_r', 'max_g', 'max_b'];
  const header = [
    'ply', 'format binary_little_endian 1.0', `element chunk ${chunkCount}`, ...chunkProps.map((p) => `property float ${p}`),
    `element vertex ${splats.length}`, ...['packed_position', 'packed_rotation', 'packed_scale', 'packed_color'].map((p) => `property uint ${p}`),
    `element sh ${splats.length}`, ...Array.from({ length: 9 }, (_, j) => `property uchar f_rest_${j}`), 'end_header', '',
  ].join('\n');
  const head = new TextEncoder().encode(header);
  const bytes = new Uint8Array(head.length + chunkCount * 72 + splats.length * (16 + 9));
  bytes.set(head);
  const view = new DataView(bytes.buffer);
  const chunkAt = head.length;
  const vertexAt = chunkAt + chunkCount * 72;
  const shAt = vertexAt + splats.length * 16;
  for (let c = 0; c < chunkCount; c++) {
    const members = splats.slice(256 * c, 256 * c + 256);
    const range = (f: (s: Splat) => number) => [Math.min(...members.map(f)), Math.max(...members.map(f))];
    const ranges = [
      ...[0, 1, 2].map((a) => range((s) => s.position[a]!)),
      ...[0, 1, 2].map((a) => range((s) => s.logScale[a]!)),
      ...[0, 1, 2].map((a) => range((s) => s.dc[a]! * SH_C0 + 0.5)),
    ];
    const values = [0, 1, 2].flatMap((g) => [...[0, 1, 2].map((a) => ranges[3 * g + a]![0]!), ...[0, 1, 2].map((a) => ranges[3 * g + a]![1]!)]);
    values.forEach((v, j) => view.setFloat32(chunkAt + 72 * c + 4 * j, v, true));
    members.forEach((s, m) => {
      const i = 256 * c + m;
      const t = (v: number, g: number, a: number) => (v - values[6 * g + a]!) / (values[6 * g + 3 + a]! - values[6 * g + a]! || 1);
      const pack111011 = (g: number, v: number[]) => ((unorm(t(v[0]!, g, 0), 11) << 21) | (unorm(t(v[1]!, g, 1), 10) << 11) | unorm(t(v[2]!, g, 2), 11)) >>> 0;
      view.setUint32(vertexAt + 16 * i, pack111011(0, s.position), true);
      let largest = 0;
      s.rotation.forEach((v, k) => Math.abs(v) > Math.abs(s.rotation[largest]!) && (largest = k));
      const sign = s.rotation[largest]! < 0 ? -1 : 1;
      const others = s.rotation.filter((_, k) => k !== largest).map((v) => unorm((sign * v) / Math.SQRT2 + 0.5, 10));
      view.setUint32(vertexAt + 16 * i + 4, ((largest << 30) | (others[0]! << 20) | (others[1]! << 10) | others[2]!) >>> 0, true);
      view.setUint32(vertexAt + 16 * i + 8, pack111011(1, s.logScale), true);
      const color = [0, 1, 2].map((a) => unorm(t(s.dc[a]! * SH_C0 + 0.5, 2, a), 8));
      view.setUint32(vertexAt + 16 * i + 12, ((color[0]! << 24) | (color[1]! << 16) | (color[2]! << 8) | unorm(s.opacity, 8)) >>> 0, true);
      s.rest.forEach((v, j) => (bytes[shAt + 9 * i + j] = unorm(v / 8 + 0.5, 8)));
    });
  }
  return bytes;
}

describe('compressed PLY decoding (synthetic: 2 chunks, chunk colour ranges, SH degree 1)', () => {
  const splats: Splat[] = Array.from({ length: 300 }, (_, i) => {
    const r = (k: number) => Math.sin(i * 12.9898 + k * 78.233);
    const q = [1 + r(1), r(2), r(3), r(4)];
    return {
      position: [r(5) * 3, r(6), r(7) * 2],
      logScale: [r(8) * 2 - 4, r(9) - 5, r(10) * 3 - 3],
      rotation: q.map((c) => c / Math.hypot(...q)),
      dc: [r(11), r(12) * 0.5, r(13) * 1.5],
      opacity: (r(14) + 1) / 2,
      rest: Array.from({ length: 9 }, (_, j) => r(15 + j) * 3),
    };
  });

  test('values come back within each field’s quantisation', async () => {
    const cloud = await loadSplatBytes('synthetic.compressed.ply', writeCompressedPly(splats), 997);
    expect(cloud.count).toBe(300);
    expect(cloud.shDegree).toBe(1);
    // Steps: 11/10 bits of a chunk range (positions span ≤ 6 → 6/1023/2); log-scale likewise; 8-bit colour.
    expectClose(cloud.positions, splats.flatMap((s) => s.position), 6 / 1023 / 2 + 1e-6, 0, 'positions');
    expectClose(Array.from(cloud.scales, Math.log), splats.flatMap((s) => s.logScale), 6 / 1023 / 2 + 1e-5, 0, 'log-scales');
    const q = splats.flatMap((s) => (s.rotation[s.rotation.reduce((m, v, k, a) => (Math.abs(v) > Math.abs(a[m]!) ? k : m), 0)]! < 0 ? s.rotation.map((v) => -v) : s.rotation));
    expectClose(cloud.rotations, q, 2e-3, 0, 'rotations');
    expectClose(cloud.opacities, splats.map((s) => s.opacity), 0.5 / 255 + 1e-6, 0, 'opacities');
    const sh = splats.flatMap((s) => [...s.dc, ...[1, 2, 3].flatMap((k) => [0, 1, 2].map((c) => s.rest[3 * c + k - 1]!))]);
    // f_dc: half an 8-bit step of a colour range of at most 3·SH_C0 (f_dc spans ±1.5), over SH_C0; f_rest: 8/256 steps.
    const dcTolerance = (3 * SH_C0) / 255 / 2 / SH_C0 + 1e-6;
    const actual = Array.from(cloud.sh);
    expectClose(actual.filter((_, j) => j % 12 < 3), sh.filter((_, j) => j % 12 < 3), dcTolerance, 0, 'f_dc');
    expectClose(actual.filter((_, j) => j % 12 >= 3), sh.filter((_, j) => j % 12 >= 3), 8 / 256, 0, 'f_rest');
  });
});
