/**
 * Shared pieces of the 4D GPU tests: frame targets, rendering a frame through Gaussians4dRenderer
 * (again when the GPU reported an incomplete frame, as the viewer does), reading back the projection
 * stage's records by splat index, and comparing images with the float reference in 8-bit levels.
 */
import { expect } from 'vitest';
import type { Camera, Vec3 } from '../../src/camera/camera';
import { readBuffer } from '../../src/gpu/readback';
import { FrameCounter, ProjectedSplatLayout } from '../../src/methods/gaussians3d/layout';
import { defaultGaussians4dParams, type Gaussians4dParams } from '../../src/methods/gaussians4d/params';
import type { Gaussians4dRenderer } from '../../src/methods/gaussians4d/renderer';
import { halfToFloat } from '../../src/methods/gaussians4d/splatv';
import type { FrameTarget } from '../../src/methods/types';

import { readTarget } from './splatSceneHelpers';

export { createTarget, readTarget } from './splatSceneHelpers';

/** Encodes, submits and reads back one frame at `time`; once more when the GPU reports it incomplete (grown buffers). */
export async function renderAt(
  device: GPUDevice,
  renderer: Gaussians4dRenderer,
  target: FrameTarget,
  camera: Camera,
  time: number,
  background: Vec3,
  params: Gaussians4dParams = defaultGaussians4dParams(),
): Promise<Uint8Array> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const encoder = device.createCommandEncoder();
    expect(renderer.encode(encoder, target, { camera, time, background }, params)).toBe(true);
    device.queue.submit([encoder.finish()]);
    renderer.renderer.afterSubmit();
    if (await renderer.renderer.lastFrameComplete()) return readTarget(device, target);
  }
  throw new Error('the frame was still incomplete after the buffers grew');
}

/** One projected splat as read back from the GPU. */
export interface GpuProjected {
  px: number;
  py: number;
  conic: [number, number, number];
  opacity: number;
  rgb: [number, number, number];
  depth: number;
  rect: [number, number, number, number];
}

/** The last frame's projection records, keyed by splat index (read after the depth sort: depth through depthOrder). */
export async function readProjection(device: GPUDevice, renderer: Gaussians4dRenderer): Promise<Map<number, GpuProjected>> {
  const buffers = renderer.renderer.debugBuffers();
  const counters = new Uint32Array(await readBuffer(device, buffers.counters));
  const visible = counters[FrameCounter.visible]!;
  const out = new Map<number, GpuProjected>();
  if (visible === 0) return out;
  const globalIds = new Uint32Array(await readBuffer(device, buffers.globalFromCompactId, 0, visible * 4));
  const bytes = await readBuffer(device, buffers.projected, 0, visible * ProjectedSplatLayout.byteSize);
  const rects = new Uint32Array(await readBuffer(device, buffers.tileRects, 0, visible * 8));
  const sortedDepths = new Float32Array(await readBuffer(device, buffers.depthKeys, 0, visible * 4));
  const depthOrder = new Uint32Array(await readBuffer(device, buffers.depthOrder, 0, visible * 4));
  const depthOf = new Float32Array(visible);
  depthOrder.forEach((c, k) => (depthOf[c] = sortedDepths[k]!));
  const floats = new Float32Array(bytes);
  const words = new Uint32Array(bytes);
  const stride = ProjectedSplatLayout.byteSize / 4;
  const o = ProjectedSplatLayout.wordOffset;
  for (let c = 0; c < visible; c++) {
    const base = c * stride;
    const rg = words[base + o.color_rg!]!;
    const b = words[base + o.color_b!]!;
    out.set(globalIds[c]!, {
      px: floats[base + o.xy!]!,
      py: floats[base + o.xy! + 1]!,
      conic: [floats[base + o.conic_xy!]!, floats[base + o.conic_xy! + 1]!, floats[base + o.conic_z!]!],
      opacity: floats[base + o.opacity!]!,
      rgb: [halfToFloat(rg & 0xffff), halfToFloat(rg >>> 16), halfToFloat(b & 0xffff)],
      depth: depthOf[c]!,
      rect: [rects[2 * c]! & 0xffff, rects[2 * c]! >>> 16, rects[2 * c + 1]! & 0xffff, rects[2 * c + 1]! >>> 16],
    });
  }
  return out;
}

export { compareImages, report, type ImageError } from './splatSceneHelpers';
