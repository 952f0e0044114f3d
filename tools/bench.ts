/**
 * `npm run bench -- <scene.json ...> [--frames N --warmup N --width W --height H --json out.json
 * --baseline base.json --tolerance 0.10]`: median and p95 frame ms (wall and GPU), GPU ms per pass,
 * memory, adapter and paper ratio per scene. With --baseline it exits 1 when a scene got slower than
 * the tolerance (compared only on the same adapter and resolution). See tools/lib/cliArgs.ts.
 */
import { bench } from './lib/benchScenes';
import { UsageError } from './lib/cliArgs';

bench(process.argv.slice(2).filter((a) => a !== '--'))
  .then(({ regressions }) => {
    if (regressions.length) {
      console.error(`${regressions.length} scene(s) slower than the baseline allows:\n  ${regressions.join('\n  ')}`);
      process.exit(1);
    }
  })
  .catch((error: Error) => {
    console.error(error instanceof UsageError ? error.message : `bench failed: ${error.message}`);
    process.exit(1);
  });
