// present: one thread per pixel of the viewer's frame target. Shows the decoded image, the
// original, both side by side (split) or their difference, fitted into the target with its aspect
// ratio kept (letterboxed) and sampled nearest-texel, so what is shown is exactly what was decoded
// when the target and image sizes agree.
//
// Reads:  decoded (rgba8unorm, the decoder's output), original (the fitted image, or the decoded
//         one again when there is none), uniforms.
// Writes: target (rgba8unorm frame target); outside the image: the background colour.
// Modes: 0 decoded; 1 original; 2 split: original left of `split`·width, decoded right of it, with
//        a one-pixel line; 3 difference: |decoded − original|·gain per channel.

override WORKGROUP_SIZE_X: u32 = 8u;
override WORKGROUP_SIZE_Y: u32 = 8u;

struct PresentUniforms {
  image_size: vec2f, // W, H of the image
  offset: vec2f, // target pixel of the image's top-left corner
  background: vec4f, // rgb; a unused
  scale: f32, // target pixels per image pixel
  mode: u32, // 0 decoded, 1 original, 2 split, 3 difference
  split: f32, // split position, a share of the image width
  gain: f32, // difference gain
}

@group(0) @binding(0) var<uniform> uniforms: PresentUniforms;
@group(0) @binding(1) var decoded: texture_2d<f32>;
@group(0) @binding(2) var original: texture_2d<f32>;
@group(0) @binding(3) var target_image: texture_storage_2d<rgba8unorm, write>;

@compute @workgroup_size(WORKGROUP_SIZE_X, WORKGROUP_SIZE_Y)
fn present(@builtin(global_invocation_id) global_id: vec3u) {
  let size = textureDimensions(target_image);
  if any(global_id.xy >= size) {
    return;
  }
  // Image coordinates of this target pixel's centre.
  let image_xy = (vec2f(global_id.xy) + 0.5 - uniforms.offset) / uniforms.scale;
  var color = uniforms.background.rgb;
  if all(image_xy >= vec2f(0.0)) && all(image_xy < uniforms.image_size) {
    let texel = vec2u(image_xy);
    let decoded_rgb = textureLoad(decoded, texel, 0).rgb;
    let original_rgb = textureLoad(original, texel, 0).rgb;
    switch uniforms.mode {
      case 1u: {
        color = original_rgb;
      }
      case 2u: {
        let edge = uniforms.split * uniforms.image_size.x;
        color = select(decoded_rgb, original_rgb, image_xy.x < edge);
        if abs(image_xy.x - edge) * uniforms.scale < 0.5 {
          color = vec3f(1.0);
        }
      }
      case 3u: {
        color = min(abs(decoded_rgb - original_rgb) * uniforms.gain, vec3f(1.0));
      }
      default: {
        color = decoded_rgb;
      }
    }
  }
  textureStore(target_image, global_id.xy, vec4f(color, 1.0));
}
