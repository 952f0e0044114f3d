#!/usr/bin/env python3
"""Convert a fudan-zvg/4d-gaussian-splatting checkpoint (.pth) into nerve's 4D Gaussian .ply.

    python tools/convert4dgs.py output/cook_spinach/chkpnt_best.pth cook_spinach_4d.ply --time-duration 0 10
    python tools/convert4dgs.py chkpnt30000.pth scene.ply --time-duration 0 1 --rotor

Needs PyTorch and NumPy (it runs where the 4DGS code trains). The checkpoint is the pickled tuple
`(gaussians.capture(), iteration)` that `scene.save()` writes; for gaussian_dim = 4, capture() is
(../shared/docs/gaussians.md §2.6):

    (active_sh_degree, _xyz, _features_dc, _features_rest, _scaling, _rotation, _opacity, max_radii2D,
     xyz_gradient_accum, t_gradient_accum, denom, optimizer.state_dict(), spatial_lr_scale,
     _t, _scaling_t, _rotation_r, rot_4d, env_map, active_sh_degree_t)

All values are raw (pre-activation) and are written raw; the viewer applies exp / sigmoid / normalize.
The PLY layout is documented in src/methods/gaussians4d/ply4d.ts:

    x y z t | f_dc_0..2 | f_rest_0..R-1 (channel-major) | opacity | scale_0..2 scale_t |
    rot_0..3 rot_r_0..3 (or rotor_0..7 with --rotor)       + "comment time_duration t0 t1"

Details kept from the training code:
- Only the SH the renderer evaluates is written: the active spatial degree, and temporal terms only when
  the active spatial degree is 3 (the CUDA code evaluates them inside `if (deg > 2)`).
- rot_4d = False models (a 3D rotation, no space-time coupling, exp(_scaling_t) used as the *variance*)
  become the equivalent rot_4d model: rotation pair diag(R3(q), 1), log sigma_t = _scaling_t / 2.
- time_duration is not in the checkpoint; pass the config's value (N3V: 0 10, D-NeRF: 0 1). Its length
  is the period of the temporal SH, so a wrong value changes the colours.
- The legacy sh_channels_4d layout (sh_degree_t = 0 with 4D features of 6/33 channels) is refused.
"""
import argparse
import sys

import numpy as np

CAPTURE_FIELDS = (
    'active_sh_degree', 'xyz', 'features_dc', 'features_rest', 'scaling', 'rotation', 'opacity', 'max_radii2D',
    'xyz_gradient_accum', 't_gradient_accum', 'denom', 'optimizer', 'spatial_lr_scale',
    't', 'scaling_t', 'rotation_r', 'rot_4d', 'env_map', 'active_sh_degree_t',
)

# Coefficients per channel (the model's get_max_sh_channels) -> (spatial, temporal) degree.
DEGREES_BY_CHANNELS = {1: (0, 0), 4: (1, 0), 9: (2, 0), 16: (3, 0), 32: (3, 1), 48: (3, 2)}


def to_numpy(value):
    """A float32 array from a torch tensor (any device) or anything array-like."""
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float32)


def unpack_capture(model_args):
    """The capture() tuple of a gaussian_dim = 4 model as a dict of named fields."""
    if not isinstance(model_args, (tuple, list)) or len(model_args) != len(CAPTURE_FIELDS):
        count = len(model_args) if isinstance(model_args, (tuple, list)) else type(model_args).__name__
        raise ValueError(f'expected the {len(CAPTURE_FIELDS)}-field capture() of a gaussian_dim = 4 model, got {count}; '
                         'a 12-field tuple is a 3D Gaussian checkpoint')
    return dict(zip(CAPTURE_FIELDS, model_args))


def isoclinic_from_quaternion3(q):
    """Per row: the pair (q', q') with q' = (w, -z, -y, -x), whose 4D rotation is diag(R3(q), 1)."""
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    qp = np.stack([w, -z, -y, -x], axis=1)
    return qp, qp.copy()


def rotor_from_isoclinic(ql, qr):
    """The 4D-Rotor GS rotor (s, b_xy, b_xz, b_yz, b_xw, b_yw, b_zw, b_xyzw) of the pair (rotation4d.ts)."""
    return np.stack([
        (ql[:, 0] + qr[:, 0]) / 2, (ql[:, 1] + qr[:, 1]) / 2, -(ql[:, 2] + qr[:, 2]) / 2, (ql[:, 3] + qr[:, 3]) / 2,
        (ql[:, 3] - qr[:, 3]) / 2, (ql[:, 2] - qr[:, 2]) / 2, (ql[:, 1] - qr[:, 1]) / 2, (qr[:, 0] - ql[:, 0]) / 2,
    ], axis=1)


def normalized(q):
    """Rows scaled to unit length (zero rows stay zero; the viewer turns them into the identity)."""
    n = np.linalg.norm(q, axis=1, keepdims=True)
    return np.where(n > 0, q / np.where(n > 0, n, 1), q)


