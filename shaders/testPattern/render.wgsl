// Test pattern: colours every pixel by the world-space direction of its camera ray.
//
// Reads:  frame (uniform: camera rotation rows, intrinsics, size, brightness)
// Writes: frame_target (rgba8unorm)
//
// 1. Pixel (i, j) maps to the camera-space ray ((i - cx + 0.5) / fx, (j - cy + 0.5) / fy, 1), the
//    inverse of the projection in src/camera/camera.ts (COLMAP axes: x right, y down, z forward).
// 2. The ray goes to world space with the transpose of the world-to-camera rotation.
// 3. Colour = brightness · (0.5 + 0.5 · normalize(direction)), so +x is red, +y green, +z blue:
//    a check of camera conventions and controls that needs no asset parser.

struct Frame {
  // Rows of the world-to-camera rotation R (xyz; w unused).
  row0: vec4<f32>,
  row1: vec4<f32>,
  row2: vec4<f32>,
  // fx, fy, cx, cy in pixels.
  intrinsics: vec4<f32>,
  size: vec2<u32>,
  brightness: f32,
  _pad: f32,
};

@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var frame_target: texture_storage_2d<rgba8unorm, write>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= frame.size.x || id.y >= frame.size.y) {
    return;
  }
  let k = frame.intrinsics;
  let ray_camera = vec3<f32>((f32(id.x) - k.z + 0.5) / k.x, (f32(id.y) - k.w + 0.5) / k.y, 1.0);
  // Rᵀ · ray: a sum of R's rows weighted by the ray's components.
  let ray_world = normalize(ray_camera.x * frame.row0.xyz + ray_camera.y * frame.row1.xyz + ray_camera.z * frame.row2.xyz);
  let colour = clamp(frame.brightness * (0.5 + 0.5 * ray_world), vec3<f32>(0.0), vec3<f32>(1.0));
  textureStore(frame_target, vec2<u32>(id.xy), vec4<f32>(colour, 1.0));
}
