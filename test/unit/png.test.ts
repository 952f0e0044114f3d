import { PNG } from 'pngjs';
import { describe, expect, test } from 'vitest';
import { encodePng } from '../../src/viewer/png';

describe('PNG encoder', () => {
  test('round-trips RGBA bytes exactly (alpha not premultiplied)', () => {
    const width = 37;
    const height = 11;
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 7919) % 256;
    const decoded = PNG.sync.read(Buffer.from(encodePng(width, height, rgba)));
    expect([decoded.width, decoded.height]).toEqual([width, height]);
    expect(Buffer.compare(decoded.data, Buffer.from(rgba))).toBe(0);
  });

  test('refuses a buffer of the wrong size', () => {
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow('expected 16 bytes, got 15');
  });
});
