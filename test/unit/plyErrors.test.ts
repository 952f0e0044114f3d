/**
 * Hostile and unusual .ply input: every case must end quickly with a clear message (or load, for
 * legal variations such as double properties, reordered properties and extra elements). Broken
 * files are made here from the real ones in ../shared/data/splats/ply.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parsePlyHeader } from '../../src/formats/ply';
import { streamFromBytes } from '../../src/formats/stream';
import { loadSplatBytes, loadSplatScene } from '../../src/methods/gaussians3d/load';

const DATA = fileURLToPath(new URL('../../../shared/data/splats/', import.meta.url));
const read = (file: string) => new Uint8Array(readFileSync(DATA + file));
const latin1 = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes);
const ascii = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  parts.reduce((offset, p) => (out.set(p, offset), offset + p.byteLength), 0);
  return out;
};

/** Header text and data bytes of a PLY file. */
function split(bytes: Uint8Array): { header: string; data: Uint8Array } {
  const end = latin1(bytes.subarray(0, 20000)).indexOf('end_header\n') + 'end_header\n'.length;
  return { header: latin1(bytes.subarray(0, end)), data: bytes.subarray(end) };
}

/** The same file with its header text edited. */
function editHeader(bytes: Uint8Array, edit: (header: string) => string): Uint8Array {
  const { header, data } = split(bytes);
  return concat(ascii(edit(header)), data);
}

type Column = [type: 'float' | 'double' | 'uchar' | 'int', name: string];

/** A binary little-endian PLY with one vertex element (plus optional extra header lines and bytes around it). */
function makePly(columns: Column[], rows: number[][], extra: { beforeHeader?: string; beforeData?: Uint8Array; afterHeader?: string; afterData?: Uint8Array } = {}): Uint8Array {
  const size = { float: 4, double: 8, uchar: 1, int: 4 };
  const stride = columns.reduce((n, [t]) => n + size[t], 0);
  const body = new DataView(new ArrayBuffer(stride * rows.length));
  rows.forEach((row, i) => {
    let offset = i * stride;
    columns.forEach(([type], c) => {
      const v = row[c]!;
      if (type === 'float') body.setFloat32(offset, v, true);
      else if (type === 'double') body.setFloat64(offset, v, true);
      else if (type === 'uchar') body.setUint8(offset, v);
      else body.setInt32(offset, v, true);
      offset += size[type];
    });
  });
  const header =
    'ply\nformat binary_little_endian 1.0\n' +
    (extra.beforeHeader ?? '') +
    `element vertex ${rows.length}\n` +
    columns.map(([t, n]) => `property ${t} ${n}\n`).join('') +
    (extra.afterHeader ?? '') +
    'end_header\n';
  return concat(ascii(header), extra.beforeData ?? new Uint8Array(0), new Uint8Array(body.buffer), extra.afterData ?? new Uint8Array(0));
}

const INRIA_SH0: Column[] = (
  ['x', 'y', 'z', 'f_dc_0', 'f_dc_1', 'f_dc_2', 'opacity', 'scale_0', 'scale_1', 'scale_2', 'rot_0', 'rot_1', 'rot_2', 'rot_3'] as const
).map((n) => ['float', n]);
/** Two splats, exactly representable in f32. */
const ROWS = [
  [1, 2, 3, 0.5, -0.25, 0.125, 0, -1, -2, -3, 2, 0, 0, 0],
  [-1, 0.5, 7, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 3],
];

