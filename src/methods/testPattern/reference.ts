/** CPU reference of shaders/testPattern/render.wgsl in float64: RGBA bytes, rows top to bottom. */
import type { Camera } from '../../camera/camera';

export function renderTestPatternReference(camera: Camera, brightness = 1): Uint8Array {
  const { width, height, rotation: r, fx, fy, cx, cy } = camera;
  const out = new Uint8Array(width * height * 4);
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const x = (i - cx + 0.5) / fx;
      const y = (j - cy + 0.5) / fy;
      const d = [x * r[0] + y * r[3] + r[6], x * r[1] + y * r[4] + r[7], x * r[2] + y * r[5] + r[8]];
      const n = Math.hypot(d[0]!, d[1]!, d[2]!);
      const o = (j * width + i) * 4;
      for (let k = 0; k < 3; k++) out[o + k] = Math.round(Math.min(1, Math.max(0, brightness * (0.5 + (0.5 * d[k]!) / n))) * 255);
      out[o + 3] = 255;
    }
  }
  return out;
}
