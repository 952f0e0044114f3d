#!/usr/bin/env python3
"""Tests of tools/convert4dgs.py without PyTorch (NumPy only): run `python3 tools/test_convert4dgs.py`.

A fake capture() tuple stands in for a checkpoint; its values come from sin() formulas (not an RNG), so
the TypeScript test test/unit/gaussians4dPly.test.ts recomputes the same raw values and checks that
the 4D PLY loader reads the committed fixtures test/fixtures/gaussians4d/convert4dgs_*.ply written
here. `--update` rewrites those fixtures; the test fails while they are stale.
"""
import math
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert4dgs  # noqa: E402

FIXTURE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'gaussians4d')
TIME_DURATION = (0.0, 10.0)
SPLATS = 4

# name -> (rot_4d, active spatial degree, active temporal degree, write a rotor)
FIXTURES = {
    'convert4dgs_isoclinic.ply': (True, 3, 2, False),
    'convert4dgs_rotor.ply': (True, 3, 2, True),
    'convert4dgs_rot3d.ply': (False, 2, 0, False),
}


def wave(seed, n, width, offset=0.0):
    """value[i][j] = sin(seed + 1.3 i + 0.7 j) + offset in float64, then float32 (the TS test recomputes it)."""
    return np.array([[math.sin(seed + 1.3 * i + 0.7 * j) + offset for j in range(width)] for i in range(n)]).astype(np.float32)


def fake_capture(rot_4d=True, active=(3, 2), n=SPLATS):
    """A capture() tuple of a degree-(3, 2) model (48 coefficients per channel) with numpy arrays."""
    fields = {
        'active_sh_degree': active[0],
        'xyz': wave(1, n, 3),
        'features_dc': wave(3, n, 3).reshape(n, 1, 3),
        'features_rest': wave(4, n, 47 * 3).reshape(n, 47, 3),
        'scaling': wave(5, n, 3, -2.0),
        'rotation': wave(7, n, 4),
        'opacity': wave(8, n, 1),
        'max_radii2D': np.zeros(n),
        'xyz_gradient_accum': np.zeros((n, 1)),
        't_gradient_accum': np.zeros((n, 1)),
        'denom': np.zeros((n, 1)),
        'optimizer': {},
        'spatial_lr_scale': 1.0,
        't': wave(2, n, 1, 5.0),
        'scaling_t': wave(6, n, 1, -1.0),
        'rotation_r': wave(9, n, 4),
        'rot_4d': rot_4d,
        'env_map': np.zeros(0),
        'active_sh_degree_t': active[1],
    }
    return tuple(fields[name] for name in convert4dgs.CAPTURE_FIELDS)


def fixture_bytes(name):
    rot_4d, degree, degree_t, rotor = FIXTURES[name]
    fields = convert4dgs.unpack_capture(fake_capture(rot_4d, (degree, degree_t)))
    names, matrix, comments, _ = convert4dgs.ply_columns(fields, TIME_DURATION, rotor)
    return convert4dgs.ply_bytes(names, matrix, comments)


def parse_ply(data):
    """(comments, property names, N x P float32 matrix) of a PLY that ply_bytes wrote."""
    end = data.index(b'end_header\n') + len(b'end_header\n')
    lines = data[:end].decode('ascii').split('\n')
    comments = [line[len('comment '):] for line in lines if line.startswith('comment ')]
    names = [line.split()[2] for line in lines if line.startswith('property float ')]
    count = int(next(line.split()[2] for line in lines if line.startswith('element vertex ')))
    matrix = np.frombuffer(data[end:], dtype='<f4').reshape(count, len(names))
    return comments, names, matrix


