/**
 * The viewer timeline of dynamic content (src/viewer/timeline.ts) and the bench's time sweep
 * (tools/lib/benchScenes.ts sceneTimes, formatTimeSweep; --times / --time-sweep parsing), plus the
 * 4D method's content sniffing and evaluated SH degrees.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sniffDynamicScene } from '../../src/methods/gaussians4d';
import { evaluatedShDegrees } from '../../src/methods/gaussians4d/params';
import { BASE_SWEEP_SECONDS, Timeline } from '../../src/viewer/timeline';
import { formatTimeSweep, sceneTimes } from '../../tools/lib/benchScenes';
import type { SceneBench } from '../../tools/lib/benchStats';
import { parseBenchArgs, UsageError } from '../../tools/lib/cliArgs';
import { readData, writeFloatPly } from './gaussians4dTestKit';

describe('Timeline', () => {
  test('plays over the span at the base rate × speed, loops, or stops at the end', () => {
    const t = new Timeline();
    t.setRange([0, 1]);
    // A [0, 1] span sweeps in BASE_SWEEP_SECONDS at speed 1.
    expect(t.baseRate).toBe(1 / BASE_SWEEP_SECONDS);
    expect(t.advance(1)).toBe(0);
    t.playing = true;
    expect(t.advance(1)).toBeCloseTo(0.25, 15);
    t.speed = 2;
    expect(t.advance(1)).toBeCloseTo(0.75, 15);
    expect(t.advance(0.75)).toBeCloseTo(0.125, 12);
    t.loop = false;
    t.scrub(0.9);
    expect(t.advance(1)).toBe(1);
    expect(t.playing).toBe(false);
    t.togglePlaying();
    expect([t.time, t.playing]).toEqual([0, true]);
  });

  test('long spans play in real time; scrubbing clamps; a new span keeps the time inside it', () => {
    const t = new Timeline();
    t.setRange([2, 12]);
    expect(t.baseRate).toBe(1);
    t.scrub(50);
    expect(t.time).toBe(12);
    t.scrub(-1);
    expect(t.time).toBe(2);
    t.scrub(NaN);
    expect(t.time).toBe(2);
    t.scrub(7);
    t.setRange([0, 1]);
    expect(t.time).toBe(1);
    expect(t.label()).toBe('time 1.000 of [0, 1] ❚❚ 1× loop');
    expect(() => t.setRange([1, 1])).toThrow(/end > start/);
    expect(() => t.setRange([0, Infinity])).toThrow(/finite/);
  });

  test('without a span (static content) time runs in seconds from 0 without end', () => {
    const t = new Timeline();
    t.setRange(null);
    expect(t.bounded).toBe(false);
    t.playing = true;
    t.speed = 1;
    expect(t.advance(3)).toBe(3);
    expect(t.advance(100)).toBe(103);
    t.scrub(-5);
    expect(t.time).toBe(0);
  });
});

describe('bench time sweep', () => {
  test('--times and --time-sweep parse, exclude each other and are checked', () => {
    expect(parseBenchArgs(['a.json', '--times', '0, 0.25,1'])).toMatchObject({ times: [0, 0.25, 1] });
    expect(parseBenchArgs(['a.json', '--time-sweep', '5'])).toMatchObject({ timeSweep: 5 });
    expect(() => parseBenchArgs(['a.json', '--times', '0', '--time-sweep', '3'])).toThrow(/give one of them/);
    expect(() => parseBenchArgs(['a.json', '--times', '0,x'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['a.json', '--times', '0,x'])).toThrow(/--times x: expected a finite number/);
    expect(() => parseBenchArgs(['a.json', '--time-sweep', '1'])).toThrow(/--time-sweep 1: expected an integer in \[2, 10000\]/);
  });

  test('times: explicit, evenly over the span, else the scene time', () => {
    expect(sceneTimes({ times: [0.3] }, [0, 1], 0)).toEqual([0.3]);
    expect(sceneTimes({ timeSweep: 5 }, [0, 1], 0)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(sceneTimes({ timeSweep: 3 }, [2, 12], 0)).toEqual([2, 7, 12]);
    expect(sceneTimes({ timeSweep: 3 }, null, 0.4)).toEqual([0.4]);
    expect(sceneTimes({}, [0, 1], 0.4)).toEqual([0.4]);
  });

  test('the sweep table puts the projection (slicing) stage apart from the passes after it', () => {
    const result = (scene: string, byPass: Record<string, number>, visible: number) => ({ scene, gpuMsByPass: byPass, stats: { visible } }) as unknown as SceneBench;
    const lines = formatTimeSweep([result('h @ t=0', { projectSplatv: 1.5, depthSort: 2, rasterize: 3 }, 10), result('h @ t=1', { projectSplatv: 1.25, depthSort: 1, rasterize: 1 }, 7)]);
    expect(lines[0]).toBe('  time sweep (median GPU ms): projectSplatv (slice + project) vs the passes after it');
    expect(lines[1]).toMatch(/h @ t=0 +projectSplatv 1\.500 {2}rest 5\.000 {2}visible 10/);
    expect(lines[2]).toMatch(/projectSplatv 1\.250 {2}rest 2\.000 {2}visible 7/);
    expect(formatTimeSweep([result('x', {}, 0)])).toEqual(['  time sweep: no GPU timestamps on this adapter']);
  });
});

describe('method', () => {
  test('sniffs .splatv and 4D .ply (properties or the converter comment in the first 64 bytes), not 3D PLY', () => {
    expect(sniffDynamicScene(readData('dynamic/hanabi_splatv/hanabi2.splatv').subarray(0, 64))).toBe(true);
    const fixture = new Uint8Array(readFileSync(fileURLToPath(new URL('../fixtures/gaussians4d/convert4dgs_isoclinic.ply', import.meta.url))));
    expect(sniffDynamicScene(fixture.subarray(0, 64))).toBe(true);
    const plain4d = writeFloatPly(1, [['x', () => 0], ['t', () => 0], ['scale_t', () => 0]]);
    expect(sniffDynamicScene(plain4d.subarray(0, 512))).toBe(true);
    expect(sniffDynamicScene(readData('splats/ply/donut_sh0.ply').subarray(0, 64))).toBe(false);
    expect(sniffDynamicScene(readData('splats/ply/donut_sh0.ply').subarray(0, 2048))).toBe(false);
  });

  test('temporal SH only at spatial degree 3, both clamped to what is stored', () => {
    expect(evaluatedShDegrees({ shDegree: 3, shDegreeT: 2 }, { shDegree: 3, shDegreeT: 2 })).toEqual([3, 2]);
    expect(evaluatedShDegrees({ shDegree: 2, shDegreeT: 2 }, { shDegree: 3, shDegreeT: 2 })).toEqual([2, 0]);
    expect(evaluatedShDegrees({ shDegree: 3, shDegreeT: 2 }, { shDegree: 3, shDegreeT: 1 })).toEqual([3, 1]);
    expect(evaluatedShDegrees({ shDegree: 3.7, shDegreeT: -1 }, { shDegree: 0, shDegreeT: 0 })).toEqual([0, 0]);
  });
});
