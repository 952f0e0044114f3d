// rasterize: one workgroup per 16×16 tile, 64 threads, each blending a column of 4 pixels
// (renderCUDA of graphdeco-inria diff-gaussian-rasterization forward.cu; constants in
// ../shared/docs/gaussians.md §1.8).
//
// Reads:  counters[COUNTER_OVERFLOW], tile_ranges[tile] = [start, end) into the tile-sorted
//         intersection list, splat_id_from_isect (compact ids, front to back within a tile),
//         projected (ProjectedSplat per compact id), uniforms (image size, background).
// Writes: target pixel = C + T·background (rgba8unorm, alpha 1). On intersection overflow the
//         workgroup returns at once and the target keeps the previous frame.
// Steps, per batch of 256 entries of the tile's list:
//   1. stop when every pixel of the tile is done (a workgroup-uniform count, so the whole
//      workgroup leaves the loop together and barriers stay in uniform control flow);
//   2. each thread stages 4 splats into workgroup memory, already in the form the inner loop
//      wants: −½a, −b, −½c (power = A·dx² + C·dy² + B·dx·dy) and ln(opacity), 32 B like the
//      ProjectedSplat it came from (colour stays f16 and is unpacked only when a pixel blends);
//   3. each thread walks the batch front to back for its 4 pixels at once (vec4 lanes, one per
//      pixel; the pixels share x, so dx is one scalar): power (skip > 0), alpha = min(0.99, o·e^power)
//      (skip < 1/255), and a pixel stops before the splat that would bring its T below 1e-4.
//      o·e^power is evaluated as e^(power + ln o), so the 1/255 test is a compare on the exponent.
// Four pixels per thread read each staged splat once for four pixels and need a quarter of the
// threads at every barrier; the blending order and arithmetic per pixel are those of one thread
// per pixel. The TILE_HEATMAP variant writes the tile's list length as a colour instead.

#include "gaussians3d_layout"

const TILE_PIXELS: u32 = TILE_SIZE * TILE_SIZE;
const PIXELS_PER_THREAD: u32 = 4u;
const THREADS: u32 = TILE_PIXELS / PIXELS_PER_THREAD;
const BATCH: u32 = TILE_PIXELS;
const ALPHA_MIN: f32 = 1.0 / 255.0;
const ALPHA_MAX: f32 = 0.99;
const LN_ALPHA_MIN: f32 = -5.541263545158426; // ln(1/255)
const T_MIN: f32 = 1e-4;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> counters: array<u32>;
@group(0) @binding(2) var<storage, read> tile_ranges: array<vec2u>;
@group(0) @binding(3) var<storage, read> splat_id_from_isect: array<u32>;
@group(0) @binding(4) var<storage, read> projected: array<ProjectedSplat>;
@group(0) @binding(5) var target_image: texture_storage_2d<rgba8unorm, write>;

// One splat as the inner loop reads it (32 B; 256 of them are 8 KiB of workgroup memory).
struct StagedSplat {
  center: vec2f,
  // −½a, −½c of the conic: power = quadratic.x·dx² + quadratic.y·dy² + cross·dx·dy.
  quadratic: vec2f,
  // −b of the conic.
  cross: f32,
  log_opacity: f32,
  // pack2x16float(r, g), pack2x16float(b, 0) as in ProjectedSplat.
  color_rg: u32,
  color_b: u32,
}

var<workgroup> batch: array<StagedSplat, BATCH>;
// Pixels of the tile that are finished (outside the image or opaque); atomic while pixels finish,
// copied into `done_snapshot` so workgroupUniformLoad can hand every thread the same value.
var<workgroup> done_count: atomic<u32>;
var<workgroup> done_snapshot: u32;

#ifdef TILE_HEATMAP
// Blue (empty) → red (≥ 4096 entries), on a log scale.
fn heat_color(entries: u32) -> vec3f {
  let t = clamp(log2(f32(entries) + 1.0) / 12.0, 0.0, 1.0);
  return vec3f(t, 1.0 - abs(2.0 * t - 1.0), 1.0 - t);
}
#endif

fn stage(slot: u32, entry: u32) {
  let s = projected[splat_id_from_isect[entry]];
  batch[slot] = StagedSplat(s.xy, -0.5 * vec2f(s.conic_xy.x, s.conic_z), -s.conic_xy.y, log(s.opacity), s.color_rg, s.color_b);
}

