/**
 * Truncated, corrupt and hostile inputs for every loader: each must fail with a message that says
 * what is wrong, before allocating for (or inflating) what the file merely claims.
 */
import { gzipSync, zipSync } from 'fflate';
import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { bundleFromEntries } from '../../src/formats/bundle';
import { decodeKsplat } from '../../src/formats/ksplat';
import { decodeSog } from '../../src/formats/sog';
import { decodeSpz } from '../../src/formats/spz';
import { readWebpInfo } from '../../src/formats/webp';
import { inflatedByteLimit, openZip } from '../../src/formats/zip';
import { loadSplatBytes } from '../../src/methods/gaussians3d/load';
import { DATA_DIR, encodeLosslessWebp, readData, spzLegacyPayload, spzV4, zstdRawFrame } from './formatsTestKit';

const patch = (bytes: Uint8Array, edit: (view: DataView, bytes: Uint8Array) => void) => {
  const copy = bytes.slice();
  edit(new DataView(copy.buffer), copy);
  return copy;
};

describe('SPZ', () => {
  const raw = readData('splats/fixtures/minimal-raw.spz');
  const v3 = readData('splats/fixtures/minimal-v3.spz');
  const v4 = readData('splats/fixtures/minimal-v4.spz');

  test('wrong magic, unknown version, bad SH degree or fractional bits', () => {
    expect(() => decodeSpz(patch(raw, (v) => v.setUint32(0, 0x12345678, true)), 'bad.spz')).toThrow(/bad.spz: not an SPZ file/);
    expect(() => decodeSpz(patch(raw, (v) => v.setUint32(4, 9, true)), 'v9.spz')).toThrow(/version 9 is not supported/);
    expect(() => decodeSpz(patch(raw, (_, b) => (b[12] = 5)), 'deg5.spz')).toThrow(/SH degree 5 is invalid/);
    expect(() => decodeSpz(patch(raw, (_, b) => (b[13] = 30)), 'fb.spz')).toThrow(/fractionalBits 30/);
    expect(() => decodeSpz(patch(raw, (v) => v.setUint32(8, 0, true)), 'empty.spz')).toThrow(/no splats/);
  });

  test('truncated files', () => {
    expect(() => decodeSpz(raw.subarray(0, raw.length - 1), 'cut.spz')).toThrow(/cut.spz is truncated: 4 splats need 92 bytes/);
    expect(() => decodeSpz(v3.subarray(0, v3.length - 12), 'cut-v3.spz')).toThrow(/cut-v3.spz( is truncated|: corrupt or truncated gzip|: gzip data ends early)/);
    expect(() => decodeSpz(v4.subarray(0, v4.length - 5), 'cut-v4.spz')).toThrow(/cut-v4.spz/);
    expect(() => decodeSpz(raw.subarray(0, 10), 'tiny.spz')).toThrow(/not an SPZ file/);
  });

  test('a count of 2^32 − 1 fails on the sizes, before any allocation', () => {
    expect(() => decodeSpz(patch(raw, (v) => v.setUint32(8, 0xffffffff, true)), 'huge.spz')).toThrow(/truncated: 4294967295 splats need/);
    const gz = gzipSync(patch(raw, (v) => v.setUint32(8, 0xffffffff, true)));
    expect(() => decodeSpz(gz, 'huge.spz.gz')).toThrow(/announces 4294967295 splats .* more than a \d+-byte gzip file may inflate to/);
    expect(() => decodeSpz(patch(v4, (v) => v.setUint32(8, 0xffffffff, true)), 'huge-v4.spz')).toThrow(/announces 4294967295 splats/);
  });

  test('gzip bomb: a 1-splat header followed by 64 MB of zeros stops at the payload size', () => {
    const one = spzLegacyPayload(3, 1, 0, 12, { positions: new Uint8Array(9), alphas: new Uint8Array(1), colors: new Uint8Array(3), scales: new Uint8Array(3), rotations: new Uint8Array(4), sh: new Uint8Array(0) });
    const bomb = new Uint8Array(64 << 20);
    bomb.set(one);
    const compressed = gzipSync(bomb, { level: 9 });
    expect(compressed.length).toBeLessThan(100_000);
    expect(() => decodeSpz(compressed, 'bomb.spz')).toThrow(/bomb.spz: gzip data inflates to more than 36 bytes/);
  });

  test('v4: table of contents that lies', () => {
    const toc = 32;
    expect(() => decodeSpz(patch(v4, (_, b) => (b[15] = 6)), 'streams.spz')).toThrow(/6 streams; SH degree 0 needs 5/);
    expect(() => decodeSpz(patch(v4, (v) => v.setUint32(16, 1 << 30, true)), 'toc.spz')).toThrow(/table of contents .* lies outside/);
    expect(() => decodeSpz(patch(v4, (v) => v.setBigUint64(toc, 2n ** 60n, true)), 'u64.spz')).toThrow(/stream 0 compressed size is 1152921504606846976 bytes, more than possible/);
    expect(() => decodeSpz(patch(v4, (v) => v.setBigUint64(toc + 8, 2n ** 62n, true)), 'u64b.spz')).toThrow(/stream 0 size is 4611686018427387904 bytes/);
    expect(() => decodeSpz(patch(v4, (v) => v.setBigUint64(toc + 8, 35n, true)), 'size.spz')).toThrow(/stream 0 declares 35 bytes; 4 splats need 36/);
    // A frame whose own content size disagrees with the table.
    const streams = { positions: new Uint8Array(9), alphas: new Uint8Array(1), colors: new Uint8Array(3), scales: new Uint8Array(3), rotations: new Uint8Array(4), sh: new Uint8Array(0) };
    const file = spzV4(1, 0, 12, streams);
    const frame0 = file.length - [9, 1, 3, 3, 4].reduce((n, s) => n + zstdRawFrame(new Uint8Array(s)).length, 0);
    expect(() => decodeSpz(patch(file, (v) => v.setUint32(frame0 + 5, 8, true)), 'fcs.spz')).toThrow(/ZSTD frame holds 8 bytes, the SPZ table says 9/);
    expect(() => decodeSpz(patch(file, (_, b) => (b[frame0] = 0)), 'magic.spz')).toThrow(/stream 0\): not a ZSTD frame/);
  });
});

