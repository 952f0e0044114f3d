import { describe, expect, test } from 'vitest';
import { compareWithBaseline, distribution, median, quantile, summarize, type BenchReport, type SceneBench } from '../../tools/lib/benchStats';
import type { BenchFrames } from '../../src/viewer/hooks';

function frames(wall: number[], gpu: Array<Record<string, number>>): BenchFrames {
  return {
    method: 'testPattern',
    asset: 'a.ply',
    width: 320,
    height: 240,
    wallMs: wall,
    gpuMs: gpu,
    timestamps: true,
    memoryBytes: 100,
    memoryByOwner: { Viewer: 100 },
    stats: {},
    paperRate: { fps: 100, gpu: 'RTX A6000', resolution: '1920x1080', source: 's' },
  };
}

describe('bench statistics', () => {
  test('median and nearest-rank p95', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(quantile(values, 0.95)).toBe(19);
    expect(quantile([7], 0.95)).toBe(7);
    expect(distribution([5, 1, 3])).toEqual({ median: 3, p95: 5, mean: 3, min: 1, max: 5 });
  });

  test('summary: GPU totals per frame, per-pass medians, paper ratio from the GPU median', () => {
    const r = summarize('s.json', 'gpu', frames([10, 12, 11], [{ a: 1, b: 4 }, { a: 2, b: 3 }, { a: 3, b: 7 }]));
    expect(r.gpuMs!.median).toBe(5);
    expect(r.gpuMsByPass).toEqual({ a: 2, b: 4 });
    expect(r.wallMs.median).toBe(11);
    expect(r.paperRatio).toBeCloseTo(1000 / 5 / 100, 12);
    const noTimestamps = summarize('s.json', 'gpu', frames([10, 20], [{}, {}]));
    expect(noTimestamps.gpuMs).toBeNull();
    expect(noTimestamps.paperRatio).toBeCloseTo(1000 / 15 / 100, 12);
  });

  test('baseline: regressions beyond the tolerance fail; other adapters or sizes are not compared', () => {
    const base = summarize('s.json', 'gpu A', frames([10], [{ a: 10 }]));
    const report = (r: SceneBench): BenchReport => ({ date: '', adapter: r.adapter, results: [r] });
    const slower = summarize('s.json', 'gpu A', frames([10], [{ a: 11.5 }]));
    const within = summarize('s.json', 'gpu A', frames([10], [{ a: 10.9 }]));
    const elsewhere = summarize('s.json', 'gpu B', frames([10], [{ a: 50 }]));
    const bigger = { ...slower, width: 640 };
    expect(compareWithBaseline(report(slower), report(base), 0.1).regressions).toHaveLength(1);
    expect(compareWithBaseline(report(slower), report(base), 0.1).lines[0]).toContain('median GPU ms 10.000 -> 11.500 (+15.0%, tolerance 10%): SLOWER');
    expect(compareWithBaseline(report(within), report(base), 0.1).regressions).toHaveLength(0);
    const other = compareWithBaseline(report(elsewhere), report(base), 0.1);
    expect(other.regressions).toHaveLength(0);
    expect(other.lines[0]).toContain("not compared: baseline ran on 'gpu A' at 320x240, this run on 'gpu B'");
    expect(compareWithBaseline(report(bigger), report(base), 0.1).lines[0]).toContain('not compared');
    expect(compareWithBaseline(report({ ...slower, scene: 'new.json' }), report(base), 0.1).lines[0]).toContain('not in the baseline');
  });
});
