// adam: one thread per parameter float. Adam (Kingma & Ba 2015) with bias correction, as
// torch.optim.Adam (no weight decay, no amsgrad), with one learning rate per parameter group.
//
// Reads:  grads (from param_gradients), uniforms (learning rates, β1, β2, ε, bias corrections).
//         The position rate is given in pixels per step and divided by ½W (x) and ½H (y) on the
//         host, since one raw unit spans half the image (centre = ½W·tanh(x) + ½W).
// Writes: params, first_moment, second_moment (all 8 floats per Gaussian, slot order of cloud2d.ts):
//   m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²;
//   θ ← θ − lr_group · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε).

#include "gaussian_image_layout"

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> adam: AdamUniforms;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> first_moment: array<f32>;
@group(0) @binding(4) var<storage, read_write> second_moment: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn adam_step(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let k = (workgroup_id.y * num_workgroups.x + workgroup_id.x) * WORKGROUP_SIZE + local_index;
  if k >= adam.param_count {
    return;
  }
  // Slots 0 and 1 are x and y, then the Cholesky group, then the colour group.
  let slot = k % PARAMS_PER_GAUSSIAN;
  var lr = adam.learning_rate[min(slot, 1u)];
  if slot >= COLOR_FIRST_SLOT {
    lr = adam.learning_rate.w;
  } else if slot >= CHOLESKY_FIRST_SLOT {
    lr = adam.learning_rate.z;
  }
  let g = grads[k];
  let m = adam.beta1 * first_moment[k] + (1.0 - adam.beta1) * g;
  let v = adam.beta2 * second_moment[k] + (1.0 - adam.beta2) * g * g;
  first_moment[k] = m;
  second_moment[k] = v;
  params[k] -= lr * (m * adam.bias_correction.x) / (sqrt(v * adam.bias_correction.y) + adam.epsilon);
}