// How many of the 4 per-pixel flags in `mask` are set.
fn count_set(mask: vec4<bool>) -> u32 {
  return dot(select(vec4u(0u), vec4u(1u), mask), vec4u(1u));
}

@compute @workgroup_size(TILE_SIZE, THREADS / TILE_SIZE)
fn rasterize(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(local_invocation_id) local_id: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  // Read-only storage loads at a uniform address are uniform, so the whole workgroup returns.
  if counters[COUNTER_OVERFLOW] != 0u {
    return;
  }
  // This thread's pixels: column x, rows y0 .. y0 + 3.
  let x = workgroup_id.x * TILE_SIZE + local_id.x;
  let y0 = workgroup_id.y * TILE_SIZE + local_id.y * PIXELS_PER_THREAD;
  let rows = vec4u(y0, y0 + 1u, y0 + 2u, y0 + 3u);
  let inside = (rows < vec4u(uniforms.image_size.y)) & vec4<bool>(x < uniforms.image_size.x);
  let range = tile_ranges[workgroup_id.y * uniforms.tile_grid.x + workgroup_id.x];

#ifdef TILE_HEATMAP
  let heat = vec4f(heat_color(range.y - range.x), 1.0);
  for (var k = 0u; k < PIXELS_PER_THREAD; k++) {
    if inside[k] {
      textureStore(target_image, vec2u(x, rows[k]), heat);
    }
  }
#else
  let pixel_x = f32(x);
  let pixel_y = vec4f(rows);
  var transmittance = vec4f(1.0);
  var red = vec4f(0.0);
  var green = vec4f(0.0);
  var blue = vec4f(0.0);
  var done = !inside;

  if local_index == 0u {
    atomicStore(&done_count, 0u);
  }
  workgroupBarrier();
  if any(done) {
    atomicAdd(&done_count, count_set(done));
  }

  for (var start = range.x; start < range.y; start += BATCH) {
    // Step 1. The barrier also keeps the previous batch alive until every thread has used it.
    workgroupBarrier();
    if local_index == 0u {
      done_snapshot = atomicLoad(&done_count);
    }
    if workgroupUniformLoad(&done_snapshot) == TILE_PIXELS {
      break;
    }
    // Step 2.
    for (var k = 0u; k < PIXELS_PER_THREAD; k++) {
      let slot = local_index + k * THREADS;
      if start + slot < range.y {
        stage(slot, start + slot);
      }
    }
    workgroupBarrier();
    // Step 3.
    if !all(done) {
      let batch_size = min(BATCH, range.y - start);
      for (var j = 0u; j < batch_size; j++) {
        let s = batch[j];
        let dx = s.center.x - pixel_x;
        let dy = s.center.y - pixel_y;
        let power = s.quadratic.x * dx * dx + s.quadratic.y * dy * dy + s.cross * dx * dy;
        let log_alpha = power + s.log_opacity;
        let candidates = !done & (power <= vec4f(0.0)) & (log_alpha >= vec4f(LN_ALPHA_MIN));
        if !any(candidates) {
          continue;
        }
        let alpha = min(vec4f(ALPHA_MAX), exp(log_alpha));
        // exp rounding must not let a pair just past the exponent test in below 1/255.
        let blends = candidates & (alpha >= vec4f(ALPHA_MIN));
        let next_transmittance = transmittance * (1.0 - alpha);
        let stops = blends & (next_transmittance < vec4f(T_MIN));
        let applies = blends & !stops;
        let weight = select(vec4f(0.0), alpha * transmittance, applies);
        let rg = unpack2x16float(s.color_rg);
        red += weight * rg.x;
        green += weight * rg.y;
        blue += weight * unpack2x16float(s.color_b).x;
        transmittance = select(transmittance, next_transmittance, applies);
        if any(stops) {
          done |= stops;
          atomicAdd(&done_count, count_set(stops));
          if all(done) {
            break;
          }
        }
      }
    }
  }

  let background = uniforms.background.rgb;
  for (var k = 0u; k < PIXELS_PER_THREAD; k++) {
    if inside[k] {
      let rgb = vec3f(red[k], green[k], blue[k]) + transmittance[k] * background;
      textureStore(target_image, vec2u(x, rows[k]), vec4f(rgb, 1.0));
    }
  }
#endif
}
