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
