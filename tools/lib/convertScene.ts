/**
 * `npm run convert -- <input> <output.ply|output.splat>`: any 3DGS scene this project reads (INRIA
 * or compressed .ply, .splat, .ksplat, .spz, .sog, or a SOG folder / its meta.json) written as an
 * INRIA binary .ply (SH kept, values exact) or an antimatter15 .splat (SH dropped). The output is
 * written to `<output>.partial` and renamed when complete, so a failure never leaves half a file.
 */
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { loadSplatBundle } from '../../src/formats/openBundle';
import { inriaPlyChunks, splatChunks } from '../../src/formats/writers';
import { loadSplatBytes } from '../../src/methods/gaussians3d/load';
import type { SplatCloud } from '../../src/methods/gaussians3d/splatCloud';
import { UsageError } from './cliArgs';
import { bundleFromPath } from './fileBundle';

export const CONVERT_USAGE = `usage: npm run convert -- <input> <output.ply|output.splat>
  input    .ply (INRIA or SuperSplat compressed), .splat, .ksplat, .spz, .sog, a SOG folder or its meta.json
  output   .ply: INRIA 3DGS binary PLY with all SH; .splat: antimatter15 format (no SH beyond colour)`;

const WRITERS: Record<string, (cloud: SplatCloud) => Generator<Uint8Array>> = { '.ply': inriaPlyChunks, '.splat': splatChunks };

export interface ConvertResult {
  cloud: SplatCloud;
  bytes: number;
}

export async function convertScene(argv: string[]): Promise<ConvertResult> {
  const paths = argv.filter((a) => a !== '--');
  if (paths.length !== 2 || paths.some((p) => p.startsWith('-'))) throw new UsageError(`expected an input and an output path\n${CONVERT_USAGE}`);
  const [input, output] = paths as [string, string];
  const write = WRITERS[extname(output).toLowerCase()];
  if (!write) throw new UsageError(`output ${output}: the file name must end in .ply or .splat\n${CONVERT_USAGE}`);
  if (resolve(input) === resolve(output)) throw new UsageError(`output ${output} is the input; choose another name`);

  const info = await stat(input).catch(() => {
    throw new Error(`input ${input} does not exist`);
  });
  const cloud =
    info.isDirectory() || basename(input) === 'meta.json'
      ? await loadSplatBundle(await bundleFromPath(info.isDirectory() ? input : dirname(input)))
      : await loadSplatBytes(basename(input), new Uint8Array(await readFile(input)));

  const partial = `${output}.partial`;
  const file = await open(partial, 'w');
  let bytes = 0;
  try {
    for (const chunk of write(cloud)) {
      await file.write(chunk);
      bytes += chunk.length;
    }
    await file.close();
    await rename(partial, output);
  } catch (error) {
    await file.close().catch(() => {});
    await rm(partial, { force: true });
    throw error;
  }
  return { cloud, bytes };
}
