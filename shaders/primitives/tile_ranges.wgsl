// tileRanges: one thread per entry of a tile-sorted intersection list (identifyTileRanges of
// graphdeco-inria diff-gaussian-rasterization, ../shared/docs/gaussians.md §1.7).
//
// Reads:  count[COUNT_INDEX] = L entries, tile_ids[0..L) sorted ascending.
// Writes: ranges[tile] = [first, end) of the tile's entries. Tiles without entries are not touched:
//         the host clears `ranges` to [0, 0) before this runs, every frame.
// Each boundary between two different tile ids closes the left tile and opens the right one, so
// every written word has exactly one writer.

override WORKGROUP_SIZE: u32 = 256u;
override COUNT_INDEX: u32 = 0u;

@group(0) @binding(0) var<storage, read> count: array<u32>;
@group(0) @binding(1) var<storage, read> tile_ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> ranges: array<vec2u>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn tile_ranges(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) num_workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let entries = count[COUNT_INDEX];
  let i = (workgroup_id.y * num_workgroups.x + workgroup_id.x) * WORKGROUP_SIZE + local_index;
  if i >= entries {
    return;
  }
  let tile = tile_ids[i];
  if i == 0u {
    ranges[tile].x = 0u;
  } else {
    let previous = tile_ids[i - 1u];
    if previous != tile {
      ranges[previous].y = i;
      ranges[tile].x = i;
    }
  }
  if i == entries - 1u {
    ranges[tile].y = entries;
  }
}
