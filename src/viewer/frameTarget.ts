/**
 * The frame target every method renders into (an rgba8unorm texture the size of the canvas), the
 * render pass that shows it on the canvas, and its readback as tightly packed RGBA bytes for
 * screenshots, tests and the command line.
 */
import blitSource from '../../shaders/viewer/blit.wgsl?raw';
import type { GpuMemory } from '../gpu/memory';
import type { GpuTimer } from '../gpu/timing';
import { FRAME_TARGET_FORMAT, type FrameTarget } from '../methods/types';

export class FrameTargetTexture {
  target: FrameTarget | null = null;

  constructor(private readonly memory: GpuMemory) {}

  /** Makes the target `width`×`height`; returns true when the texture was (re)created. */
  resize(width: number, height: number): boolean {
    if (this.target && this.target.width === width && this.target.height === height) return false;
    this.memory.release(this.target?.texture);
    const texture = this.memory.createTexture({
      label: 'Viewer.frameTarget',
      size: [width, height],
      format: FRAME_TARGET_FORMAT,
      usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST,
    });
    this.target = { texture, view: texture.createView({ label: 'Viewer.frameTarget.view' }), width, height };
    return true;
  }

  /** Fills the target with one colour (shown before a method has drawn anything). */
  clear(device: GPUDevice, rgb: readonly number[]): void {
    const t = this.target;
    if (!t) return;
    const bytesPerRow = t.width * 4;
    const row = new Uint8Array(bytesPerRow);
    for (let x = 0; x < t.width; x++) {
      row[x * 4] = Math.round(rgb[0]! * 255);
      row[x * 4 + 1] = Math.round(rgb[1]! * 255);
      row[x * 4 + 2] = Math.round(rgb[2]! * 255);
      row[x * 4 + 3] = 255;
    }
    const data = new Uint8Array(bytesPerRow * t.height);
    for (let y = 0; y < t.height; y++) data.set(row, y * bytesPerRow);
    device.queue.writeTexture({ texture: t.texture }, data, { bytesPerRow }, [t.width, t.height]);
  }

  destroy(): void {
    this.memory.release(this.target?.texture);
    this.target = null;
  }
}

/** Draws the frame target onto the canvas texture (same size), texel for pixel. */
export class CanvasBlit {
  private readonly pipeline: GPURenderPipeline;
  private bindGroup: GPUBindGroup | null = null;
  private boundTexture: GPUTexture | null = null;

  constructor(
    private readonly device: GPUDevice,
    format: GPUTextureFormat,
  ) {
    const module = device.createShaderModule({ label: 'CanvasBlit.module', code: blitSource });
    this.pipeline = device.createRenderPipeline({
      label: 'CanvasBlit.pipeline',
      layout: 'auto',
      vertex: { module, entryPoint: 'vs_main' },
      fragment: { module, entryPoint: 'fs_main', targets: [{ format }] },
      primitive: { topology: 'triangle-list' },
    });
  }

  encode(encoder: GPUCommandEncoder, target: FrameTarget, canvasView: GPUTextureView, timer?: GpuTimer): void {
    if (this.boundTexture !== target.texture) {
      this.bindGroup = this.device.createBindGroup({
        label: 'CanvasBlit.bindGroup',
        layout: this.pipeline.getBindGroupLayout(0),
        entries: [{ binding: 0, resource: target.view }],
      });
      this.boundTexture = target.texture;
    }
    const pass = encoder.beginRenderPass({
      label: 'blit',
      colorAttachments: [{ view: canvasView, loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 1] }],
      timestampWrites: timer?.passTimestamps('blit'),
    });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.draw(3);
    pass.end();
  }

  destroy(): void {
    this.bindGroup = null;
    this.boundTexture = null;
  }
}

/** Reads the frame target back as width·height·4 RGBA bytes, rows top to bottom, no padding. */
export async function readFrameTarget(device: GPUDevice, memory: GpuMemory, target: FrameTarget): Promise<Uint8Array> {
  // copyTextureToBuffer needs rows aligned to 256 bytes.
  const rowBytes = target.width * 4;
  const paddedRow = Math.ceil(rowBytes / 256) * 256;
  const staging = memory.createBuffer({
    label: 'Viewer.frameReadback',
    size: paddedRow * target.height,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const encoder = device.createCommandEncoder({ label: 'Viewer.frameReadback.encoder' });
    encoder.copyTextureToBuffer({ texture: target.texture }, { buffer: staging, bytesPerRow: paddedRow }, [target.width, target.height]);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const padded = new Uint8Array(staging.getMappedRange());
    const out = new Uint8Array(rowBytes * target.height);
    for (let y = 0; y < target.height; y++) out.set(padded.subarray(y * paddedRow, y * paddedRow + rowBytes), y * rowBytes);
    return out;
  } finally {
    memory.release(staging);
  }
}
