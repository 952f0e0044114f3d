// paramGradients: one thread per Gaussian. Sums the Gaussian's per-tile gradient records and
// applies the chain rule from projected quantities to the 8 raw parameters (project_gaussians_2d
// backward of XingtongGe/gsplat@bcca3ec; the same formulas as rawGradientFromProjected in
// src/methods/gaussianImage/reference.ts, which is checked against finite differences).
//
// Reads:  tile_offsets (inclusive scan of tile counts: Gaussian i owns slots [offsets[i−1], offsets[i])),
//         isect_grad (8 floats per slot from rasterize_backward), params (raw), uniforms.
// Writes: grads[i] = dL/d(x, y, l11, l21 | l22, r, g, b), 2 vec4f per Gaussian. A culled Gaussian
//         owns no slots and gets 0.
// Steps:
//   1. sum the records of the Gaussian's slots in slot order (slots past the capacity were never
//      emitted: stop there);
//   2. conic M = Σ⁻¹ ⇒ dΣ = −M·dM·M, where dM is the symmetric gradient [[dA, dB/2], [dB/2, dC]];
//      Σ = (a, b, c) = (L11², L11·L21, L21² + L22²) ⇒ dL11 = 2L11·da + L21·db, dL21 = L11·db + 2L21·dc,
//      dL22 = 2L22·dc, with db = 2·dΣxy;
//   3. centre = ½W·tanh(x) + ½W ⇒ dx = dcentre_x · ½W·(1 − tanh²x); colours pass straight through.

#include "gaussian_image_layout"

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> tile_offsets: array<u32>;
@group(0) @binding(2) var<storage, read> isect_grad: array<vec4f>;
@group(0) @binding(3) var<storage, read> params: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> grads: array<vec4f>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn param_gradients(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let i = (workgroup_id.y * num_workgroups.x + workgroup_id.x) * WORKGROUP_SIZE + local_index;
  if i >= uniforms.gaussian_count {
    return;
  }
  // Step 1.
  var first = 0u;
  if i > 0u {
    first = tile_offsets[i - 1u];
  }
  let last = min(tile_offsets[i], uniforms.intersection_capacity);
  if first >= last {
    grads[2u * i] = vec4f(0.0);
    grads[2u * i + 1u] = vec4f(0.0);
    return;
  }
  var sum0 = vec4f(0.0);
  var sum1 = vec4f(0.0);
  for (var slot = first; slot < last; slot++) {
    sum0 += isect_grad[2u * slot];
    sum1 += isect_grad[2u * slot + 1u];
  }
  let d_center = sum0.xy;
  let d_conic = vec3f(sum0.zw, sum1.x);

  // Step 2.
  let p0 = params[2u * i];
  let p1 = params[2u * i + 1u];
  let l11 = p0.z + CHOLESKY_BOUND.x;
  let l21 = p0.w + CHOLESKY_BOUND.y;
  let l22 = p1.x + CHOLESKY_BOUND.z;
  let a = l11 * l11;
  let b = l11 * l21;
  let c = l21 * l21 + l22 * l22;
  let det = a * c - b * b;
  let conic = mat2x2f(c, -b, -b, a) * (1.0 / det);
  let d_m = mat2x2f(d_conic.x, 0.5 * d_conic.y, 0.5 * d_conic.y, d_conic.z);
  let d_sigma = (conic * d_m * conic) * -1.0;
  let da = d_sigma[0][0];
  let db = 2.0 * d_sigma[0][1];
  let dc = d_sigma[1][1];

  // Step 3.
  let size = vec2f(uniforms.image_size);
  let t = tanh(clamp(p0.xy, vec2f(-10.0), vec2f(10.0)));
  let d_xy = d_center * 0.5 * size * (1.0 - t * t);
  grads[2u * i] = vec4f(d_xy, 2.0 * l11 * da + l21 * db, l11 * db + 2.0 * l21 * dc);
  grads[2u * i + 1u] = vec4f(2.0 * l22 * dc, sum1.yzw);
}