describe('.ksplat', () => {
  const k = readData('splats/fixtures/minimal.ksplat');
  test('bad version, level, counts and truncation', () => {
    expect(() => decodeKsplat(k.subarray(0, 100), 'short.ksplat')).toThrow(/short.ksplat is truncated: a .ksplat header alone is 4096 bytes/);
    expect(() => decodeKsplat(k.subarray(0, k.length - 1), 'cut.ksplat')).toThrow(/cut.ksplat is truncated: .ksplat section 0/);
    expect(() => decodeKsplat(patch(k, (_, b) => (b[0] = 3)), 'v3.ksplat')).toThrow(/version 3.1 is not supported/);
    expect(() => decodeKsplat(patch(k, (v) => v.setUint16(20, 7, true)), 'lvl.ksplat')).toThrow(/compression level 7 is unknown/);
    expect(() => decodeKsplat(patch(k, (v) => v.setUint32(16, 5, true)), 'count.ksplat')).toThrow(/announces 5 splats but its sections hold 4/);
    expect(() => decodeKsplat(patch(k, (v) => v.setUint32(4, 0xffffffff, true)), 'sections.ksplat')).toThrow(/4294967295 section headers need/);
    expect(() => decodeKsplat(patch(k, (v) => v.setUint32(4096 + 4, 0x7fffffff, true)), 'max.ksplat')).toThrow(/section 0 \(2147483647 records of 44 bytes\) ends at byte/);
    expect(() => decodeKsplat(patch(k, (v) => v.setUint32(4096, 9, true)), 'room.ksplat')).toThrow(/holds 9 splats but has room for 4/);
    expect(() => decodeKsplat(patch(k, (v) => v.setUint16(4096 + 40, 3, true)), 'sh.ksplat')).toThrow(/SH degree 3/);
  });

  test('level 1 whose buckets hold fewer splats than the section', () => {
    const level1 = patch(k, (v) => {
      v.setUint16(20, 1, true);
      v.setUint32(4096 + 32, 0, true); // no full buckets, no partial ones
    });
    expect(() => decodeKsplat(level1, 'buckets.ksplat')).toThrow(/buckets hold fewer splats than its 4/);
  });
});

