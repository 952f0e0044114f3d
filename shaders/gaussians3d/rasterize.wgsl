// rasterize: one 16×16 workgroup per tile, one thread per pixel (renderCUDA of graphdeco-inria
// diff-gaussian-rasterization forward.cu; constants in ../shared/docs/gaussians.md §1.8).
//
// Reads:  counters[COUNTER_OVERFLOW], tile_ranges[tile] = [start, end) into the tile-sorted
//         intersection list, splat_id_from_isect (compact ids, front to back within a tile),
//         projected (ProjectedSplat per compact id), uniforms (image size, background).
// Writes: target pixel = C + T·background (rgba8unorm, alpha 1). On intersection overflow the
//         workgroup returns at once and the target keeps the previous frame.
// Steps, per batch of 256 entries of the tile's list:
//   1. stop when every pixel of the tile is done (a workgroup-uniform count, so the whole
//      workgroup leaves the loop together and barriers stay in uniform control flow);
//   2. each thread stages one splat into workgroup memory, already in the form the inner loop
//      wants: −½a, −b, −½c (power = A·dx² + C·dy² + B·dx·dy) and ln(opacity), 32 B like the
//      ProjectedSplat it came from (colour stays f16 and is unpacked only by pixels that blend);
//   3. each pixel that is not done blends the batch front to back:
//      power (skip > 0), alpha = min(0.99, o·e^power) (skip < 1/255), and stop before the splat
//      that would bring T below 1e-4. o·e^power is evaluated as e^(power + ln o): the 1/255 test is
//      then a compare on the exponent, and the exp runs only for pairs that blend.
// The TILE_HEATMAP variant writes the tile's list length as a colour instead (debug view).

#include "gaussians3d_layout"

const BATCH: u32 = TILE_SIZE * TILE_SIZE;
const ALPHA_MIN: f32 = 1.0 / 255.0;
const ALPHA_MAX: f32 = 0.99;
const T_MIN: f32 = 1e-4;

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> counters: array<u32>;
@group(0) @binding(2) var<storage, read> tile_ranges: array<vec2u>;
@group(0) @binding(3) var<storage, read> splat_id_from_isect: array<u32>;
@group(0) @binding(4) var<storage, read> projected: array<ProjectedSplat>;
@group(0) @binding(5) var target_image: texture_storage_2d<rgba8unorm, write>;

const LN_ALPHA_MIN: f32 = -5.541263545158426; // ln(1/255)

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

@compute @workgroup_size(TILE_SIZE, TILE_SIZE)
fn rasterize(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(local_invocation_id) local_id: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  // Read-only storage loads at a uniform address are uniform, so the whole workgroup returns.
  if counters[COUNTER_OVERFLOW] != 0u {
    return;
  }
  let pixel = workgroup_id.xy * TILE_SIZE + local_id.xy;
  let inside = all(pixel < uniforms.image_size);
  let range = tile_ranges[workgroup_id.y * uniforms.tile_grid.x + workgroup_id.x];

#ifdef TILE_HEATMAP
  if inside {
    textureStore(target_image, pixel, vec4f(heat_color(range.y - range.x), 1.0));
  }
#else
  let pixel_f = vec2f(pixel);
  var transmittance = 1.0;
  var color = vec3f(0.0);
  var done = !inside;

  if local_index == 0u {
    atomicStore(&done_count, 0u);
  }
  workgroupBarrier();
  if done {
    atomicAdd(&done_count, 1u);
  }

  for (var start = range.x; start < range.y; start += BATCH) {
    // Step 1. The barrier also keeps the previous batch alive until every thread has used it.
    workgroupBarrier();
    if local_index == 0u {
      done_snapshot = atomicLoad(&done_count);
    }
    if workgroupUniformLoad(&done_snapshot) == BATCH {
      break;
    }
    // Step 2.
    let entry = start + local_index;
    if entry < range.y {
      let s = projected[splat_id_from_isect[entry]];
      batch[local_index] = StagedSplat(
        s.xy,
        -0.5 * vec2f(s.conic_xy.x, s.conic_z),
        -s.conic_xy.y,
        log(s.opacity),
        s.color_rg,
        s.color_b,
      );
    }
    workgroupBarrier();
    // Step 3.
    if !done {
      let batch_size = min(BATCH, range.y - start);
      for (var j = 0u; j < batch_size; j++) {
        let s = batch[j];
        let d = s.center - pixel_f;
        let power = s.quadratic.x * d.x * d.x + s.quadratic.y * d.y * d.y + s.cross * d.x * d.y;
        let log_alpha = power + s.log_opacity;
        if power > 0.0 || log_alpha < LN_ALPHA_MIN {
          continue;
        }
        let alpha = min(ALPHA_MAX, exp(log_alpha));
        // exp rounding must not let a pair just past the exponent test in below 1/255.
        if alpha < ALPHA_MIN {
          continue;
        }
        let next_transmittance = transmittance * (1.0 - alpha);
        if next_transmittance < T_MIN {
          done = true;
          atomicAdd(&done_count, 1u);
          break;
        }
        let rgb = vec3f(unpack2x16float(s.color_rg), unpack2x16float(s.color_b).x);
        color += rgb * (alpha * transmittance);
        transmittance = next_transmittance;
      }
    }
  }

  if inside {
    textureStore(target_image, pixel, vec4f(color + transmittance * uniforms.background.rgb, 1.0));
  }
#endif
}
