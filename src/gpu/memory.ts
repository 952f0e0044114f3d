/**
 * GPU memory accounting. Every buffer, texture and query set the app creates goes through a
 * `GpuMemory` (one per device), which counts its bytes at creation and subtracts them at
 * destruction, so the overlay reads real numbers and teardown tests can assert a return to baseline.
 *
 * Labels follow `Owner.field`; the part before the first dot groups the totals by owner.
 */

export interface OwnerTotals {
  bytes: number;
  count: number;
}

type Tracked = GPUBuffer | GPUTexture | GPUQuerySet;

const memoryByDevice = new WeakMap<GPUDevice, GpuMemory>();

/** Bytes per texel (block) for the formats the app uses; others are refused so counts stay exact. */
const TEXEL_BYTES: Partial<Record<GPUTextureFormat, number>> = {
  r8unorm: 1,
  r16float: 2,
  r32float: 4,
  r32uint: 4,
  rg8unorm: 2,
  rg16float: 4,
  rg32float: 8,
  rg32uint: 8,
  rgba8unorm: 4,
  'rgba8unorm-srgb': 4,
  bgra8unorm: 4,
  'bgra8unorm-srgb': 4,
  rgba16float: 8,
  rgba32float: 16,
  rgba32uint: 16,
  depth32float: 4,
  depth24plus: 4,
};

export function textureByteSize(desc: GPUTextureDescriptor): number {
  const texel = TEXEL_BYTES[desc.format];
  if (texel === undefined) throw new Error(`GpuMemory: no byte size known for texture format ${desc.format}`);
  const size = desc.size as GPUExtent3DDict | number[];
  const [w, h = 1, d = 1] = Array.isArray(size) ? size : [size.width, size.height ?? 1, size.depthOrArrayLayers ?? 1];
  const mips = desc.mipLevelCount ?? 1;
  const samples = desc.sampleCount ?? 1;
  let bytes = 0;
  for (let level = 0; level < mips; level++) {
    const lw = Math.max(1, w >> level);
    const lh = Math.max(1, h >> level);
    const ld = desc.dimension === '3d' ? Math.max(1, d >> level) : d;
    bytes += lw * lh * ld * texel;
  }
  return bytes * samples;
}

export class GpuMemory {
  private readonly live = new Map<Tracked, { owner: string; bytes: number }>();
  private readonly owners = new Map<string, OwnerTotals>();
  totalBytes = 0;

  private constructor(readonly device: GPUDevice) {}

  /** The tracker of a device; created on first use and forgotten with the device. */
  static of(device: GPUDevice): GpuMemory {
    let memory = memoryByDevice.get(device);
    if (!memory) {
      memory = new GpuMemory(device);
      memoryByDevice.set(device, memory);
    }
    return memory;
  }

  createBuffer(desc: GPUBufferDescriptor & { label: string }): GPUBuffer {
    const buffer = this.device.createBuffer(desc);
    this.add(buffer, desc.label, desc.size);
    return buffer;
  }

  createTexture(desc: GPUTextureDescriptor & { label: string }): GPUTexture {
    const texture = this.device.createTexture(desc);
    this.add(texture, desc.label, textureByteSize(desc));
    return texture;
  }

  createQuerySet(desc: GPUQuerySetDescriptor & { label: string }): GPUQuerySet {
    const querySet = this.device.createQuerySet(desc);
    this.add(querySet, desc.label, desc.count * 8);
    return querySet;
  }

  /** A buffer filled from `data` at creation (mappedAtCreation), padded to 4 bytes. */
  createBufferWithData(
    desc: Omit<GPUBufferDescriptor, 'size' | 'mappedAtCreation'> & { label: string },
    data: ArrayBufferView,
  ): GPUBuffer {
    const size = Math.max(4, Math.ceil(data.byteLength / 4) * 4);
    const buffer = this.createBuffer({ ...desc, size, mappedAtCreation: true });
    new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    buffer.unmap();
    return buffer;
  }

  /** Destroys a tracked object and removes its bytes; null/undefined are ignored so `destroy()` can be idempotent. */
  release(object: Tracked | null | undefined): void {
    if (!object) return;
    const entry = this.live.get(object);
    if (!entry) throw new Error(`GpuMemory: release of an untracked object '${object.label}'`);
    this.live.delete(object);
    this.totalBytes -= entry.bytes;
    const totals = this.owners.get(entry.owner)!;
    totals.bytes -= entry.bytes;
    totals.count -= 1;
    if (totals.count === 0) this.owners.delete(entry.owner);
    object.destroy();
  }

  get liveCount(): number {
    return this.live.size;
  }

  /** Totals per owner (label prefix), largest first. */
  byOwner(): Array<[string, OwnerTotals]> {
    return [...this.owners.entries()].map(([k, v]) => [k, { ...v }] as [string, OwnerTotals]).sort((a, b) => b[1].bytes - a[1].bytes);
  }

  /** Labels of every live object, for leak reports. */
  liveLabels(): string[] {
    return [...this.live.keys()].map((o) => o.label);
  }

  private add(object: Tracked, label: string, bytes: number): void {
    const owner = label.split('.')[0] ?? label;
    this.live.set(object, { owner, bytes });
    this.totalBytes += bytes;
    const totals = this.owners.get(owner) ?? { bytes: 0, count: 0 };
    totals.bytes += bytes;
    totals.count += 1;
    this.owners.set(owner, totals);
  }
}
