/**
 * `npm run bench:peers -- [scene.json | asset.ply ...] [--frames N --warmup N --width W --height H
 * --peers playcanvas,spark --settle-timeout S --json out.json --images dir]`: nerve, PlayCanvas and
 * Spark on the same scenes, camera, size and browser; frame ms, ratio to nerve and PSNR against the
 * CPU reference, as a table on stderr and optionally JSON. See tools/lib/peersBench.ts.
 */
import { UsageError } from './lib/cliArgs';
import { benchPeers } from './lib/peersBench';

benchPeers(process.argv.slice(2).filter((a) => a !== '--')).catch((error: Error) => {
  console.error(error instanceof UsageError ? error.message : `bench:peers failed: ${error.message}`);
  process.exit(1);
});
