import { GpuMemory } from './memory';

/**
 * GPU time per named pass from timestamp queries, read back without ever blocking a frame.
 *
 * Each frame: `passTimestamps(name)` hands a pass its begin/end query slots, `resolve(encoder)`
 * copies the results into a free readback buffer (a small ring; if none is free this frame's
 * timings are dropped rather than waited for), and after submit `collect()` maps it. Results are
 * smoothed and exposed as `msByPass`.
 */
export class GpuTimer {
  static readonly maxPasses = 32;
  private static readonly ringSize = 3;

  readonly enabled: boolean;
  /** Smoothed GPU milliseconds per pass name. */
  readonly msByPass = new Map<string, number>();
  /** Completed frames whose timings were read back. */
  framesRead = 0;

  private readonly memory: GpuMemory;
  private querySet: GPUQuerySet | null = null;
  private resolveBuffer: GPUBuffer | null = null;
  private readonly readbacks: Array<{ buffer: GPUBuffer; names: string[] | null }> = [];
  private names: string[] = [];
  private pending: { buffer: GPUBuffer; names: string[] } | null = null;

  constructor(
    device: GPUDevice,
    private readonly smoothing = 0.1,
  ) {
    this.memory = GpuMemory.of(device);
    this.enabled = device.features.has('timestamp-query');
    if (!this.enabled) return;
    const count = GpuTimer.maxPasses * 2;
    this.querySet = this.memory.createQuerySet({ label: 'GpuTimer.querySet', type: 'timestamp', count });
    this.resolveBuffer = this.memory.createBuffer({
      label: 'GpuTimer.resolveBuffer',
      size: count * 8,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    for (let i = 0; i < GpuTimer.ringSize; i++) {
      this.readbacks.push({
        buffer: this.memory.createBuffer({
          label: `GpuTimer.readback${i}`,
          size: count * 8,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        }),
        names: null,
      });
    }
  }

  /** Starts a frame's list of timed passes. */
  beginFrame(): void {
    this.names = [];
  }

  /** Timestamp writes for a compute or render pass named `name`, or undefined when timing is off or full. */
  passTimestamps(name: string): GPUComputePassTimestampWrites | undefined {
    if (!this.querySet || this.names.length >= GpuTimer.maxPasses) return undefined;
    const index = this.names.length;
    this.names.push(name);
    return { querySet: this.querySet, beginningOfPassWriteIndex: index * 2, endOfPassWriteIndex: index * 2 + 1 };
  }

  /** Records the copy of this frame's timestamps into a free readback buffer. */
  resolve(encoder: GPUCommandEncoder): void {
    if (!this.querySet || !this.resolveBuffer || this.names.length === 0) return;
    const slot = this.readbacks.find((r) => r.names === null);
    if (!slot) return;
    const bytes = this.names.length * 16;
    encoder.resolveQuerySet(this.querySet, 0, this.names.length * 2, this.resolveBuffer, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, slot.buffer, 0, bytes);
    slot.names = this.names;
    this.pending = { buffer: slot.buffer, names: this.names };
  }

  /** Call after queue.submit: maps the buffer resolved this frame; results land asynchronously. */
  collect(): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    const slot = this.readbacks.find((r) => r.buffer === pending.buffer)!;
    pending.buffer
      .mapAsync(GPUMapMode.READ, 0, pending.names.length * 16)
      .then(() => {
        const ticks = new BigInt64Array(pending.buffer.getMappedRange(0, pending.names.length * 16));
        const frame = new Map<string, number>();
        pending.names.forEach((name, i) => {
          const ns = Number(ticks[i * 2 + 1]! - ticks[i * 2]!);
          // Some drivers report end < begin or absurd values when a pass was empty; drop those.
          if (ns >= 0 && ns < 1e10) frame.set(name, (frame.get(name) ?? 0) + ns / 1e6);
        });
        pending.buffer.unmap();
        for (const [name, ms] of frame) {
          const old = this.msByPass.get(name);
          this.msByPass.set(name, old === undefined ? ms : old + (ms - old) * this.smoothing);
        }
        this.framesRead++;
        slot.names = null;
      })
      .catch(() => {
        // The device was lost or destroyed while mapping; the slot is dead with it.
      });
  }

  destroy(): void {
    this.memory.release(this.querySet);
    this.memory.release(this.resolveBuffer);
    for (const r of this.readbacks) this.memory.release(r.buffer);
    this.readbacks.length = 0;
    this.querySet = null;
    this.resolveBuffer = null;
  }
}
