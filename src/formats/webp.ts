/**
 * Exact RGBA decoding of lossless WebP, the same in the browser and in Node: libwebp compiled to
 * WASM (@jsquash/webp). SOG stores data, not pictures, in all four channels, so the decoder must
 * return straight (non-premultiplied) alpha and untouched colour; canvas and ImageBitmap paths
 * premultiply or colour-convert unless told otherwise, and Node has neither.
 *
 * `readWebpInfo` parses only the RIFF header (Google's "WebP Container Specification": RIFF size
 * 'WEBP', then a 'VP8 ' (lossy), 'VP8L' (lossless) or 'VP8X' (extended) chunk), so callers can
 * check dimensions before the decoder allocates width × height × 4 bytes.
 */
import decode, { init } from '@jsquash/webp/decode.js';

export interface WebpInfo {
  width: number;
  height: number;
  /** The image data is a VP8L (lossless) bitstream. */
  lossless: boolean;
}

export interface DecodedImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major from the top-left, straight alpha. */
  rgba: Uint8Array;
}

const fourcc = (bytes: Uint8Array, at: number) => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);

/** Reads the dimensions and kind of a WebP from its header; throws if it is not a WebP. */
export function readWebpInfo(bytes: Uint8Array, name: string): WebpInfo {
  if (bytes.length < 30 || fourcc(bytes, 0) !== 'RIFF' || fourcc(bytes, 8) !== 'WEBP') {
    throw new Error(`${name}: not a WebP image`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  // Walk the chunks for the image bitstream; VP8X carries the canvas size and precedes it.
  for (let at = 12; at + 8 <= bytes.length; ) {
    const kind = fourcc(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (kind === 'VP8X' && body + 11 <= bytes.length) {
      width = 1 + (view.getUint32(body + 4, true) & 0xffffff);
      height = 1 + (view.getUint32(body + 7, true) & 0xffffff);
    } else if (kind === 'VP8L' && body + 5 <= bytes.length) {
      // Signature byte 0x2f, then 14 bits width − 1 and 14 bits height − 1, least significant bit first.
      if (bytes[body] !== 0x2f) throw new Error(`${name}: corrupt lossless WebP header`);
      const bits = view.getUint32(body + 1, true);
      return { width: width || 1 + (bits & 0x3fff), height: height || 1 + ((bits >>> 14) & 0x3fff), lossless: true };
    } else if (kind === 'VP8 ' && body + 10 <= bytes.length) {
      return { width: width || view.getUint16(body + 6, true) & 0x3fff, height: height || view.getUint16(body + 8, true) & 0x3fff, lossless: false };
    }
    at = body + size + (size & 1);
  }
  throw new Error(`${name}: WebP has no image data (truncated?)`);
}

let decoderReady: Promise<void> | undefined;

/** Compiles the libwebp decoder once: fetched by URL in the browser, read from disk in Node. */
function loadDecoder(): Promise<void> {
  decoderReady ??= (async () => {
    // A literal relative URL, so Vite emits the .wasm as an asset in builds and serves it in dev.
    const url = new URL('../../node_modules/@jsquash/webp/codec/dec/webp_dec.wasm', import.meta.url);
    let wasm: BufferSource;
    if (url.protocol === 'file:') {
      const fsModule = 'node:fs/promises';
      const { readFile } = (await import(/* @vite-ignore */ fsModule)) as typeof import('node:fs/promises');
      wasm = await readFile(url);
    } else {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`WebP decoder: cannot load ${url.href} (HTTP ${response.status})`);
      wasm = await response.arrayBuffer();
    }
    // @jsquash/webp 1.5's typings omit it, but init() takes a compiled module as its first argument.
    await (init as unknown as (module: WebAssembly.Module) => Promise<void>)(await WebAssembly.compile(wasm));
  })();
  return decoderReady;
}

/** Decodes a WebP to straight RGBA. */
export async function decodeWebp(bytes: Uint8Array, name: string): Promise<DecodedImage> {
  const info = readWebpInfo(bytes, name);
  await loadDecoder();
  let image: ImageData;
  try {
    image = await decode(bytes.slice().buffer);
  } catch (error) {
    throw new Error(`${name}: WebP decoding failed (${error instanceof Error ? error.message : String(error)})`);
  }
  if (image.width !== info.width || image.height !== info.height) {
    throw new Error(`${name}: WebP decoded to ${image.width}×${image.height}, its header says ${info.width}×${info.height}`);
  }
  return { width: image.width, height: image.height, rgba: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength) };
}