describe('compressed PLY', () => {
  const guitar = readData('splats/compressed_ply/guitar.compressed.ply');
  const text = new TextDecoder('latin1').decode(guitar.subarray(0, 2000));
  const headerEnd = text.indexOf('end_header\n') + 11;
  const withHeader = (edit: (h: string) => string) => {
    const header = new TextEncoder().encode(edit(text.slice(0, headerEnd)));
    const out = new Uint8Array(header.length + guitar.length - headerEnd);
    out.set(header);
    out.set(guitar.subarray(headerEnd), header.length);
    return out;
  };

  test('truncated body, wrong chunk count, wrong property types, absurd counts', async () => {
    await expect(loadSplatBytes('cut.compressed.ply', guitar.subarray(0, guitar.length - 100))).rejects.toThrow(/cut.compressed.ply is truncated/);
    await expect(loadSplatBytes('chunks.ply', withHeader((h) => h.replace('element chunk 355', 'element chunk 354')))).rejects.toThrow(/354 chunks for 90854 splats; it needs/);
    await expect(loadSplatBytes('type.ply', withHeader((h) => h.replace('property uint packed_color', 'property float packed_color')))).rejects.toThrow(/vertex.packed_color is float32, expected uint32/);
    await expect(loadSplatBytes('huge.ply', withHeader((h) => h.replace('element vertex 90854', 'element vertex 2000000000').replace('element chunk 355', 'element chunk 7812500')))).rejects.toThrow(/huge.ply is truncated/);
  });

  test('a stream of unknown size with an absurd count ends in "truncated", allocating only what arrived', async () => {
    const lying = withHeader((h) => h.replace('element vertex 90854', 'element vertex 2000000000').replace('element chunk 355', 'element chunk 7812500'));
    const stream = new Blob([lying.slice()]).stream();
    const { loadSplatScene } = await import('../../src/methods/gaussians3d/load');
    await expect(loadSplatScene({ name: 'stream.ply', stream })).rejects.toThrow(/stream.ply is truncated: PLY element 'chunk' announces 7812500 records/);
  });
});

describe('ZIP / .sog containers', () => {
  test('wrong magic and truncated archives', async () => {
    expect(() => openZip(new Uint8Array(100), 'zeros.sog')).toThrow(/not a ZIP archive/);
    const zip = zipSync({ 'meta.json': new TextEncoder().encode('{}') });
    expect(() => openZip(zip.subarray(0, zip.length - 3), 'cut.sog')).toThrow(/cut.sog: not a ZIP archive \(no end-of-central-directory record; truncated\?\)/);
  });

  test('bomb: declared sizes beyond the limit are refused before inflating', () => {
    const zip = zipSync({ 'a.bin': new Uint8Array(1000) }, { level: 9 });
    // Central directory entry: uncompressed size at +24. Declare 2 GB.
    const central = zip.length - 22 - (46 + 5);
    const lying = patch(zip, (v) => v.setUint32(central + 24, 2 ** 31, true));
    expect(() => openZip(lying, 'bomb.sog')).toThrow(new RegExp(`declare more than ${inflatedByteLimit(lying.length)} bytes in total`));
  });

  test('bomb: an entry that inflates past its declared size stops there', async () => {
    const zip = zipSync({ 'a.bin': new Uint8Array(32 << 20) }, { level: 9 });
    const central = zip.length - 22 - (46 + 5);
    const lying = patch(zip, (v) => v.setUint32(central + 24, 100, true));
    await expect(openZip(lying, 'lie.sog').read('a.bin')).rejects.toThrow(/deflate data inflates to more than 100 bytes/);
  });

  test('CRC mismatch and unsupported methods', async () => {
    const zip = zipSync({ 'a.bin': Uint8Array.from({ length: 50 }, (_, i) => i) }, { level: 0 });
    const central = zip.length - 22 - (46 + 5);
    await expect(openZip(patch(zip, (_, b) => (b[30 + 5 + 7] ^= 1)), 'crc.sog').read('a.bin')).rejects.toThrow(/fails its CRC-32 check/);
    expect(() => openZip(patch(zip, (v) => v.setUint16(central + 10, 12, true)), 'bz.sog')).toThrow(/compression method 12/);
  });
});