class ConvertTest(unittest.TestCase):
    def convert(self, rot_4d=True, active=(3, 2), rotor=False):
        fields = convert4dgs.unpack_capture(fake_capture(rot_4d, active))
        names, matrix, comments, notes = convert4dgs.ply_columns(fields, TIME_DURATION, rotor)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, 'out.ply')
            with open(path, 'wb') as out:
                out.write(convert4dgs.ply_bytes(names, matrix, comments))
            with open(path, 'rb') as f:
                return fields, parse_ply(f.read()), notes

    def column(self, parsed, name):
        _, names, matrix = parsed
        return matrix[:, names.index(name)]

    def test_layout_of_a_full_4d_model(self):
        fields, parsed, notes = self.convert()
        comments, names, matrix = parsed
        self.assertEqual(notes, [])
        self.assertEqual(comments[0], 'time_duration 0.0 10.0')
        self.assertEqual(matrix.shape, (SPLATS, 4 + 3 + 141 + 1 + 4 + 8))
        for a, axis in enumerate('xyz'):
            np.testing.assert_array_equal(self.column(parsed, axis), fields['xyz'][:, a])
        np.testing.assert_array_equal(self.column(parsed, 't'), fields['t'][:, 0])
        coeffs = np.concatenate([fields['features_dc'], fields['features_rest']], axis=1)
        for c in range(3):
            np.testing.assert_array_equal(self.column(parsed, f'f_dc_{c}'), coeffs[:, 0, c])
            for m in range(1, 48):
                # Channel-major: f_rest_{c*47 + m-1} is channel c of coefficient m.
                np.testing.assert_array_equal(self.column(parsed, f'f_rest_{c * 47 + m - 1}'), coeffs[:, m, c])
        np.testing.assert_array_equal(self.column(parsed, 'opacity'), fields['opacity'][:, 0])
        np.testing.assert_array_equal(self.column(parsed, 'scale_t'), fields['scaling_t'][:, 0])
        for k in range(4):
            self.assertTrue(np.allclose(self.column(parsed, f'rot_{k}'), fields['rotation'][:, k] / np.linalg.norm(fields['rotation'], axis=1), atol=1e-6))
            self.assertTrue(np.allclose(self.column(parsed, f'rot_r_{k}'), fields['rotation_r'][:, k] / np.linalg.norm(fields['rotation_r'], axis=1), atol=1e-6))
        self.assertNotIn('rotor_0', names)

    def test_rotor_output_is_the_same_rotation(self):
        fields, parsed, _ = self.convert(rotor=True)
        _, names, _ = parsed
        self.assertNotIn('rot_0', names)
        rotor = np.stack([self.column(parsed, f'rotor_{k}') for k in range(8)], axis=1).astype(np.float64)
        s, bxy, bxz, byz, bxw, byw, bzw, p = rotor.T
        # Unit length and the rotor's pseudo-scalar constraint s p - bxy bzw + bxz byw - bxw byz = 0.
        self.assertTrue(np.allclose(np.linalg.norm(rotor, axis=1), 1, atol=1e-6))
        self.assertTrue(np.allclose(s * p - bxy * bzw + bxz * byw - bxw * byz, 0, atol=1e-6))
        # Back to the pair with the inverse map of rotation4d.ts.
        ql = np.stack([s - p, bxy + bzw, byw - bxz, byz + bxw], axis=1)
        qr = np.stack([s + p, bxy - bzw, -bxz - byw, byz - bxw], axis=1)
        self.assertTrue(np.allclose(ql, fields['rotation'] / np.linalg.norm(fields['rotation'], axis=1, keepdims=True), atol=1e-6))
        self.assertTrue(np.allclose(qr, fields['rotation_r'] / np.linalg.norm(fields['rotation_r'], axis=1, keepdims=True), atol=1e-6))

    def test_rot3d_model_and_inactive_sh(self):
        fields, parsed, notes = self.convert(rot_4d=False, active=(2, 1))
        _, names, _ = parsed
        # Active spatial degree 2: temporal terms are never evaluated, 9 coefficients per channel.
        self.assertEqual(len([n for n in names if n.startswith('f_rest_')]), 24)
        coeffs = np.concatenate([fields['features_dc'], fields['features_rest']], axis=1)
        np.testing.assert_array_equal(self.column(parsed, 'f_rest_8'), coeffs[:, 1, 1])
        self.assertTrue(any('active SH degrees (2, 0)' in note for note in notes))
        self.assertTrue(any('rot_4d = False' in note for note in notes))
        np.testing.assert_allclose(self.column(parsed, 'scale_t'), fields['scaling_t'][:, 0] / 2, rtol=1e-6)
        q = fields['rotation'] / np.linalg.norm(fields['rotation'], axis=1, keepdims=True)
        expected = np.stack([q[:, 0], -q[:, 3], -q[:, 2], -q[:, 1]], axis=1)
        for k in range(4):
            np.testing.assert_allclose(self.column(parsed, f'rot_{k}'), expected[:, k], atol=1e-6)
            np.testing.assert_array_equal(self.column(parsed, f'rot_r_{k}'), self.column(parsed, f'rot_{k}'))

    def test_bad_checkpoints(self):
        with self.assertRaisesRegex(ValueError, 'a 12-field tuple is a 3D Gaussian checkpoint'):
            convert4dgs.unpack_capture(tuple(range(12)))
        fields = convert4dgs.unpack_capture(fake_capture())
        fields['features_rest'] = np.zeros((SPLATS, 32, 3), dtype=np.float32)
        with self.assertRaisesRegex(ValueError, 'legacy sh_channels_4d'):
            convert4dgs.ply_columns(fields, TIME_DURATION)

    def test_fixtures_are_current(self):
        for name in FIXTURES:
            with open(os.path.join(FIXTURE_DIR, name), 'rb') as f:
                self.assertEqual(f.read(), fixture_bytes(name), f'{name} is stale: run python3 tools/test_convert4dgs.py --update')


if __name__ == '__main__':
    if '--update' in sys.argv:
        for fixture in FIXTURES:
            with open(os.path.join(FIXTURE_DIR, fixture), 'wb') as out:
                out.write(fixture_bytes(fixture))
            print(f'wrote {fixture}')
    else:
        unittest.main()
