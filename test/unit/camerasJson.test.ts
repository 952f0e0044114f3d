/**
 * cameras.json (INRIA 3DGS training output) → Camera[]: a generated fixture of three cameras on a
 * circle looking at the origin, checked through the projection convention of camera.ts, plus
 * requested resolutions and malformed files.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { cameraCenter, type Camera } from '../../src/camera/camera';
import { camerasFromInriaJson, parseInriaCameras } from '../../src/camera/camerasJson';
import { toCameraSpace } from '../../src/methods/gaussians3d/projection';

const FIXTURE = readFileSync(new URL('../fixtures/cameras.json', import.meta.url), 'utf8');

/** Pixel of a world point (camera.ts: px = fx·x/z + cx − 0.5). */
function pixelOf(camera: Camera, p: [number, number, number]): [number, number] {
  const [x, y, z] = toCameraSpace(camera, p);
  return [(camera.fx * x) / z + camera.cx - 0.5, (camera.fy * y) / z + camera.cy - 0.5];
}

describe('cameras.json', () => {
  test('native resolution: centre at `position`, the origin at the image centre, +y world (down) below it', () => {
    const entries = JSON.parse(FIXTURE) as Array<{ position: number[]; fx: number; fy: number }>;
    const cameras = camerasFromInriaJson(FIXTURE);
    expect(cameras.length).toBe(3);
    cameras.forEach((camera, i) => {
      expect(camera).toMatchObject({ width: 960, height: 540, fx: entries[i]!.fx, fy: entries[i]!.fy, cx: 480, cy: 270 });
      cameraCenter(camera).forEach((v, k) => expect(v).toBeCloseTo(entries[i]!.position[k]!, 12));
      const [px, py] = pixelOf(camera, [0, 0, 0]);
      expect(px).toBeCloseTo(479.5, 9);
      expect(py).toBeCloseTo(269.5, 9);
      expect(pixelOf(camera, [0, 0.5, 0])[1]).toBeGreaterThan(269.5);
    });
    // Camera 0 sits at z = −4 looking down +z: world +x is to the right.
    expect(pixelOf(cameras[0]!, [0.5, 0, 0])[0]).toBeGreaterThan(479.5);
  });

  test('requested resolution keeps the field of view; a single side keeps the aspect ratio', () => {
    const [native] = camerasFromInriaJson(FIXTURE);
    const [half] = camerasFromInriaJson(FIXTURE, { width: 480, height: 270 });
    expect(half).toMatchObject({ width: 480, height: 270, fx: 702.5 / 2, fy: 350, cx: 240, cy: 135 });
    expect(half!.rotation).toEqual(native!.rotation);
    expect(camerasFromInriaJson(FIXTURE, { width: 256 })[0]).toMatchObject({ width: 256, height: 144 });
    expect(camerasFromInriaJson(FIXTURE, { height: 100 })[0]).toMatchObject({ width: 178, height: 100 });
    // The same world point lands at the same relative image position.
    const p: [number, number, number] = [0.3, -0.2, 0.1];
    const [nx, ny] = pixelOf(native!, p);
    const [hx, hy] = pixelOf(half!, p);
    expect((hx + 0.5) / 480).toBeCloseTo((nx + 0.5) / 960, 12);
    expect((hy + 0.5) / 270).toBeCloseTo((ny + 0.5) / 540, 12);
  });

  test('keeps id and img_name', () => {
    expect(parseInriaCameras(JSON.parse(FIXTURE)).map((e) => [e.id, e.img_name])).toEqual([[0, '00000'], [1, '00001'], [2, '00002']]);
  });

  const good = JSON.parse(FIXTURE)[0] as Record<string, unknown>;
  test.each([
    ['{ not json', /cameras.json is not valid JSON/],
    ['{"a": 1}', 'cameras.json must be an array of camera entries'],
    ['[]', 'cameras.json has no cameras'],
    ['[3]', 'cameras.json entry 0 is not an object'],
    [JSON.stringify([good, { ...good, fx: undefined }]), `cameras.json entry 1: 'fx' must be a positive number (got undefined)`],
    [JSON.stringify([{ ...good, width: -5 }]), `cameras.json entry 0: 'width' must be a positive integer (got -5)`],
    [JSON.stringify([{ ...good, height: 10.5 }]), `cameras.json entry 0: 'height' must be a positive integer (got 10.5)`],
    [JSON.stringify([{ ...good, position: [1, 2] }]), `cameras.json entry 0: 'position' must be 3 finite numbers (got [1,2])`],
    [JSON.stringify([{ ...good, position: [1, 2, '3'] }]), /'position' must be 3 finite numbers/],
    [JSON.stringify([{ ...good, rotation: [[1, 0, 0], [0, 1, 0]] }]), /'rotation' must be a 3x3 array of rows/],
    [JSON.stringify([{ ...good, rotation: [[1, 0, 0], [0, 1, 0], [0, 0]] }]), `cameras.json entry 0: 'rotation' row 2 must be 3 finite numbers (got [0,0])`],
    [JSON.stringify([{ ...good, rotation: [[2, 0, 0], [0, 1, 0], [0, 0, 1]] }]), /'rotation' is not a rotation matrix/],
  ])('refuses %s', (text, message) => {
    expect(() => camerasFromInriaJson(text)).toThrow(message);
  });

  test('refuses a bad requested resolution', () => {
    expect(() => camerasFromInriaJson(FIXTURE, { width: 0 })).toThrow('camera width must be a positive integer (got 0)');
  });
});
