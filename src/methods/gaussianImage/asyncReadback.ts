/**
 * Non-blocking reads of small GPU buffers (binning counters, per-tile losses): `record` copies the
 * sources into a free staging buffer inside the caller's encoder, `afterSubmit` maps it, and the
 * returned promise resolves with the bytes. A small pool of staging buffers is reused; when every
 * one is still being mapped, `record` skips this frame (returns null) rather than waiting.
 */
import { GpuMemory } from '../../gpu/memory';

export interface ReadbackSource {
  buffer: GPUBuffer;
  /** Bytes to copy (a multiple of 4) from offset 0. */
  size: number;
}

interface Staging {
  buffer: GPUBuffer;
  busy: boolean;
}

export class AsyncReadback {
  private readonly memory: GpuMemory;
  private readonly pool: Staging[] = [];
  private pending: { staging: Staging; sizes: number[]; resolve: (parts: ArrayBuffer[]) => void; reject: (e: unknown) => void } | null = null;

  constructor(
    device: GPUDevice,
    private readonly label: string,
    private readonly maxInFlight = 3,
  ) {
    this.memory = GpuMemory.of(device);
  }

  /** Records the copies; the promise settles after the next `afterSubmit` (rejects if the buffer dies first). */
  record(encoder: GPUCommandEncoder, sources: readonly ReadbackSource[]): Promise<ArrayBuffer[]> | null {
    const bytes = sources.reduce((sum, s) => sum + s.size, 0);
    let staging = this.pool.find((s) => !s.busy && s.buffer.size >= bytes);
    if (!staging && this.pool.length < this.maxInFlight) {
      staging = {
        buffer: this.memory.createBuffer({ label: `${this.label}.staging${this.pool.length}`, size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
        busy: false,
      };
      this.pool.push(staging);
    }
    if (!staging) return null;
    let offset = 0;
    for (const source of sources) {
      encoder.copyBufferToBuffer(source.buffer, 0, staging.buffer, offset, source.size);
      offset += source.size;
    }
    staging.busy = true;
    const sizes = sources.map((s) => s.size);
    return new Promise((resolve, reject) => {
      this.pending = { staging: staging!, sizes, resolve, reject };
    });
  }

  /** Maps what the last `record` copied; call right after the encoder's submit. */
  afterSubmit(): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    const { staging, sizes } = pending;
    const total = sizes.reduce((a, b) => a + b, 0);
    staging.buffer.mapAsync(GPUMapMode.READ, 0, total).then(
      () => {
        const mapped = staging.buffer.getMappedRange(0, total);
        const parts: ArrayBuffer[] = [];
        let offset = 0;
        for (const size of sizes) {
          parts.push(mapped.slice(offset, offset + size));
          offset += size;
        }
        staging.buffer.unmap();
        staging.busy = false;
        pending.resolve(parts);
      },
      (error) => pending.reject(error),
    );
  }

  destroy(): void {
    this.pending?.reject(new Error(`${this.label}: destroyed before the readback was submitted`));
    this.pending = null;
    for (const s of this.pool) this.memory.release(s.buffer);
    this.pool.length = 0;
  }
}