describe('PLY header parsing', () => {
  test('elements, properties with byte offsets, list properties, comments', () => {
    const header = parsePlyHeader(
      'ply\nformat binary_little_endian 1.0\ncomment made by hand\nelement vertex 3\nproperty float x\nproperty double y\nproperty uchar z\n' +
        'element face 2\nproperty list uchar int vertex_indices\nend_header\n',
    );
    expect(header.format).toBe('binary_little_endian');
    expect(header.comments).toEqual(['made by hand']);
    expect(header.elements.map((e) => [e.name, e.count, e.stride])).toEqual([['vertex', 3, 13], ['face', 2, null]]);
    expect(header.elements[0]!.properties.map((p) => [p.name, p.type, p.offset])).toEqual([['x', 'float32', 0], ['y', 'float64', 4], ['z', 'uint8', 12]]);
    expect(header.elements[1]!.properties[0]).toMatchObject({ type: 'int32', listCountType: 'uint8' });
  });

  test.each([
    ['ply\nformat binary_little_endian 1.0\nelement vertex 2147483648\nend_header\n', /absurd/],
    ['ply\nformat binary_little_endian 1.0\nproperty float x\nend_header\n', /property before any element/],
    ['ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty half x\nend_header\n', /unknown property type 'half'/],
    ['ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty float x\nproperty float x\nend_header\n', /property 'x' twice/],
    ['ply\nformat binary_little_endian 1.0\nelement vertex -4\nend_header\n', /element <name> <count>/],
    ['ply\nformat binary_middle_endian 1.0\nend_header\n', /unknown format/],
    ['ply\nelement vertex 1\nend_header\n', /no format line/],
    ['ply\nformat binary_little_endian 1.0\nbogus 1\nend_header\n', /unknown header keyword 'bogus'/],
  ])('refuses %j', (text, message) => {
    expect(() => parsePlyHeader(text)).toThrow(message);
  });
});

