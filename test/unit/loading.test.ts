import { describe, expect, test } from 'vitest';
import { assetName, formatBytes, meteredStream } from '../../src/viewer/loading';

function source(chunks: number[][], onCancel?: (reason: unknown) => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(new Uint8Array(chunks[i++]!));
      else controller.close();
    },
    cancel: onCancel,
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(...value);
  }
}

describe('metered asset streams', () => {
  test('peeks the head across chunks and still yields every byte, counting as it goes', async () => {
    const counts: number[] = [];
    const { head, stream } = await meteredStream(source([[1, 2], [3], [4, 5, 6]]), new AbortController().signal, (n) => counts.push(n), 4);
    expect([...head]).toEqual([1, 2, 3, 4]);
    expect(await readAll(stream)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(counts).toEqual([2, 3, 6]);
  });

  test('a short file gives a short head', async () => {
    const { head, stream } = await meteredStream(source([[9]]), new AbortController().signal, () => undefined, 64);
    expect([...head]).toEqual([9]);
    expect(await readAll(stream)).toEqual([9]);
  });

  test('abort stops the reader with the abort reason and cancels the source', async () => {
    const controller = new AbortController();
    let cancelled: unknown = null;
    const { stream } = await meteredStream(source([[1], [2], [3]], (reason) => (cancelled = reason)), controller.signal, () => undefined, 1);
    const reader = stream.getReader();
    expect((await reader.read()).value).toEqual(new Uint8Array([1]));
    const reason = new Error('Loading cancelled.');
    controller.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
    expect(cancelled).toBe(reason);
  });

  test('names and sizes for the progress bar', () => {
    expect(assetName({ kind: 'url', url: 'https://x.org/a/b%20c.ply?x=1#y' })).toBe('b c.ply');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2.5 * 1024 * 1024)).toBe('2.5 MB');
  });
});
