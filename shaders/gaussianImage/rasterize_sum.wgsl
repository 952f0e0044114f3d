// rasterizeSum: GaussianImage's "accumulated summation" (rasterize_forward_sum of
// XingtongGe/gsplat@bcca3ec forward.cu; paper: Zhang et al., GaussianImage, ECCV 2024, eq. 6;
// ../shared/docs/gaussians.md §3.3).
//
// Reads:  tile_ranges[tile] = [start, end) of the tile's entries in the tile-sorted lists,
//         gaussian_from_isect (sorted values), projected, uniforms; DIRECT: reach (project.wgsl).
// Writes: default: decoded_image (rgba8unorm) = clamp(C, 0, 1), alpha 1.
//         TRAINING: image[pixel] = clamp(C, 0, 1); pixel_grad[pixel] = (dL/dC for the L2 loss, zero
//         where the clamp is active as torch.clamp's gradient; |clamp(C) − target|² in w, which
//         tile_loss.wgsl sums per tile when the loss is reported).
// Each pixel walks the tile's list (capped at uniforms.tile_entry_cap) and adds c·w for every
// Gaussian with σ ≥ 0 and w = exp(−σ) ≥ 1/255. No sort and no transmittance: the sum does not
// depend on the order of the list, and no pixel finishes early.
//
// Gaussians are read straight from storage, not staged in workgroup memory in batches as the CUDA
// kernel does: on SwiftShader the staged version measured 7× slower (274 ms against 40 ms for a
// 128×96 image with 500 Gaussians), its barriers and workgroup loads being expensive.
//
// Two loop structures with the same arithmetic per pixel, summed in list order, so the same image
// to the bit:
//   PER-PIXEL (default): one 16×16 workgroup per tile, one thread per pixel; every thread reads the
//     same entry at the same time (a broadcast from cache on GPUs). For GPUs.
//   DIRECT: 16 threads per tile, each owning a 4×4 pixel block (rows as vec4 lanes along x), which
//     walks its tile's list on its own, first skipping the Gaussians whose reach box misses the
//     block (one 16-byte load and four compares each), then adding the next one to its 16 pixels
//     without branches. For CPU emulation (SwiftShader): there both sides of a branch run and only
//     loops end early, so the per-pixel version pays σ and exp for every (pixel, entry) pair and
//     the skip loop is what saves the pairs that cannot add anything. As shaders/gaussians3d
//     rasterize.wgsl DIRECT.
// RasterizePass and TrainingForwardPass time both on the first frames and keep the faster
// (src/gpu/variantTuner.ts).
//
// The reference kernel's quirk: its batch loop sets `done` after the first batch, so it sums only
// the first 256 entries of each tile. We diverge by default (tile_entry_cap = 0xffffffff, every
// entry is summed, which is the paper's formula) and reproduce it with tile_entry_cap = 256; the
// backward pass honours the same cap, so training stays consistent either way.

#include "gaussian_image_layout"

@group(0) @binding(0) var<uniform> uniforms: FrameUniforms;
@group(0) @binding(1) var<storage, read> tile_ranges: array<vec2u>;
@group(0) @binding(2) var<storage, read> gaussian_from_isect: array<u32>;
@group(0) @binding(3) var<storage, read> projected: array<ProjectedGaussian>;
#ifdef TRAINING
@group(0) @binding(4) var<storage, read> target_image: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> image: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> pixel_grad: array<vec4f>;
#ifdef DIRECT
@group(0) @binding(7) var<storage, read> reach: array<vec4f>;
#endif
#else
@group(0) @binding(4) var decoded_image: texture_storage_2d<rgba8unorm, write>;
#ifdef DIRECT
@group(0) @binding(5) var<storage, read> reach: array<vec4f>;
#endif
#endif

// The end of a tile's list: range.x + cap could wrap for the "no cap" value, so cap the length.
fn capped_end(range: vec2u) -> u32 {
  return range.x + min(range.y - range.x, uniforms.tile_entry_cap);
}

// Stores a pixel inside the image given its sum C.
fn write_pixel(pixel: vec2u, color: vec3f) {
  let clamped = clamp(color, vec3f(0.0), vec3f(1.0));
#ifdef TRAINING
  let index = pixel.y * uniforms.image_size.x + pixel.x;
  let error = clamped - target_image[index].rgb;
  let passes = (color >= vec3f(0.0)) & (color <= vec3f(1.0));
  image[index] = vec4f(clamped, 1.0);
  pixel_grad[index] = vec4f(select(vec3f(0.0), uniforms.pixel_grad_scale * error, passes), dot(error, error));
#else
  textureStore(decoded_image, pixel, vec4f(clamped, 1.0));
#endif
}

#ifdef DIRECT
const TILE_BLOCKS: u32 = TILE_SIZE / 4u;

// Sums of one row of four pixels, one per lane.
struct Row {
  red: vec4f,
  green: vec4f,
  blue: vec4f,
}

// σ at one row: A·dx² and B·dx are per column (shared by the rows), C·dy² per row; the operations
// and their order are the per-pixel version's, so σ is the same to the bit.
fn row_sigma(g: ProjectedGaussian, column_part: vec4f, cross_dx: vec4f, dy: f32) -> vec4f {
  return 0.5 * (column_part + g.conic_c_color.x * dy * dy) + cross_dx * dy;
}

