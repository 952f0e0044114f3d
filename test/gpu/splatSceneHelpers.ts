/**
 * Shared pieces of the 3DGS scene tests (formats, big scenes, storage, budget): cameras, frame
 * targets, rendering a frame to completion, image comparison in 8-bit levels with the first and last
 * mismatch, and the CPU decode of what 'compact' storage keeps of a cloud.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import type { Camera, Mat3, Vec3 } from '../../src/camera/camera';
import { GpuMemory } from '../../src/gpu/memory';
import { readTextureRgba8 } from '../../src/gpu/readback';
import { loadSplatBytes } from '../../src/methods/gaussians3d/load';
import { defaultGaussians3dParams } from '../../src/methods/gaussians3d/params';
import type { Gaussians3dRenderer, Gaussians3dRenderParams } from '../../src/methods/gaussians3d/renderer';
import { shCoefficientCount, type SplatCloud } from '../../src/methods/gaussians3d/splatCloud';
import { halfBits, halfValue, snorm16 } from '../../src/methods/gaussians3d/splatStorage';
import { FRAME_TARGET_FORMAT, type FrameTarget } from '../../src/methods/types';

export const DATA = resolve(__dirname, '../../../shared/data');

export function readData(path: string): Uint8Array {
  return new Uint8Array(readFileSync(resolve(DATA, path)));
}

export async function loadData(path: string): Promise<SplatCloud> {
  return loadSplatBytes(path.slice(path.lastIndexOf('/') + 1), readData(path));
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const unit = (a: Vec3): Vec3 => {
  const l = Math.hypot(...a);
  return [a[0] / l, a[1] / l, a[2] / l];
};

/** A pinhole camera at `eye` looking at `target` (x right, y down, z forward; COLMAP convention). */
export function lookAt(eye: Vec3, target: Vec3, up: Vec3, width: number, height: number, fovYDegrees = 50): Camera {
  const forward = unit(sub(target, eye));
  const right = unit(cross(forward, up));
  const down = cross(forward, right);
  const rotation: Mat3 = [...right, ...down, ...forward];
  const translation = [0, 1, 2].map((r) => -(rotation[3 * r]! * eye[0] + rotation[3 * r + 1]! * eye[1] + rotation[3 * r + 2]! * eye[2])) as Vec3;
  const f = height / (2 * Math.tan((fovYDegrees * Math.PI) / 360));
  return { width, height, fx: f, fy: f, cx: width / 2, cy: height / 2, rotation, translation, near: 0.01, far: 1e7 };
}

/** Orbit around `bounds` at `azimuth` degrees, `elevation` degrees above the x-z plane, "up" = −y. */
export function orbitCamera(bounds: { center: Vec3; radius: number }, azimuth: number, elevation: number, width: number, height: number, distanceScale = 1): Camera {
  const { center, radius } = bounds;
  const a = (azimuth * Math.PI) / 180;
  const e = (elevation * Math.PI) / 180;
  const distance = (radius / Math.sin((25 * Math.PI) / 180)) * distanceScale * 0.6;
  const eye: Vec3 = [center[0] + distance * Math.cos(e) * Math.sin(a), center[1] - distance * Math.sin(e), center[2] + distance * Math.cos(e) * Math.cos(a)];
  return lookAt(eye, center, [0, -1, 0], width, height);
}

export function createTarget(device: GPUDevice, width: number, height: number): FrameTarget {
  const texture = GpuMemory.of(device).createTexture({
    label: 'test.target',
    size: [width, height],
    format: FRAME_TARGET_FORMAT,
    usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST,
  });
  return { texture, view: texture.createView(), width, height };
}

export function readTarget(device: GPUDevice, target: FrameTarget): Promise<Uint8Array> {
  return readTextureRgba8(device, target.texture);
}

/** Encodes, submits and reads back one frame. */
export async function renderFrame(
  device: GPUDevice,
  renderer: Gaussians3dRenderer,
  target: FrameTarget,
  camera: Camera,
  background: Vec3,
  params: Gaussians3dRenderParams = defaultGaussians3dParams(),
): Promise<{ rgba: Uint8Array; complete: boolean }> {
  const encoder = device.createCommandEncoder();
  expect(renderer.encode(encoder, target, { camera, time: 0, background }, params)).toBe(true);
  device.queue.submit([encoder.finish()]);
  renderer.afterSubmit();
  const complete = await renderer.lastFrameComplete();
  return { rgba: await readTarget(device, target), complete };
}

/** As the viewer does: draws again when the GPU reported an incomplete frame (buffers grown meanwhile). */
export async function renderComplete(
  device: GPUDevice,
  renderer: Gaussians3dRenderer,
  camera: Camera,
  background: Vec3 = [0, 0, 0],
  params: Gaussians3dRenderParams = defaultGaussians3dParams(),
): Promise<Uint8Array> {
  const target = createTarget(device, camera.width, camera.height);
  let frame = await renderFrame(device, renderer, target, camera, background, params);
  if (!frame.complete) frame = await renderFrame(device, renderer, target, camera, background, params);
  GpuMemory.of(device).release(target.texture);
  expect(frame.complete).toBe(true);
  return frame.rgba;
}