describe('INRIA .ply loader: bad input gives clear errors', () => {
  const donut = read('ply/donut_sh0.ply');
  const rtgs = read('ply/rtgs_test_16splats.ply');

  test('zero-byte file', async () => {
    await expect(loadSplatBytes('empty.ply', new Uint8Array(0))).rejects.toThrow('empty.ply is empty (0 bytes)');
  });

  test('truncated: names the bytes expected and got, with a known and with an unknown size', async () => {
    const cut = donut.subarray(0, 2_000_000);
    const message = 'cut.ply is truncated: the header announces 45624 splats × 56 B, so the file needs 2555305 bytes, but it has 2000000';
    await expect(loadSplatBytes('cut.ply', cut)).rejects.toThrow(message);
    await expect(loadSplatScene({ name: 'cut.ply', stream: streamFromBytes(cut, 65536) })).rejects.toThrow(message);
  });

  test('header without end_header: bounded at 64 KiB, and at the end of a short file', async () => {
    const endless = ascii('ply\nformat binary_little_endian 1.0\n' + 'comment padding padding padding\n'.repeat(4000));
    await expect(loadSplatBytes('endless.ply', endless, 1000)).rejects.toThrow(/no PLY end_header within the first 65536 bytes/);
    const short = ascii('ply\nformat binary_little_endian 1.0\nelement vertex 3\n');
    await expect(loadSplatBytes('short.ply', short)).rejects.toThrow(`short.ply: PLY header has no end_header (the file ends after ${short.byteLength} bytes)`);
  });

  test('count larger than the data: refused from the size before anything is allocated, and when streaming', async () => {
    const huge = editHeader(rtgs, (h) => h.replace('element vertex 16', 'element vertex 2000000000'));
    const headerBytes = split(huge).header.length;
    const message = `huge.ply is truncated: the header announces 2000000000 splats × 248 B, so the file needs ${headerBytes + 2e9 * 248} bytes, but it has ${huge.byteLength}`;
    await expect(loadSplatBytes('huge.ply', huge)).rejects.toThrow(message);
    // Unknown size: arrays grow only with data that arrived, so this ends at the truncation, not in an allocation.
    await expect(loadSplatScene({ name: 'huge.ply', stream: streamFromBytes(huge) })).rejects.toThrow(message);
    const absurd = editHeader(rtgs, (h) => h.replace('element vertex 16', 'element vertex 99999999999'));
    await expect(loadSplatBytes('absurd.ply', absurd)).rejects.toThrow(/element count 99999999999 is absurd/);
  });

  test('count smaller than the data: the leftover records are reported', async () => {
    const fewer = editHeader(rtgs, (h) => h.replace('element vertex 16', 'element vertex 10'));
    await expect(loadSplatBytes('fewer.ply', fewer)).rejects.toThrow(
      "fewer.ply has 1488 bytes after its declared data, room for 6 more splats: the header's count (element vertex 10) is wrong",
    );
    const padded = concat(rtgs, new Uint8Array(5));
    expect((await loadSplatBytes('padded.ply', padded)).warnings).toEqual(['padded.ply: ignored 5 trailing bytes after the PLY data']);
  });

  test('NaN and Inf values: those splats are dropped with a warning; all of them bad is an error', async () => {
    const { header, data } = split(rtgs);
    const poisoned = data.slice();
    const view = new DataView(poisoned.buffer);
    const stride = 62 * 4;
    view.setFloat32(3 * stride + 0, NaN, true); // x of splat 3
    view.setFloat32(5 * stride + 20 * 4, Infinity, true); // an f_rest of splat 5
    view.setFloat32(9 * stride + 55 * 4, 200, true); // scale_0 = 200: exp overflows f32
    view.setFloat32(11 * stride + 61 * 4, NaN, true); // rot_3 of splat 11
    const clean = await loadSplatBytes('clean.ply', rtgs);
    const cloud = await loadSplatBytes('nan.ply', concat(ascii(header), poisoned));
    expect(cloud.count).toBe(12);
    expect(cloud.warnings).toEqual(['nan.ply: dropped 4 of 16 splats with non-finite values (NaN or Inf)']);
    const kept = [...Array(16).keys()].filter((i) => ![3, 5, 9, 11].includes(i));
    kept.forEach((from, to) => expect([...cloud.positions.subarray(3 * to, 3 * to + 3)]).toEqual([...clean.positions.subarray(3 * from, 3 * from + 3)]));
    expect([...cloud.opacities]).toEqual(kept.map((i) => clean.opacities[i]));

    const allBad = data.slice();
    for (let i = 0; i < 16; i++) new DataView(allBad.buffer).setFloat32(i * stride + 4, NaN, true);
    await expect(loadSplatBytes('allnan.ply', concat(ascii(header), allBad))).rejects.toThrow(
      'allnan.ply: all 16 splats have non-finite values (NaN or Inf); nothing to show',
    );
  });

  test('ASCII and big-endian PLY are refused by name', async () => {
    const asciiPly = ascii('ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nend_header\n1.0\n');
    await expect(loadSplatBytes('a.ply', asciiPly)).rejects.toThrow(/a.ply: ASCII PLY is not supported; re-export it as binary_little_endian/);
    const big = editHeader(rtgs, (h) => h.replace('binary_little_endian', 'binary_big_endian'));
    await expect(loadSplatBytes('b.ply', big)).rejects.toThrow(/b.ply: big-endian PLY is not supported/);
  });

  test('missing required properties are all named', async () => {
    const renamed = editHeader(donut, (h) => h.replace('property float opacity', 'property float opacitx').replace('property float rot_3', 'property float rot_x'));
    await expect(loadSplatBytes('m.ply', renamed)).rejects.toThrow("m.ply: PLY element 'vertex' is missing the properties opacity, rot_3");
    const noVertex = editHeader(donut, (h) => h.replace('element vertex', 'element points'));
    await expect(loadSplatBytes('p.ply', noVertex)).rejects.toThrow("p.ply: PLY has no 'vertex' element (it has 'points')");
  });

  test('an f_rest count that is no SH degree, or a gap in its numbering', async () => {
    const rtgsRest = editHeader(rtgs, (h) => h.replace('property float f_rest_44\n', 'property float g_rest_44\n'));
    await expect(loadSplatBytes('r.ply', rtgsRest)).rejects.toThrow('r.ply: 44 f_rest_* properties; expected 0, 9, 24 or 45 (SH degree 0 to 3)');
    const gap = editHeader(rtgs, (h) => h.replace('property float f_rest_7\n', 'property float f_rest_99\n'));
    await expect(loadSplatBytes('g.ply', gap)).rejects.toThrow('g.ply: f_rest_* properties must be numbered 0..44; f_rest_7 is missing');
  });

  test('integer-typed splat properties are refused; list properties in the vertex element too', async () => {
    const columns = INRIA_SH0.map(([t, n]): Column => (n === 'opacity' ? ['uchar', n] : [t, n]));
    await expect(loadSplatBytes('u.ply', makePly(columns, ROWS))).rejects.toThrow(
      "u.ply: PLY property 'opacity' is uint8; INRIA 3DGS properties must be float or double",
    );
    const list = makePly(INRIA_SH0, [], { afterHeader: 'property list uchar int extra\n' });
    await expect(loadSplatBytes('l.ply', list)).rejects.toThrow(/vertex element has list properties/);
  });

  test('a list element before vertex cannot be skipped', async () => {
    const file = makePly(INRIA_SH0, ROWS, { beforeHeader: 'element face 1\nproperty list uchar int vertex_indices\n', beforeData: Uint8Array.of(1, 0, 0, 0, 0) });
    await expect(loadSplatBytes('f.ply', file)).rejects.toThrow("f.ply: PLY element 'face' has list properties and comes before 'vertex', so it cannot be skipped");
  });

  test('not a PLY despite the extension, unknown extensions, zero splats', async () => {
    await expect(loadSplatBytes('x.ply', ascii('hello world'))).rejects.toThrow('x.ply is not a PLY file (it does not start with the line "ply")');
    await expect(loadSplatBytes('x.obj', ascii('hello world'))).rejects.toThrow(/x.obj: unknown file type/);
    await expect(loadSplatBytes('none.ply', makePly(INRIA_SH0, []))).rejects.toThrow('none.ply contains no splats');
  });
});