describe('SOG content', () => {
  const folder = `${DATA_DIR}splats/sog/playbot/6_0`;
  const original = new Map(readdirSync(folder).map((f) => [f, readData(`splats/sog/playbot/6_0/${f}`)]));
  const meta = JSON.parse(new TextDecoder().decode(original.get('meta.json')!));
  const sog = (edit: (files: Map<string, Uint8Array>, meta: any) => void) => {
    const files = new Map(original);
    const m = structuredClone(meta);
    edit(files, m);
    files.set('meta.json', new TextEncoder().encode(JSON.stringify(m)));
    return decodeSog(bundleFromEntries('6_0', files, (b) => b));
  };

  test('meta.json that is not JSON, or misses and mistypes fields', async () => {
    await expect(decodeSog(bundleFromEntries('x', new Map([['meta.json', new TextEncoder().encode('{nope')]]), (b) => b))).rejects.toThrow(/x\/meta.json is not valid JSON/);
    await expect(sog((_, m) => delete m.quats)).rejects.toThrow(/'quats' must be an object/);
    await expect(sog((_, m) => (m.scales.codebook = m.scales.codebook.slice(0, 10)))).rejects.toThrow(/'scales.codebook' must be an array of 256 finite numbers/);
    await expect(sog((_, m) => (m.means.mins[1] = 'a'))).rejects.toThrow(/'means.mins' must be an array of 3 finite numbers/);
    await expect(sog((_, m) => (m.version = 3))).rejects.toThrow(/SOG version 3 is not supported/);
    await expect(sog((_, m) => (m.count = 2 ** 40))).rejects.toThrow(/splat count 1099511627776 is invalid/);
  });

  test('image sizes that do not fit the count', async () => {
    await expect(sog((_, m) => (m.count = 1937))).rejects.toThrow(/\.webp has 1936 pixels \(44×44\) for 1937 splats/);
    // A header claiming 16384×16384 is refused from the header alone, before the decoder allocates 1 GB.
    const huge = patch(original.get('quats.webp')!, (v, b) => {
      const at = b.indexOf(0x2f, 20);
      v.setUint32(at + 1, (v.getUint32(at + 1, true) & ~0xfffffff) | 0xfffffff, true);
    });
    expect(readWebpInfo(huge, 'huge.webp')).toMatchObject({ width: 16384, height: 16384 });
    await expect(sog((f) => f.set('quats.webp', huge))).rejects.toThrow(/quats.webp is 16384×16384, far larger than 1873 splats need/);
    const small = await encodeLosslessWebp(new Uint8Array(45 * 44 * 4), 45, 44);
    await expect(sog((f) => f.set('scales.webp', small))).rejects.toThrow(/scales.webp is 45×44, the other images are 44×44/);
  });

  test('lossy or non-WebP images, missing files', async () => {
    await expect(sog((f) => f.set('sh0.webp', new Uint8Array(64)))).rejects.toThrow(/sh0.webp: not a WebP image/);
    const vp8 = patch(original.get('sh0.webp')!, (_, b) => b.set([0x56, 0x50, 0x38, 0x20], 12));
    await expect(sog((f) => f.set('sh0.webp', vp8))).rejects.toThrow(/sh0.webp is lossy WebP; SOG images must be lossless/);
    await expect(sog((f) => f.delete('means_u.webp'))).rejects.toThrow(/6_0: missing file 'means_u.webp'/);
  });

  test('SH palette labels outside the palette', async () => {
    await expect(sog((_, m) => (m.shN.count = 100))).rejects.toThrow(/shN_centroids.webp is 16 rows high; 100 palette entries need 2/);
    // Every label points at entry 1023 + 1 = 1024 of a 1024-entry palette.
    const labels = new Uint8Array(44 * 44 * 4).fill(0);
    for (let i = 0; i < 44 * 44; i++) labels.set([0x00, 0x04, 0, 255], 4 * i);
    const bad = await encodeLosslessWebp(labels, 44, 44);
    await expect(sog((f) => f.set('shN_labels.webp', bad))).rejects.toThrow(/splat 0 uses SH palette entry 1024, but the palette has 1024/);
    await expect(sog((_, m) => (m.shN.bands = 4))).rejects.toThrow(/shN.bands must be 1, 2 or 3/);
  });

  test('a streamed SOG (lod-meta.json only) says which folder to open', async () => {
    const bundle = bundleFromEntries('playbot', new Map([['lod-meta.json', readData('splats/sog/playbot/lod-meta.json')]]), (b) => b);
    await expect(decodeSog(bundle)).rejects.toThrow(/streamed SOG \(lod-meta.json\); open one of its level folders/);
  });
});

describe('file types', () => {
  test('unknown content, a lone meta.json, an empty file', async () => {
    await expect(loadSplatBytes('notes.txt', new TextEncoder().encode('hello world, not a splat'))).rejects.toThrow(/notes.txt: unknown file type/);
    await expect(loadSplatBytes('meta.json', readData('splats/sog/playbot/6_0/meta.json'))).rejects.toThrow(/meta.json is a SOG meta.json; open it together with its images/);
    await expect(loadSplatBytes('empty.spz', new Uint8Array(0))).rejects.toThrow(/empty.spz is empty/);
  });
});
