import { GpuMemory } from './memory';

/**
 * Copies `size` bytes of `source` (which needs COPY_SRC) into a temporary MAP_READ buffer and
 * returns them. For tests, the CLI and one-off reads; never call it in the per-frame path.
 */
export async function readBuffer(device: GPUDevice, source: GPUBuffer, offset = 0, size = source.size - offset): Promise<ArrayBuffer> {
  const memory = GpuMemory.of(device);
  const padded = Math.ceil(size / 4) * 4;
  const staging = memory.createBuffer({
    label: 'readBuffer.staging',
    size: Math.max(4, padded),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const encoder = device.createCommandEncoder({ label: 'readBuffer.encoder' });
    if (padded > 0) encoder.copyBufferToBuffer(source, offset, staging, 0, padded);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    return staging.getMappedRange().slice(0, size);
  } finally {
    memory.release(staging);
  }
}

/**
 * RGBA8 pixels of a 2D texture (which needs COPY_SRC), rows tightly packed. For tests, the CLI and
 * one-off reads, like readBuffer.
 */
export async function readTextureRgba8(device: GPUDevice, texture: GPUTexture): Promise<Uint8Array> {
  const { width, height } = texture;
  // Texture-to-buffer copies need rows aligned to 256 bytes.
  const bytesPerRow = Math.ceil((width * 4) / 256) * 256;
  const memory = GpuMemory.of(device);
  const staging = memory.createBuffer({ label: 'readTexture.staging', size: bytesPerRow * height, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const encoder = device.createCommandEncoder({ label: 'readTexture.encoder' });
    encoder.copyTextureToBuffer({ texture }, { buffer: staging, bytesPerRow }, [width, height]);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const padded = new Uint8Array(staging.getMappedRange());
    const out = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) out.set(padded.subarray(y * bytesPerRow, y * bytesPerRow + width * 4), y * width * 4);
    return out;
  } finally {
    memory.release(staging);
  }
}
