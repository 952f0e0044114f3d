// One projected splat in the form the rasterize loops read (include "gaussians3d_raster_splat"),
// written once per frame by raster_splats.wgsl: 32 bytes, like the ProjectedSplat it comes from,
// so it fits wherever that fits. power = quadratic.x·dx² + quadratic.y·dy² + cross·dx·dy
// (d = centre − pixel) and alpha = o·e^power = e^(power + log_opacity), so the 1/255 test is a
// compare on the exponent and exp runs only for pairs that blend.
struct RasterSplat {
  center: vec2f,     // mean in pixel coordinates
  quadratic: vec2f,  // −½a, −½c of the conic (Σ⁻¹ = [[a, b], [b, c]])
  cross: f32,        // −b
  log_opacity: f32,  // ln(opacity); NEVER_LOG_OPACITY for the null splat (opacity 0), which never blends
  color_rg: u32,     // pack2x16float(r, g) of the SH colour, as in ProjectedSplat
  color_b: u32,      // pack2x16float(b, 0)
}
// ln(opacity) of a splat that can never reach alpha 1/255 (the null splat has opacity 0, and WGSL
// gives no value for log(0)): far below any power, finite so no Inf arithmetic is needed.
const NEVER_LOG_OPACITY: f32 = -1e30;

// Beside each RasterSplat, in its own array (raster_reach), a vec4f reach box: min x, min y, max x,
// max y of the pixels where the splat's alpha can reach 1/255 at all (min > max: nowhere), so a loop
// can skip a splat for a whole block of pixels with four compares on one 16-byte load.
