/**
 * `npm run convert -- <input> <output.ply|output.splat>`: converts a 3DGS scene between formats
 * (tools/lib/convertScene.ts). Prints what was written and every load warning; exits 1 with the
 * message on any error.
 */
import { extname } from 'node:path';
import { UsageError } from './lib/cliArgs';
import { convertScene } from './lib/convertScene';

const argv = process.argv.slice(2);
convertScene(argv)
  .then(({ cloud, bytes }) => {
    for (const warning of cloud.warnings) console.warn(`warning: ${warning}`);
    const output = argv.filter((a) => a !== '--')[1]!;
    const dropped = extname(output).toLowerCase() === '.splat' && cloud.shDegree > 0 ? ` (SH degree ${cloud.shDegree} dropped: .splat has none)` : '';
    console.log(`wrote ${output}: ${cloud.count} splats, ${bytes} bytes${dropped}`);
  })
  .catch((error: Error) => {
    console.error(error instanceof UsageError ? error.message : `convert failed: ${error.message}`);
    process.exit(1);
  });
