// Whether a projected splat can show in a tile (include "gaussians3d_tile_cull").
//
// The reference bins a splat into every tile of its 3-sigma square (getRect), and rasterize then
// skips every (pixel, splat) pair with alpha = o·e^power < 1/255. A tile in which no pixel reaches
// 1/255 therefore gets nothing from the splat, so dropping that (splat, tile) pair changes no pixel
// while the tile sort, the tile lists and the rasterize loop get shorter (measured on the real
// scenes: 2-3× fewer intersections at 256×192, 3-4× at 1080p).
//
// Test: the largest power over the tile's pixel box [x0, x0 + 15] × [y0, y0 + 15] against
// ln(1 / (255 o)). The power −q(d) is a concave quadratic, so its maximum over the box is at the
// mean when it lies inside, else on an edge, where the best point along each edge has a closed form
// (clamped to the edge). The continuous box contains every integer pixel, so the test never drops a
// pair that rasterize would blend; POWER_MARGIN absorbs f32 rounding against rasterize's own sums.

const POWER_MARGIN: f32 = 1e-3;

// ln(1 / (255 o)): the power below which the splat's alpha stays under 1/255 (+inf for o = 0).
fn visible_power_threshold(opacity: f32) -> f32 {
  return -log(255.0 * opacity) - POWER_MARGIN;
}

// q(d) = ½(a dx² + c dy²) + b dx dy with d = mean − pixel; power = −q.
fn conic_form(s: ProjectedSplat, pixel: vec2f) -> f32 {
  let d = s.xy - pixel;
  return 0.5 * (s.conic_xy.x * d.x * d.x + s.conic_z * d.y * d.y) + s.conic_xy.y * d.x * d.y;
}

fn splat_reaches_tile(s: ProjectedSplat, threshold: f32, tile: vec2u) -> bool {
  let box_min = vec2f(tile * TILE_SIZE);
  let box_max = box_min + f32(TILE_SIZE - 1u);
  if all(s.xy >= box_min) && all(s.xy <= box_max) {
    return 0.0 >= threshold;
  }
  // Along x = const the minimum of q is at y = my + b·(mx − x)/c; along y = const at x = mx + b·(my − y)/a.
  let a = s.conic_xy.x;
  let b = s.conic_xy.y;
  let c = s.conic_z;
  let y_at_left = clamp(s.xy.y + b * (s.xy.x - box_min.x) / c, box_min.y, box_max.y);
  let y_at_right = clamp(s.xy.y + b * (s.xy.x - box_max.x) / c, box_min.y, box_max.y);
  let x_at_top = clamp(s.xy.x + b * (s.xy.y - box_min.y) / a, box_min.x, box_max.x);
  let x_at_bottom = clamp(s.xy.x + b * (s.xy.y - box_max.y) / a, box_min.x, box_max.x);
  let q_min = min(
    min(conic_form(s, vec2f(box_min.x, y_at_left)), conic_form(s, vec2f(box_max.x, y_at_right))),
    min(conic_form(s, vec2f(x_at_top, box_min.y)), conic_form(s, vec2f(x_at_bottom, box_max.y))),
  );
  return -q_min >= threshold;
}
