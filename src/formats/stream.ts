/**
 * Consuming an asset's ReadableStream<Uint8Array> chunk by chunk, so loaders decode while bytes
 * arrive and never need the whole file in memory: progress after every chunk, prompt cancellation
 * through an AbortSignal, bytes pushed back for the next reader (after sniffing or a header), and
 * fixed-size records handed out in blocks with partial records carried across chunk borders.
 */

export interface StreamSource {
  stream: ReadableStream<Uint8Array>;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number) => void;
}

/** The error a cancelled load rejects with (name 'AbortError', as fetch uses). */
export function abortError(): DOMException {
  return new DOMException('Loading was cancelled', 'AbortError');
}

export class ChunkReader {
  /** Bytes taken from the stream so far (pushed-back bytes are not counted twice). */
  bytesRead = 0;

  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly signal: AbortSignal | undefined;
  private readonly onProgress: ((bytesRead: number) => void) | undefined;
  /** Chunks pushed back with `unshift`, served before the stream's next chunk. */
  private readonly pending: Uint8Array[] = [];
  /** Rejects with an AbortError when the signal fires; raced against every pending read. */
  private readonly aborted: Promise<never> | null = null;
  private onAbort: () => void = () => {};
  private finished = false;

  constructor(source: StreamSource) {
    this.reader = source.stream.getReader();
    this.signal = source.signal;
    this.onProgress = source.onProgress;
    if (this.signal) {
      this.aborted = new Promise<never>((_, reject) => {
        this.onAbort = () => {
          reject(abortError());
          // Stops the download itself rather than just ignoring what still arrives.
          this.reader.cancel().catch(() => {});
        };
      });
      // Nobody may be awaiting it when the abort fires; the rejection is observed through `next()`.
      this.aborted.catch(() => {});
      this.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** The next non-empty chunk, or null at the end of the stream. Rejects with an AbortError once aborted. */
  async next(): Promise<Uint8Array | null> {
    if (this.signal?.aborted) throw abortError();
    const back = this.pending.shift();
    if (back) return back;
    while (!this.finished) {
      const read = this.reader.read();
      const { done, value } = await (this.aborted ? Promise.race([read, this.aborted]) : read);
      if (this.signal?.aborted) throw abortError();
      if (done) {
        this.finished = true;
        break;
      }
      if (value.byteLength === 0) continue;
      this.bytesRead += value.byteLength;
      this.onProgress?.(this.bytesRead);
      return value;
    }
    return null;
  }

  /** Pushes bytes back so the following `next()` calls return them first, in the given order. */
  unshift(...chunks: Uint8Array[]): void {
    this.pending.unshift(...chunks.filter((c) => c.byteLength > 0));
  }

  /** The first `n` bytes without consuming them (fewer if the stream is shorter). */
  async peek(n: number): Promise<Uint8Array> {
    const taken: Uint8Array[] = [];
    let total = 0;
    while (total < n) {
      const chunk = await this.next();
      if (!chunk) break;
      taken.push(chunk);
      total += chunk.byteLength;
    }
    this.unshift(...taken);
    return concatBytes(taken, Math.min(n, total));
  }

  /** Skips `n` bytes; returns how many were skipped (fewer at the end of the stream). */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n) {
      const chunk = await this.next();
      if (!chunk) break;
      const take = Math.min(n - skipped, chunk.byteLength);
      skipped += take;
      if (take < chunk.byteLength) this.unshift(chunk.subarray(take));
    }
    return skipped;
  }

  /** Reads and discards everything left; returns the byte count (for "trailing data" checks). */
  async drain(): Promise<number> {
    let total = 0;
    for (let chunk = await this.next(); chunk; chunk = await this.next()) total += chunk.byteLength;
    return total;
  }

  /**
   * Hands out up to `maxRecords` records of `recordSize` bytes as they arrive: `onBlock(bytes,
   * records)` gets `records` whole records back to back in `bytes` (a view into a chunk, or a
   * one-record scratch buffer when a record spans chunks, so consume it before returning). Bytes after
   * the last record are pushed back. Returns the records delivered and the bytes of an unfinished
   * record at the end of the stream.
   */
  async readRecords(
    recordSize: number,
    maxRecords: number,
    onBlock: (bytes: Uint8Array, records: number) => void,
  ): Promise<{ records: number; partialBytes: number }> {
    if (!(recordSize > 0)) throw new Error(`record size must be positive (got ${recordSize})`);
    const carry = new Uint8Array(recordSize);
    let carried = 0;
    let records = 0;
    while (records < maxRecords) {
      const chunk = await this.next();
      if (!chunk) break;
      let pos = 0;
      if (carried > 0) {
        const take = Math.min(recordSize - carried, chunk.byteLength);
        carry.set(chunk.subarray(0, take), carried);
        carried += take;
        pos = take;
        if (carried < recordSize) continue;
        onBlock(carry, 1);
        records++;
        carried = 0;
      }
      const whole = Math.min(Math.floor((chunk.byteLength - pos) / recordSize), maxRecords - records);
      if (whole > 0) {
        onBlock(chunk.subarray(pos, pos + whole * recordSize), whole);
        records += whole;
        pos += whole * recordSize;
      }
      if (records === maxRecords) {
        this.unshift(chunk.subarray(pos));
        break;
      }
      carry.set(chunk.subarray(pos), 0);
      carried = chunk.byteLength - pos;
    }
    return { records, partialBytes: carried };
  }

  /** Stops reading: cancels the stream if it was not read to the end and detaches from the signal. */
  async close(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.pending.length = 0;
    if (!this.finished) {
      this.finished = true;
      await this.reader.cancel().catch(() => {});
    }
    try {
      this.reader.releaseLock();
    } catch {
      // Older stream implementations refuse while a (cancelled) read is still pending; nothing to do.
    }
  }
}

/** The first `length` bytes of `chunks` in one array. */
export function concatBytes(chunks: Uint8Array[], length = chunks.reduce((n, c) => n + c.byteLength, 0)): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= length) break;
    const part = chunk.subarray(0, length - offset);
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** A stream over bytes already in memory, in chunks of `chunkSize` (tests use tiny ones to exercise borders). */
export function streamFromBytes(bytes: Uint8Array, chunkSize = 1 << 20): ReadableStream<Uint8Array> {
  if (!(chunkSize >= 1)) throw new Error(`chunk size must be at least 1 (got ${chunkSize})`);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      const end = Math.min(bytes.byteLength, offset + chunkSize);
      controller.enqueue(bytes.subarray(offset, end));
      offset = end;
    },
  });
}
