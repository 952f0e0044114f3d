// rasterize: blends each 16×16 tile's splats front to back into the frame target (renderCUDA of
// graphdeco-inria diff-gaussian-rasterization forward.cu; constants in ../shared/docs/gaussians.md §1.8).
//
// Reads:  counters[COUNTER_OVERFLOW], tile_ranges[tile] = [start, end) into the tile-sorted
//         intersection list, splat_id_from_isect (compact ids, front to back within a tile),
//         raster_splats and raster_reach (per compact id, from raster_splats.wgsl), uniforms.
// Writes: target pixel = C + T·background (rgba8unorm, alpha 1). On intersection overflow every
//         workgroup returns at once and the target keeps the previous frame.
// Per (pixel, splat), in list order: power = quadratic.x·dx² + quadratic.y·dy² + cross·dx·dy
// (skip > 0), alpha = min(0.99, e^(power + ln o)) (skip < 1/255; the exponent test first, so exp
// runs only for pairs that blend), and the pixel stops before the splat that would bring its T
// below 1e-4. Pixels go 4 at a time as vec4 lanes (blend4).
//
// Two loop structures with the same arithmetic per pixel, so the same image to the bit:
//   STAGED (default): one workgroup of 64 threads per tile, a column of 4 pixels per thread; per
//     batch of 256 list entries every thread stages 4 splats into workgroup memory, then walks the
//     batch. Each splat is read from global memory once per tile, barriers keep the batch alive,
//     and the workgroup leaves when every pixel of the tile is done. For GPUs.
//   DIRECT: no workgroup memory and no barriers: each thread owns a 4×4 pixel block and walks its
//     tile's list on its own, first skipping ahead over the splats whose reach box misses the block
//     (one 16-byte load and four compares each), then blending the next one into its 16 pixels, and
//     leaves when they are all done. For CPU emulation (SwiftShader): there every workgroup
//     zero-initialises its workgroup memory once per 4-lane SIMD group, a barrier is a coroutine
//     switch per group, and both sides of a branch run (only loops end early), so the cheap skip
//     loop is what saves the work of the pairs that cannot blend.
// RasterizePass times both on the first frames and keeps the faster (src/gpu/variantTuner.ts).
// The TILE_HEATMAP variant writes the tile's list length as a colour instead.

#include "gaussians3d_layout"
#include "gaussians3d_raster_splat"

const ALPHA_MIN: f32 = 1.0 / 255.0;
const ALPHA_MAX: f32 = 0.99;
const LN_ALPHA_MIN: f32 = -5.541263545158426; // ln(1/255)
const T_MIN: f32 = 1e-4;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> counters: array<u32>;
@group(0) @binding(2) var<storage, read> tile_ranges: array<vec2u>;
@group(0) @binding(3) var<storage, read> splat_id_from_isect: array<u32>;
@group(0) @binding(4) var<storage, read> raster_splats: array<RasterSplat>;
@group(0) @binding(5) var<storage, read> raster_reach: array<vec4f>;
@group(0) @binding(6) var target_image: texture_storage_2d<rgba8unorm, write>;

// Four pixels' running blend, one per vec4 lane.
struct Pixels4 {
  transmittance: vec4f,
  red: vec4f,
  green: vec4f,
  blue: vec4f,
  // Outside the image, or stopped (T would fall below 1e-4).
  done: vec4<bool>,
}

fn start_pixels(inside: vec4<bool>) -> Pixels4 {
  return Pixels4(vec4f(1.0), vec4f(0.0), vec4f(0.0), vec4f(0.0), !inside);
}

// Blends one splat of colour `color` into four pixels given their powers; returns the lanes that
// stopped here. No branch: on CPU emulation both sides of one would run anyway.
fn blend4(p: ptr<function, Pixels4>, power: vec4f, log_opacity: f32, color: vec3f) -> vec4<bool> {
  let log_alpha = power + log_opacity;
  let candidates = !(*p).done & (power <= vec4f(0.0)) & (log_alpha >= vec4f(LN_ALPHA_MIN));
  let alpha = min(vec4f(ALPHA_MAX), exp(log_alpha));
  // exp rounding must not let a pair just past the exponent test in below 1/255.
  let blends = candidates & (alpha >= vec4f(ALPHA_MIN));
  let next_transmittance = (*p).transmittance * (1.0 - alpha);
  let stops = blends & (next_transmittance < vec4f(T_MIN));
  let applies = blends & !stops;
  let weight = select(vec4f(0.0), alpha * (*p).transmittance, applies);
  (*p).red += weight * color.r;
  (*p).green += weight * color.g;
  (*p).blue += weight * color.b;
  (*p).transmittance = select((*p).transmittance, next_transmittance, applies);
  (*p).done |= stops;
  return stops;
}

// The RGB colour of a RasterSplat.
fn splat_color(color_rg: u32, color_b: u32) -> vec3f {
  return vec3f(unpack2x16float(color_rg), unpack2x16float(color_b).x);
}

