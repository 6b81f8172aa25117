# Copyright (c) mmjepa contributors. All rights reserved.
"""LiDAR scans read with a check: a bad ``.bin`` is an error naming the file, never a silent empty scan."""
import numpy as np
from mmdet3d.datasets.transforms import LoadPointsFromFile
from mmdet3d.registry import TRANSFORMS

#: No automotive LiDAR returns a point farther than this (metres); beyond it the file holds garbage.
MAX_RANGE_M = 1e4


@TRANSFORMS.register_module()
class StrictLoadPointsFromFile(LoadPointsFromFile):
    """mmdet3d's ``LoadPointsFromFile`` that refuses an empty file, a length that is not a whole number of
    ``load_dim`` float32 values (a truncated or foreign file), NaN / Inf values and coordinates no sensor gives
    (beyond :data:`MAX_RANGE_M`), naming the file and the fix. mmdet3d's own reader reshapes a 0-byte file into
    a scan without points (which trains silently) and an odd-length one into a numpy error without a name."""

    def _load_points(self, pts_filename: str) -> np.ndarray:
        fix = 'regenerate or remove it (and its entry in the info file)'
        try:
            points = super()._load_points(pts_filename)
        except ValueError as exc:  # numpy: a byte count that is no whole number of float32 values
            raise ValueError(f'LiDAR scan {pts_filename} is not a multiple of load_dim={self.load_dim} float32 '
                             f'values ({exc}): the file is truncated or not a KITTI .bin scan; {fix}') from exc
        except OSError as exc:
            raise OSError(f'cannot read LiDAR scan {pts_filename}: {exc}') from exc
        if points.size == 0:
            raise ValueError(f'LiDAR scan {pts_filename} is empty (0 points): {fix}')
        if points.size % self.load_dim:
            raise ValueError(f'LiDAR scan {pts_filename} holds {points.size} float32 values, not a multiple of '
                             f'load_dim={self.load_dim}: the file is truncated or not a KITTI .bin scan; {fix}, or '
                             'set load_dim in the StrictLoadPointsFromFile step of the pipeline')
        scan = points.reshape(-1, self.load_dim)
        bad = ~np.isfinite(scan).all(axis=1)
        if bad.any():
            raise ValueError(f'LiDAR scan {pts_filename}: {int(bad.sum())} of {len(scan)} points hold NaN or Inf '
                             f'(first at point {int(np.argmax(bad))}): {fix}')
        far = np.abs(scan[:, :3]).max()
        if far > MAX_RANGE_M:
            raise ValueError(f'LiDAR scan {pts_filename}: a coordinate of {far:.3g} m, beyond any sensor '
                             f'({MAX_RANGE_M:g} m): the file holds garbage or another format; {fix}')
        return points
