// Which tiles a projected splat can show in (include "gaussians3d_tile_cull").
//
// The reference bins a splat into every tile of its 3-sigma square (getRect), and rasterize then
// skips every (pixel, splat) pair with alpha = o·e^power < 1/255. A tile in which no pixel reaches
// 1/255 therefore gets nothing from the splat, so dropping that (splat, tile) pair changes no pixel
// while the tile sort, the tile lists and the rasterize loop get shorter (measured on the real
// scenes: 2-3× fewer intersections at 256×192, 3-4× at 1080p).
//
// The pixels where alpha can reach 1/255 form the ellipse E: q(d) = ½(a dx² + c dy²) + b dx dy ≤ t
// with d = pixel − mean, conic (a, b, c) and t = ln(255 o) (power = −q). A tile's pixel box
// [x0, x0 + 15] × [y0, y0 + 15] meets E exactly when, in its tile row's band y0 ≤ y ≤ y0 + 15, the
// x-extent of E ∩ band meets [x0, x0 + 15]; E ∩ band is convex, so the reached tiles of a row are
// one run of columns, found without testing tile by tile (`reached_columns`):
//   - at height dy the ellipse spans dx = (−b·dy ± sqrt(2ta − det·dy²)) / a, det = ac − b²;
//   - its right edge is concave in dy, largest at dy = −b·sqrt(2t / (c·det)) (the ellipse's
//     rightmost point), so over the band it is largest there or at the band's nearer edge; the left
//     edge likewise, mirrored.
// Rounding: t gets POWER_MARGIN and the extents REACH_SLACK (relative and in pixels). The f32 det
// = ac − b² is off by about 2·epsilon·ac/det relative, which stays below REACH_SLACK/2 while
// det ≥ MIN_DET_SHARE·ac; a thinner tilted splat keeps every tile of its rectangle's row. So the
// runs hold every tile whose box meets the ellipse (kept pairs are counted against a float64 box
// test in test/gpu/gaussians3d.test.ts: within +0.1%, none missing).

const POWER_MARGIN: f32 = 1e-3;
const REACH_SLACK: f32 = 1e-3;
const MIN_DET_SHARE: f32 = 1e-4;

// t = ln(255 o) + POWER_MARGIN: the splat reaches alpha 1/255 only where q ≤ t (negative: nowhere).
fn reach_limit(opacity: f32) -> f32 {
  return log(255.0 * opacity) + POWER_MARGIN;
}

// The tile columns [first, end) of tile row `tile_y` that splat `s` can reach, within `columns`
// (its rectangle's [min x, max x)); first == end when none.
fn reached_columns(s: ProjectedSplat, t: f32, tile_y: u32, columns: vec2u) -> vec2u {
  let none = vec2u(columns.x, columns.x);
  // Also catches opacity 0 (log gives −inf or NaN).
  if !(t >= 0.0) {
    return none;
  }
  let a = s.conic_xy.x;
  let b = s.conic_xy.y;
  let c = s.conic_z;
  let det = a * c - b * b;
  if !(det >= MIN_DET_SHARE * a * c) {
    return columns;
  }
  let two_t = 2.0 * t;
  // The ellipse's height, then the band's dy range clipped to it.
  let y_extent = sqrt(two_t * a / det) * (1.0 + REACH_SLACK) + REACH_SLACK;
  let band_top = f32(tile_y * TILE_SIZE) - s.xy.y;
  let low = max(band_top, -y_extent);
  let high = min(band_top + f32(TILE_SIZE - 1u), y_extent);
  if low > high {
    return none;
  }
  let turn = b * sqrt(two_t / (c * det));
  let dy_right = clamp(-turn, low, high);
  let dy_left = clamp(turn, low, high);
  let x_right = s.xy.x + (-b * dy_right + sqrt(max(0.0, two_t * a - det * dy_right * dy_right))) / a;
  let x_left = s.xy.x + (-b * dy_left - sqrt(max(0.0, two_t * a - det * dy_left * dy_left))) / a;
  let slack = REACH_SLACK * (x_right - x_left) + REACH_SLACK;
  // Tile column x covers pixels [16x, 16x + 15]: it meets [x_left, x_right] when
  // (x_left − 15) / 16 ≤ x ≤ x_right / 16.
  let size = f32(TILE_SIZE);
  let first = max(ceil((x_left - slack - (size - 1.0)) / size), f32(columns.x));
  let last = min(floor((x_right + slack) / size), f32(columns.y) - 1.0);
  if !(first <= last) {
    return none;
  }
  return vec2u(u32(first), u32(last) + 1u);
}