export interface ImageError {
  maxAbs: number;
  meanAbs: number;
  /** Share of channel values more than 2 levels off. */
  over2: number;
  psnr: number;
  firstMismatch: string;
  lastMismatch: string;
}

/**
 * RGB of `actual` (RGBA8) against `expected`: RGBA8 bytes, or float RGB in [0, 1] (a CPU reference,
 * clamped first), in 8-bit levels. Mismatches are channels more than `tolerance` levels off; alpha
 * must be 255.
 */
export function compareImages(actual: Uint8Array, expected: Uint8Array | Float64Array, width: number, tolerance = 2): ImageError {
  const pixels = actual.length / 4;
  const float = expected instanceof Float64Array;
  const value = (p: number, c: number) => (float ? Math.min(1, Math.max(0, expected[3 * p + c]!)) * 255 : expected[4 * p + c]!);
  let maxAbs = 0;
  let sumAbs = 0;
  let sumSq = 0;
  let over = 0;
  let first = -1;
  let last = -1;
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) {
      const e = value(p, c);
      expect(Number.isFinite(e), `expected pixel ${p} channel ${c} is ${e}`).toBe(true);
      const d = Math.abs(actual[4 * p + c]! - e);
      maxAbs = Math.max(maxAbs, d);
      sumAbs += d;
      sumSq += d * d;
      if (d > tolerance) {
        over++;
        if (first < 0) first = p;
        last = p;
      }
    }
    // Every renderer writes opaque pixels (C + T·background, alpha 1).
    expect(actual[4 * p + 3]).toBe(255);
  }
  const show = (p: number) =>
    p < 0 ? 'none' : `(${p % width}, ${Math.floor(p / width)}) got ${[...actual.subarray(4 * p, 4 * p + 3)]} expected ${[0, 1, 2].map((c) => value(p, c).toFixed(1))}`;
  const n = pixels * 3;
  const mse = sumSq / n / (255 * 255);
  return { maxAbs, meanAbs: sumAbs / n, over2: over / n, psnr: mse > 0 ? 10 * Math.log10(1 / mse) : Infinity, firstMismatch: show(first), lastMismatch: show(last) };
}

export function report(label: string, e: ImageError): string {
  return `${label}: PSNR ${e.psnr.toFixed(2)} dB, max ${e.maxAbs.toFixed(2)}, mean ${e.meanAbs.toFixed(4)} levels, >2 levels ${(100 * e.over2).toFixed(3)}%; first ${e.firstMismatch}; last ${e.lastMismatch}`;
}

/** The fidelity bounds of test/gpu/gaussians3d.test.ts (GPU against the float64 reference). */
export const MIN_PSNR = 50;
export const MAX_ABS_LEVELS = 4;
export const MAX_SHARE_OVER_2_LEVELS = 0.001;

export function expectFaithful(error: ImageError): void {
  expect(error.psnr).toBeGreaterThan(MIN_PSNR);
  expect(error.maxAbs).toBeLessThanOrEqual(MAX_ABS_LEVELS);
  expect(error.over2).toBeLessThanOrEqual(MAX_SHARE_OVER_2_LEVELS);
}

/**
 * What 'compact' storage keeps of `cloud`, as a cloud (CPU decode of splatStorage.ts's packing):
 * f16 scales, the snorm16 quaternion renormalised, f16 DC colour, higher SH as snorm8 of the
 * splat's f16 scale. Means and opacities are kept exactly.
 */
export function compactCloud(cloud: SplatCloud): SplatCloud {
  const out: SplatCloud = { ...cloud, scales: cloud.scales.map((s) => halfValue(halfBits(s))), rotations: new Float32Array(cloud.rotations.length), sh: new Float32Array(cloud.sh.length) };
  const snorm = (v: number) => Math.max(((snorm16(v) << 16) >> 16) / 32767, -1);
  for (let i = 0; i < cloud.count; i++) {
    const q = [0, 1, 2, 3].map((c) => snorm(cloud.rotations[4 * i + c]!));
    const length = Math.hypot(...q);
    for (let c = 0; c < 4; c++) out.rotations[4 * i + c] = q[c]! / length;
  }
  const k = shCoefficientCount(cloud.shDegree);
  for (let i = 0; i < cloud.count; i++) {
    const base = 3 * k * i;
    for (let c = 0; c < 3; c++) out.sh[base + c] = halfValue(halfBits(cloud.sh[base + c]!));
    let maxAbs = 0;
    for (let j = 3; j < 3 * k; j++) maxAbs = Math.max(maxAbs, Math.abs(cloud.sh[base + j]!));
    let scaleBits = halfBits(maxAbs);
    if (halfValue(scaleBits) < maxAbs) scaleBits++;
    const scale = halfValue(scaleBits);
    for (let j = 3; j < 3 * k; j++) {
      // `| 0` turns a rounded −0 into the 0 the byte stores.
      const q = scale > 0 ? Math.max(-127, Math.min(127, Math.round((127 * cloud.sh[base + j]!) / scale))) | 0 : 0;
      out.sh[base + j] = scale * Math.max(q / 127, -1);
    }
  }
  return out;
}
