// Shared helpers for 1D work spread over a 2D dispatch grid (include "primitives_grid").
//
// A dispatch may have at most maxComputeWorkgroupsPerDimension (65,535 on most devices) workgroups
// along x, so long 1D work is split over x and y exactly as `workgroupGrid` in src/gpu/pass.ts does;
// kernels rebuild the linear workgroup index and return when it is past the end.

fn linear_workgroup_index(workgroup_id: vec3u, num_workgroups: vec3u) -> u32 {
  return workgroup_id.y * num_workgroups.x + workgroup_id.x;
}

// ceil(n / d) without the overflow of (n + d - 1) / d for n close to 2^32.
fn div_ceil(n: u32, d: u32) -> u32 {
  return n / d + select(0u, 1u, n % d != 0u);
}

// Indirect dispatch arguments (x, y, z) for `workgroups` workgroups: the same split as
// `workgroupGrid`, except that 0 workgroups stay 0 (an empty indirect dispatch is valid).
fn grid_for_workgroups(workgroups: u32, max_per_dimension: u32) -> vec3u {
  if (workgroups <= max_per_dimension) {
    return vec3u(workgroups, 1u, 1u);
  }
  let y = div_ceil(workgroups, max_per_dimension);
  return vec3u(div_ceil(workgroups, y), y, 1u);
}
