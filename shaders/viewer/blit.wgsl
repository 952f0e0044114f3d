// Blit: draws the frame target onto the canvas, texel for pixel.
//
// Reads:  frame (rgba8unorm frame target the method rendered, same size as the canvas)
// Writes: the canvas colour attachment (its preferred format, e.g. bgra8unorm)
//
// 1. The vertex stage emits one triangle that covers the viewport (no vertex buffer).
// 2. The fragment stage loads the texel under the pixel centre; no filtering, so the canvas shows
//    exactly the values a screenshot or the CLI reads back. Alpha is forced to 1 because the canvas
//    is opaque and the methods already composited over the background.

@group(0) @binding(0) var frame: texture_2d<f32>;

struct VertexOut {
  @builtin(position) position: vec4<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> VertexOut {
  // (-1,-1), (3,-1), (-1,3): the corners of a triangle containing the clip square.
  let uv = vec2<f32>(f32((index << 1u) & 2u), f32(index & 2u));
  var out: VertexOut;
  out.position = vec4<f32>(uv * 2.0 - 1.0, 0.0, 1.0);
  return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
  let texel = textureLoad(frame, vec2<u32>(in.position.xy), 0);
  return vec4<f32>(texel.rgb, 1.0);
}