describe('INRIA .ply loader: legal variations load', () => {
  const expected = async () => loadSplatBytes('plain.ply', makePly(INRIA_SH0, ROWS));

  test('double properties give the same cloud as float ones', async () => {
    const doubles = makePly(INRIA_SH0.map(([, n]): Column => ['double', n]), ROWS);
    expect(await loadSplatBytes('d.ply', doubles)).toEqual(await expected());
  });

  test('reordered properties, normals, unknown extras and skipped elements before and after vertex', async () => {
    const order = [...INRIA_SH0.keys()].reverse();
    const columns: Column[] = [['int', 'label'], ...order.map((c) => INRIA_SH0[c]!), ['float', 'nx'], ['uchar', 'flags']];
    const rows = ROWS.map((row) => [42, ...order.map((c) => row[c]!), 0, 7]);
    const file = makePly(columns, rows, {
      beforeHeader: 'comment exported by some tool\nelement camera 2\nproperty float fx\nproperty uchar kind\n',
      beforeData: new Uint8Array(10).fill(0xee),
      afterHeader: 'element face 1\nproperty list uchar int vertex_indices\n',
      afterData: Uint8Array.of(1, 0, 0, 0, 0),
    });
    expect(await loadSplatBytes('r.ply', file, 3)).toEqual(await expected());
  });

  test('activations: exp scale, sigmoid opacity, normalised quaternion; a zero quaternion becomes the identity with a warning', async () => {
    const cloud = await expected();
    expect([...cloud.scales]).toEqual([Math.exp(-1), Math.exp(-2), Math.exp(-3), 1, 1, 1].map(Math.fround));
    expect([...cloud.opacities]).toEqual([0.5, 1 / (1 + Math.exp(-2))].map(Math.fround));
    expect([...cloud.rotations]).toEqual([1, 0, 0, 0, 0, 0, 0, 1]);
    expect([...cloud.sh]).toEqual([0.5, -0.25, 0.125, 0, 0, 0]);
    const zero = await loadSplatBytes('z.ply', makePly(INRIA_SH0, [ROWS[0]!.map((v, c) => (c >= 10 ? 0 : v))]));
    expect([...zero.rotations]).toEqual([1, 0, 0, 0]);
    expect(zero.warnings).toEqual(['z.ply: 1 splats had a zero quaternion; they use the identity rotation']);
  });

  test('CRLF header lines', async () => {
    const crlf = editHeader(makePly(INRIA_SH0, ROWS), (h) => h.replaceAll('\n', '\r\n'));
    expect(await loadSplatBytes('crlf.ply', crlf, 5)).toEqual(await expected());
  });
});
