import { describe, expect, test } from 'vitest';
import { GpuMemory, textureByteSize } from '../../src/gpu/memory';

// A stand-in device for the bookkeeping only: GpuMemory's logic does not depend on the GPU.
function fakeDevice(): GPUDevice {
  const make = (label: string) => ({ label, destroyed: false, destroy() { this.destroyed = true; } });
  return {
    createBuffer: (d: GPUBufferDescriptor) => make(d.label ?? ''),
    createTexture: (d: GPUTextureDescriptor) => make(d.label ?? ''),
    createQuerySet: (d: GPUQuerySetDescriptor) => make(d.label ?? ''),
  } as unknown as GPUDevice;
}

describe('GpuMemory', () => {
  test('counts bytes per owner and returns to zero on release', () => {
    const memory = GpuMemory.of(fakeDevice());
    const a = memory.createBuffer({ label: 'Sort.keys', size: 1000, usage: 0 });
    const b = memory.createBuffer({ label: 'Sort.values', size: 24, usage: 0 });
    const t = memory.createTexture({ label: 'Viewer.target', size: [4, 2], format: 'rgba8unorm', usage: 0 });
    expect(memory.totalBytes).toBe(1000 + 24 + 32);
    expect(memory.byOwner()).toEqual([['Sort', { bytes: 1024, count: 2 }], ['Viewer', { bytes: 32, count: 1 }]]);
    memory.release(a);
    memory.release(b);
    memory.release(t);
    memory.release(null);
    expect(memory.totalBytes).toBe(0);
    expect(memory.liveCount).toBe(0);
    expect(() => memory.release(a)).toThrow(/untracked/);
  });

  test('texture sizes include mip chains and refuse unknown formats', () => {
    expect(textureByteSize({ size: [8, 8], format: 'rgba16float', mipLevelCount: 4, usage: 0 })).toBe((64 + 16 + 4 + 1) * 8);
    expect(textureByteSize({ size: { width: 3, height: 5, depthOrArrayLayers: 2 }, format: 'r32float', usage: 0 })).toBe(120);
    expect(() => textureByteSize({ size: [1, 1], format: 'bc1-rgba-unorm', usage: 0 })).toThrow(/no byte size/);
  });
});
