import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadSplatBytes } from '../../src/methods/gaussians3d/load';
import { convertScene } from '../../tools/lib/convertScene';
import { DATA_DIR, expectCloudsBitwise, readData } from './formatsTestKit';

const out = mkdtempSync(join(tmpdir(), 'nerve-convert-'));

describe('convertScene (npm run convert)', () => {
  test('compressed .ply → .ply: the written file loads to the same arrays', async () => {
    const target = join(out, 'guitar.ply');
    const { cloud, bytes } = await convertScene([`${DATA_DIR}splats/compressed_ply/guitar.compressed.ply`, target]);
    expect(readFileSync(target).length).toBe(bytes);
    expectCloudsBitwise(await loadSplatBytes('guitar.ply', new Uint8Array(readFileSync(target))), cloud);
  });

  test('a SOG folder, or its meta.json, → .splat', async () => {
    const fromFolder = await convertScene([`${DATA_DIR}splats/sog/playbot/6_0`, join(out, 'a.splat')]);
    const fromMeta = await convertScene([`${DATA_DIR}splats/sog/playbot/6_0/meta.json`, join(out, 'b.splat')]);
    expect(fromFolder.bytes).toBe(1873 * 32);
    expect(readFileSync(join(out, 'a.splat'))).toEqual(readFileSync(join(out, 'b.splat')));
    expect(fromMeta.cloud.shDegree).toBe(2);
  });

  test('.spz and .ksplat inputs', async () => {
    for (const name of ['minimal-v4.spz', 'minimal.ksplat']) {
      const { cloud } = await convertScene([`${DATA_DIR}splats/fixtures/${name}`, join(out, `${name}.ply`)]);
      expect(cloud.count).toBe(4);
    }
  });

  test('usage and input errors name the problem; a failed conversion leaves no output', async () => {
    await expect(convertScene(['only-one.ply'])).rejects.toThrow(/expected an input and an output path/);
    await expect(convertScene([`${DATA_DIR}splats/fixtures/minimal.splat`, join(out, 'x.obj')])).rejects.toThrow(/must end in .ply or .splat/);
    await expect(convertScene([join(out, 'missing.spz'), join(out, 'x.ply')])).rejects.toThrow(/missing.spz does not exist/);
    const corrupt = join(out, 'corrupt.spz');
    writeFileSync(corrupt, readData('splats/fixtures/minimal-v4.spz').subarray(0, 100));
    await expect(convertScene([corrupt, join(out, 'corrupt.ply')])).rejects.toThrow(/corrupt.spz/);
    expect(existsSync(join(out, 'corrupt.ply')) || existsSync(join(out, 'corrupt.ply.partial'))).toBe(false);
  });

  test('the CLI exits non-zero with the message', () => {
    const result = spawnSync('npx', ['vite-node', 'tools/convert.ts', '--', join(out, 'missing.spz'), join(out, 'x.ply')], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('convert failed: input');
  });
});