def ply_columns(fields, time_duration, rotor=False):
    """Property names, an N x P float32 matrix of their values, header comments and notes for the user."""
    notes = []
    xyz = to_numpy(fields['xyz'])
    n = xyz.shape[0]
    t = to_numpy(fields['t']).reshape(n, 1)
    dc = to_numpy(fields['features_dc']).reshape(n, -1, 3)
    rest = to_numpy(fields['features_rest']).reshape(n, -1, 3)
    channels = dc.shape[1] + rest.shape[1]
    if channels not in DEGREES_BY_CHANNELS:
        raise ValueError(f'{channels} SH coefficients per channel: not a (degree+1)^2 * (degree_t+1) layout '
                         '(the legacy sh_channels_4d layout [1, 6, 16, 33] is not supported)')
    max_degree, max_degree_t = DEGREES_BY_CHANNELS[channels]
    degree = min(int(fields['active_sh_degree']), max_degree)
    degree_t = min(int(fields['active_sh_degree_t']), max_degree_t) if degree == 3 else 0
    if (degree, degree_t) != (max_degree, max_degree_t):
        notes.append(f'active SH degrees ({degree}, {degree_t}) are below the stored ({max_degree}, {max_degree_t}); '
                     'writing only the active coefficients')
    spatial = (max_degree + 1) ** 2
    keep = [j * spatial + k for j in range(degree_t + 1) for k in range((degree + 1) ** 2)]
    coeffs = np.concatenate([dc, rest], axis=1)[:, keep, :]
    # Channel-major like INRIA: f_rest_{c*(M-1) + m-1} is channel c of coefficient m >= 1.
    f_rest = coeffs[:, 1:, :].transpose(0, 2, 1).reshape(n, -1)

    scaling = to_numpy(fields['scaling']).reshape(n, 3)
    scaling_t = to_numpy(fields['scaling_t']).reshape(n, 1)
    ql = normalized(to_numpy(fields['rotation']).reshape(n, 4))
    if bool(fields['rot_4d']):
        qr = normalized(to_numpy(fields['rotation_r']).reshape(n, 4))
    else:
        # exp(_scaling_t) is the temporal variance there, and space and time do not mix.
        ql, qr = isoclinic_from_quaternion3(ql)
        scaling_t = scaling_t / 2
        notes.append('rot_4d = False: written as the equivalent 4D rotation diag(R3(q), 1) with log sigma_t = _scaling_t / 2')
    env_map = fields.get('env_map')
    env_size = env_map.numel() if hasattr(env_map, 'numel') else np.size(env_map) if env_map is not None else 0
    if env_size > 0:
        notes.append('the checkpoint has an environment map; it is not converted (the viewer draws a plain background)')

    names = ['x', 'y', 'z', 't', 'f_dc_0', 'f_dc_1', 'f_dc_2']
    names += [f'f_rest_{i}' for i in range(f_rest.shape[1])]
    names += ['opacity', 'scale_0', 'scale_1', 'scale_2', 'scale_t']
    columns = [xyz, t, coeffs[:, 0, :], f_rest, to_numpy(fields['opacity']).reshape(n, 1), scaling, scaling_t]
    if rotor:
        names += [f'rotor_{i}' for i in range(8)]
        columns.append(rotor_from_isoclinic(ql, qr))
    else:
        names += [f'rot_{i}' for i in range(4)] + [f'rot_r_{i}' for i in range(4)]
        columns += [ql, qr]
    matrix = np.ascontiguousarray(np.concatenate(columns, axis=1), dtype='<f4')
    comments = [f'time_duration {time_duration[0]!r} {time_duration[1]!r}', 'converted from a fudan-zvg/4d-gaussian-splatting checkpoint']
    return names, matrix, comments, notes


def ply_bytes(names, matrix, comments):
    """A binary little-endian PLY: one vertex element of float properties."""
    header = ['ply', 'format binary_little_endian 1.0']
    header += [f'comment {c}' for c in comments]
    header.append(f'element vertex {matrix.shape[0]}')
    header += [f'property float {name}' for name in names]
    header.append('end_header')
    if matrix.shape[1] != len(names):
        raise ValueError(f'{len(names)} property names for {matrix.shape[1]} columns')
    return ('\n'.join(header) + '\n').encode('ascii') + np.ascontiguousarray(matrix, dtype='<f4').tobytes()


def load_checkpoint(path):
    """The capture() fields of a 4DGS checkpoint file (needs torch)."""
    import torch  # only here: everything else runs without it

    checkpoint = torch.load(path, map_location='cpu', weights_only=False)
    if not isinstance(checkpoint, (tuple, list)) or len(checkpoint) != 2:
        raise ValueError(f'{path}: expected the (capture(), iteration) tuple that scene.save() writes')
    return unpack_capture(checkpoint[0]), checkpoint[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('checkpoint', help='chkpnt*.pth written by fudan-zvg/4d-gaussian-splatting')
    parser.add_argument('output', help='the 4D .ply to write')
    parser.add_argument('--time-duration', nargs=2, type=float, required=True, metavar=('T0', 'T1'),
                        help="the config's time_duration (N3V: 0 10, D-NeRF: 0 1)")
    parser.add_argument('--rotor', action='store_true', help='write the rotation as a 4D-Rotor GS rotor (rotor_0..7)')
    args = parser.parse_args(argv)
    if not args.time_duration[1] > args.time_duration[0]:
        parser.error('--time-duration: T1 must be greater than T0')
    try:
        fields, iteration = load_checkpoint(args.checkpoint)
        names, matrix, comments, notes = ply_columns(fields, args.time_duration, args.rotor)
    except (ValueError, KeyError) as error:
        print(f'convert4dgs: {error}', file=sys.stderr)
        return 1
    with open(args.output, 'wb') as out:
        out.write(ply_bytes(names, matrix, comments))
    for note in notes:
        print(f'note: {note}')
    print(f'wrote {args.output}: {matrix.shape[0]} splats (iteration {iteration}), {len(names)} properties')
    return 0


if __name__ == '__main__':
    sys.exit(main())
