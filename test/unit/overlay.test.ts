import { describe, expect, test } from 'vitest';
import { formatOverlay, gpuFps, paperComparison } from '../../src/viewer/overlay';

const paper = { fps: 100, gpu: 'RTX A6000', resolution: '1920x1080', source: 'Kerbl et al. 2023' };

describe('overlay', () => {
  test('GPU rate and the ratio to the paper, naming both resolutions when they differ', () => {
    expect(gpuFps(new Map([['a', 2], ['b', 3]]))).toBe(200);
    expect(gpuFps(new Map())).toBe(0);
    expect(paperComparison(50, 1920, 1080, paper)).toBe('ours/paper 0.50x');
    expect(paperComparison(250, 320, 240, paper)).toBe('ours/paper 2.50x (ours at 320x240, paper at 1920x1080)');
    expect(paperComparison(0, 320, 240, paper)).toBe('ratio: no measurement yet');
  });

  test('lists FPS, per-pass GPU time, memory by owner, stats and the paper rate', () => {
    const text = formatOverlay({
      method: '3DGS',
      asset: 'donut.ply',
      width: 320,
      height: 240,
      devicePixelRatio: 1,
      fps: 0,
      continuous: false,
      cpuMs: 0.5,
      gpuMsByPass: new Map([['project', 1], ['rasterize', 3]]),
      timestamps: true,
      memoryBytes: 3 * 1024 * 1024,
      memoryByOwner: [['Gaussians3D', { bytes: 3 * 1024 * 1024, count: 4 }]],
      stats: { splats: 45624 },
      paperRate: paper,
    });
    for (const part of ['FPS idle', 'GPU 4.00 ms', 'project', 'rasterize          3.000 ms', 'GPU memory 3.0 MB', 'Gaussians3D', 'splats: 45,624', 'paper: 100 FPS at 1920x1080 on RTX A6000', 'ours/paper 2.50x']) {
      expect(text).toContain(part);
    }
    expect(formatOverlay({ ...JSON.parse('{}'), method: 'm', asset: 'a', width: 1, height: 1, devicePixelRatio: 1, fps: 60, continuous: true, cpuMs: 0, gpuMsByPass: new Map(), timestamps: false, memoryBytes: 0, memoryByOwner: [], stats: {} })).toContain(
      'GPU time: timestamp-query not available',
    );
  });
});
