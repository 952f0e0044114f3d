/**
 * Big synthetic scenes made of a real one: copies of a SplatCloud on a square grid in the x-z plane
 * (the scaling benchmark, the load-memory measurement and the big-scene tests).
 */
import { splatBounds } from '../../src/methods/gaussians3d';
import { allocateSplatCloud, type SplatCloud } from '../../src/methods/gaussians3d/splatCloud';

/** `cloud` repeated on an nx × nz grid in the x-z plane, `spacing` apart (copies in row-major order). */
export function tileCloud(cloud: SplatCloud, nx: number, nz: number, spacing: number): SplatCloud {
  return tileCopies(cloud, nx * nz, nx, spacing, cloud.count * nx * nz);
}

/**
 * Exactly `count` splats: as many copies of `cloud` as that takes (the last one cut short) on the
 * smallest square grid holding them, spaced 2.2 bounding radii apart so copies do not overlap.
 */
export function tileToCount(cloud: SplatCloud, count: number): SplatCloud {
  const copies = Math.ceil(count / cloud.count);
  const side = Math.ceil(Math.sqrt(copies));
  return tileCopies(cloud, copies, side, 2.2 * splatBounds(cloud).radius, count);
}

function tileCopies(cloud: SplatCloud, copies: number, columns: number, spacing: number, count: number): SplatCloud {
  const tiled = allocateSplatCloud(count, cloud.shDegree);
  const k = cloud.sh.length / Math.max(1, cloud.count);
  for (let copy = 0; copy < copies; copy++) {
    const first = copy * cloud.count;
    const n = Math.min(cloud.count, count - first);
    if (n <= 0) break;
    const dx = (copy % columns) * spacing;
    const dz = Math.floor(copy / columns) * spacing;
    for (let i = 0; i < n; i++) {
      const j = first + i;
      tiled.positions[3 * j] = cloud.positions[3 * i]! + dx;
      tiled.positions[3 * j + 1] = cloud.positions[3 * i + 1]!;
      tiled.positions[3 * j + 2] = cloud.positions[3 * i + 2]! + dz;
    }
    tiled.scales.set(cloud.scales.subarray(0, 3 * n), 3 * first);
    tiled.rotations.set(cloud.rotations.subarray(0, 4 * n), 4 * first);
    tiled.opacities.set(cloud.opacities.subarray(0, n), first);
    tiled.sh.set(cloud.sh.subarray(0, k * n), k * first);
  }
  return tiled;
}
