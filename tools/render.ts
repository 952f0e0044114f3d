/**
 * `npm run render -- <asset|scene.json> --out img.png [--width W --height H --camera cameras.json
 * --camera-index K --background r,g,b --method id]`: writes exactly the rendered frame target as a
 * PNG. Exits 1 with the message on any error. See tools/lib/cliArgs.ts for the options.
 */
import { UsageError } from './lib/cliArgs';
import { render } from './lib/renderScene';

render(process.argv.slice(2).filter((a) => a !== '--'))
  .then(({ width, height, out }) => console.log(`wrote ${out} (${width}x${height})`))
  .catch((error: Error) => {
    console.error(error instanceof UsageError ? error.message : `render failed: ${error.message}`);
    process.exit(1);
  });