// C + T·background of lane k.
fn final_color(p: Pixels4, k: u32) -> vec4f {
  let rgb = vec3f(p.red[k], p.green[k], p.blue[k]) + p.transmittance[k] * uniforms.background.rgb;
  return vec4f(rgb, 1.0);
}

#ifdef TILE_HEATMAP
// Blue (empty) → red (≥ 4096 entries), on a log scale.
fn heat_color(entries: u32) -> vec3f {
  let t = clamp(log2(f32(entries) + 1.0) / 12.0, 0.0, 1.0);
  return vec3f(t, 1.0 - abs(2.0 * t - 1.0), 1.0 - t);
}

@compute @workgroup_size(TILE_SIZE, TILE_SIZE / 4u)
fn rasterize(@builtin(workgroup_id) workgroup_id: vec3u, @builtin(local_invocation_id) local_id: vec3u) {
  if counters[COUNTER_OVERFLOW] != 0u {
    return;
  }
  let range = tile_ranges[workgroup_id.y * uniforms.tile_grid.x + workgroup_id.x];
  let heat = vec4f(heat_color(range.y - range.x), 1.0);
  let x = workgroup_id.x * TILE_SIZE + local_id.x;
  for (var k = 0u; k < 4u; k++) {
    let y = workgroup_id.y * TILE_SIZE + local_id.y * 4u + k;
    if x < uniforms.image_size.x && y < uniforms.image_size.y {
      textureStore(target_image, vec2u(x, y), heat);
    }
  }
}
#else
#ifdef DIRECT
// ---- DIRECT: a 4×4 block per thread, rows as Pixels4 (lanes along x) ----

const TILE_BLOCKS: u32 = TILE_SIZE / 4u;

// Powers of one splat at one row of the block: quadratic.x·dx² and cross·dx are per column
// (shared by the rows), quadratic.y·dy² per row; summed in the order STAGED sums them.
fn row_power(s: RasterSplat, column_part: vec4f, cross_dx: vec4f, dy: f32) -> vec4f {
  return column_part + s.quadratic.y * dy * dy + cross_dx * dy;
}

@compute @workgroup_size(TILE_BLOCKS * TILE_BLOCKS)
fn rasterize(@builtin(workgroup_id) workgroup_id: vec3u, @builtin(local_invocation_index) local_index: u32) {
  if counters[COUNTER_OVERFLOW] != 0u {
    return;
  }
  // Threads 4g .. 4g + 3 (one SIMD group on SwiftShader) own a 2×2 square of blocks, whose splat
  // lists overlap more than those of a 16×4 strip: fewer threads wait while one blends.
  let lane = local_index % 4u;
  let group = local_index / 4u;
  let block = vec2u((group % 2u) * 2u + lane % 2u, (group / 2u) * 2u + lane / 2u);
  let block_min = workgroup_id.xy * TILE_SIZE + block * 4u;
  let columns = vec4u(block_min.x) + vec4u(0u, 1u, 2u, 3u);
  let columns_inside = columns < vec4u(uniforms.image_size.x);
  let rows_inside = (vec4u(block_min.y) + vec4u(0u, 1u, 2u, 3u)) < vec4u(uniforms.image_size.y);
  var row0 = start_pixels(columns_inside & vec4<bool>(rows_inside.x));
  var row1 = start_pixels(columns_inside & vec4<bool>(rows_inside.y));
  var row2 = start_pixels(columns_inside & vec4<bool>(rows_inside.z));
  var row3 = start_pixels(columns_inside & vec4<bool>(rows_inside.w));
  let block_lo = vec2f(block_min);
  let block_hi = block_lo + 3.0;
  let pixel_x = vec4f(columns);
  let range = tile_ranges[workgroup_id.y * uniforms.tile_grid.x + workgroup_id.x];
  // A block wholly outside the image has nothing to do.
  var end = range.y;
  if !columns_inside.x || !rows_inside.x {
    end = range.x;
  }
  var i = range.x;
  loop {
    // Skip to the next splat whose reach box meets this block (each thread at its own position).
    var id = 0u;
    loop {
      if i >= end {
        break;
      }
      id = splat_id_from_isect[i];
      let reach = raster_reach[id];
      if all(reach.xy <= block_hi) && all(reach.zw >= block_lo) {
        break;
      }
      i++;
    }
    if i >= end {
      break;
    }
    // Blend it into the block's four rows.
    let s = raster_splats[id];
    let dx = s.center.x - pixel_x;
    let column_part = s.quadratic.x * dx * dx;
    let cross_dx = s.cross * dx;
    let dy = s.center.y - (block_lo.y + vec4f(0.0, 1.0, 2.0, 3.0));
    let color = splat_color(s.color_rg, s.color_b);
    blend4(&row0, row_power(s, column_part, cross_dx, dy.x), s.log_opacity, color);
    blend4(&row1, row_power(s, column_part, cross_dx, dy.y), s.log_opacity, color);
    blend4(&row2, row_power(s, column_part, cross_dx, dy.z), s.log_opacity, color);
    blend4(&row3, row_power(s, column_part, cross_dx, dy.w), s.log_opacity, color);
    i++;
    if all(row0.done & row1.done & row2.done & row3.done) {
      break;
    }
  }
  for (var k = 0u; k < 4u; k++) {
    if columns_inside[k] {
      if rows_inside.x { textureStore(target_image, vec2u(columns[k], block_min.y), final_color(row0, k)); }
      if rows_inside.y { textureStore(target_image, vec2u(columns[k], block_min.y + 1u), final_color(row1, k)); }
      if rows_inside.z { textureStore(target_image, vec2u(columns[k], block_min.y + 2u), final_color(row2, k)); }
      if rows_inside.w { textureStore(target_image, vec2u(columns[k], block_min.y + 3u), final_color(row3, k)); }
    }
  }
}
#else
// ---- STAGED: 64 threads per tile, a column of 4 pixels per thread, batches in workgroup memory ----