// Adds c·w to the lanes with σ ≥ 0 and w ≥ 1/255 (the per-pixel version's two `continue`s, NaN
// included); select keeps the other lanes' sums untouched, so no −0 or +0 is added.
fn add_row(row: ptr<function, Row>, sigma: vec4f, color: vec3f) {
  let w = exp(-sigma);
  let adds = !(sigma < vec4f(0.0)) & !(w < vec4f(WEIGHT_CUT));
  (*row).red = select((*row).red, (*row).red + color.r * w, adds);
  (*row).green = select((*row).green, (*row).green + color.g * w, adds);
  (*row).blue = select((*row).blue, (*row).blue + color.b * w, adds);
}

fn write_row(row: Row, y: u32, columns: vec4u, columns_inside: vec4<bool>) {
  for (var k = 0u; k < 4u; k++) {
    if columns_inside[k] {
      write_pixel(vec2u(columns[k], y), vec3f(row.red[k], row.green[k], row.blue[k]));
    }
  }
}

@compute @workgroup_size(TILE_BLOCKS * TILE_BLOCKS)
fn rasterize_sum(@builtin(workgroup_id) workgroup_id: vec3u, @builtin(local_invocation_index) local_index: u32) {
  // Threads 4g .. 4g + 3 (one SIMD group on SwiftShader) own a 2×2 square of blocks, whose lists
  // of Gaussians that reach them overlap more than those of a 16×4 strip.
  let lane = local_index % 4u;
  let group = local_index / 4u;
  let block = vec2u((group % 2u) * 2u + lane % 2u, (group / 2u) * 2u + lane / 2u);
  let block_min = workgroup_id.xy * TILE_SIZE + block * 4u;
  let columns = vec4u(block_min.x) + vec4u(0u, 1u, 2u, 3u);
  let columns_inside = columns < vec4u(uniforms.image_size.x);
  let rows_inside = (vec4u(block_min.y) + vec4u(0u, 1u, 2u, 3u)) < vec4u(uniforms.image_size.y);
  let block_lo = vec2f(block_min);
  let block_hi = block_lo + 3.0;
  let pixel_x = vec4f(columns);
  let range = tile_ranges[workgroup_id.y * uniforms.tile_grid.x + workgroup_id.x];
  // A block wholly outside the image has nothing to do.
  var end = capped_end(range);
  if !columns_inside.x || !rows_inside.x {
    end = range.x;
  }
  var row0 = Row(vec4f(0.0), vec4f(0.0), vec4f(0.0));
  var row1 = row0;
  var row2 = row0;
  var row3 = row0;
  var entry = range.x;
  loop {
    // Skip to the next Gaussian whose reach box meets this block (each thread at its own entry).
    var id = 0u;
    loop {
      if entry >= end {
        break;
      }
      id = gaussian_from_isect[entry];
      let box = reach[id];
      if all(box.xy <= block_hi) && all(box.zw >= block_lo) {
        break;
      }
      entry++;
    }
    if entry >= end {
      break;
    }
    let g = projected[id];
    let dx = g.center_conic_ab.x - pixel_x;
    let column_part = g.center_conic_ab.z * dx * dx;
    let cross_dx = g.center_conic_ab.w * dx;
    let dy = g.center_conic_ab.y - (block_lo.y + vec4f(0.0, 1.0, 2.0, 3.0));
    let color = g.conic_c_color.yzw;
    add_row(&row0, row_sigma(g, column_part, cross_dx, dy.x), color);
    add_row(&row1, row_sigma(g, column_part, cross_dx, dy.y), color);
    add_row(&row2, row_sigma(g, column_part, cross_dx, dy.z), color);
    add_row(&row3, row_sigma(g, column_part, cross_dx, dy.w), color);
    entry++;
  }
  if rows_inside.x { write_row(row0, block_min.y, columns, columns_inside); }
  if rows_inside.y { write_row(row1, block_min.y + 1u, columns, columns_inside); }
  if rows_inside.z { write_row(row2, block_min.y + 2u, columns, columns_inside); }
  if rows_inside.w { write_row(row3, block_min.y + 3u, columns, columns_inside); }
}
#else
@compute @workgroup_size(TILE_SIZE, TILE_SIZE)
fn rasterize_sum(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(local_invocation_id) local_id: vec3u,
) {
  let pixel = workgroup_id.xy * TILE_SIZE + local_id.xy;
  let pixel_f = vec2f(pixel);
  let range = tile_ranges[workgroup_id.y * uniforms.tile_grid.x + workgroup_id.x];
  let end = capped_end(range);

  var color = vec3f(0.0);
  for (var entry = range.x; entry < end; entry++) {
    let g = projected[gaussian_from_isect[entry]];
    let d = g.center_conic_ab.xy - pixel_f;
    let sigma = 0.5 * (g.center_conic_ab.z * d.x * d.x + g.conic_c_color.x * d.y * d.y) + g.center_conic_ab.w * d.x * d.y;
    if sigma < 0.0 {
      continue;
    }
    let w = exp(-sigma);
    if w < WEIGHT_CUT {
      continue;
    }
    color += g.conic_c_color.yzw * w;
  }
  if all(pixel < uniforms.image_size) {
    write_pixel(pixel, color);
  }
}
#endif
