// The control block and per-pass parameters of the portable and serial radix sorts (include
// "sort_control"). TS mirror: `SortControlLayout` and `PASS_PARAMS_STRIDE` in src/primitives/portableSort.ts.

struct SortControl {
  count: u32,            // byte 0: keys to sort (a GPU count is clamped to maxCount)
  block_count: u32,      // byte 4: ceil(count / KEYS_PER_BLOCK), blocks of the count and scatter kernels
  histogram_count: u32,  // byte 8: RADIX * block_count, the element count of the histogram scan
  unused: u32,           // byte 12
  block_grid: vec4u,     // byte 16: indirect dispatch (x, y, z, -) of the count and scatter kernels (blocks per workgroup: 1 portable, WORKGROUP_SIZE serial)
  copy_grid: vec4u,      // byte 32: indirect dispatch (x, y, z, -) of the copy-back kernel
}

// One entry per (digit pass, digits bits), at 256-byte strides for dynamic uniform offsets.
struct PassParams {
  shift: u32,       // first key bit of this pass's digit
  digit_mask: u32,  // (1 << digit bits) - 1; fewer than 8 bits in the last pass when bits % 8 != 0
}

const RADIX = 256u;