const TILE_PIXELS: u32 = TILE_SIZE * TILE_SIZE;
const THREADS: u32 = TILE_PIXELS / 4u;
const BATCH: u32 = TILE_PIXELS;

// The first 32 bytes of a RasterSplat (256 of them are 8 KiB of workgroup memory).
struct StagedSplat {
  center: vec2f,
  quadratic: vec2f,
  cross: f32,
  log_opacity: f32,
  color_rg: u32,
  color_b: u32,
}

var<workgroup> batch: array<StagedSplat, BATCH>;
// Pixels of the tile that are finished (outside the image or stopped); atomic while pixels finish,
// copied into `done_snapshot` so workgroupUniformLoad can hand every thread the same value.
var<workgroup> done_count: atomic<u32>;
var<workgroup> done_snapshot: u32;

fn stage(slot: u32, entry: u32) {
  let id = splat_id_from_isect[entry];
  batch[slot] = StagedSplat(
    raster_splats[id].center,
    raster_splats[id].quadratic,
    raster_splats[id].cross,
    raster_splats[id].log_opacity,
    raster_splats[id].color_rg,
    raster_splats[id].color_b,
  );
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
  let y0 = workgroup_id.y * TILE_SIZE + local_id.y * 4u;
  let rows = vec4u(y0, y0 + 1u, y0 + 2u, y0 + 3u);
  let inside = (rows < vec4u(uniforms.image_size.y)) & vec4<bool>(x < uniforms.image_size.x);
  let range = tile_ranges[workgroup_id.y * uniforms.tile_grid.x + workgroup_id.x];
  let pixel_x = f32(x);
  let pixel_y = vec4f(rows);
  var pixels = start_pixels(inside);

  if local_index == 0u {
    atomicStore(&done_count, 0u);
  }
  workgroupBarrier();
  if any(pixels.done) {
    atomicAdd(&done_count, count_set(pixels.done));
  }

  for (var start = range.x; start < range.y; start += BATCH) {
    // Stop when every pixel of the tile is done (a workgroup-uniform count, so the whole workgroup
    // leaves together and the barriers stay in uniform control flow). The barrier also keeps the
    // previous batch alive until every thread has used it.
    workgroupBarrier();
    if local_index == 0u {
      done_snapshot = atomicLoad(&done_count);
    }
    if workgroupUniformLoad(&done_snapshot) == TILE_PIXELS {
      break;
    }
    for (var k = 0u; k < 4u; k++) {
      let slot = local_index + k * THREADS;
      if start + slot < range.y {
        stage(slot, start + slot);
      }
    }
    workgroupBarrier();
    if !all(pixels.done) {
      let batch_size = min(BATCH, range.y - start);
      for (var j = 0u; j < batch_size; j++) {
        let s = batch[j];
        // The 4 pixels share x, so dx is one scalar.
        let dx = s.center.x - pixel_x;
        let dy = s.center.y - pixel_y;
        let power = s.quadratic.x * dx * dx + s.quadratic.y * dy * dy + s.cross * dx * dy;
        // Most pairs cannot blend: on a GPU the exponent test alone lets them pass cheaply.
        if any(power + s.log_opacity >= vec4f(LN_ALPHA_MIN)) {
          let stops = blend4(&pixels, power, s.log_opacity, splat_color(s.color_rg, s.color_b));
          if any(stops) {
            atomicAdd(&done_count, count_set(stops));
            if all(pixels.done) {
              break;
            }
          }
        }
      }
    }
  }

  for (var k = 0u; k < 4u; k++) {
    if inside[k] {
      textureStore(target_image, vec2u(x, rows[k]), final_color(pixels, k));
    }
  }
}
#endif
#endif
