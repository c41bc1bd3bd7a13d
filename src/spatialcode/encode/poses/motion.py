"""Rigid camera motions as 4×4 homogeneous matrices (camera-to-world poses, relative transforms;
metres, degrees): the size of a motion, a motion scaled along its screw, a rotation block
re-projected onto SO(3), and a trajectory turned so that its up direction is +z."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.spatial.transform import Rotation

from spatialcode.core.errors import ValidationError
from spatialcode.scene import CameraPose


def motion_size(delta: np.ndarray) -> tuple[float, float]:
    """Translation (m) and rotation angle (degrees) of a relative 4×4 transform."""
    return float(np.linalg.norm(delta[:3, 3])), float(np.degrees(Rotation.from_matrix(delta[:3, :3]).magnitude()))


def scaled_motion(delta: np.ndarray, scale: float) -> np.ndarray:
    """The relative transform ``delta`` with its rotation angle and translation times ``scale``
    (> 1: a constant-velocity step over ``scale`` time steps; < 1: part of the way, a damped
    correction)."""
    out = np.eye(4)
    out[:3, :3] = Rotation.from_rotvec(Rotation.from_matrix(delta[:3, :3]).as_rotvec() * scale).as_matrix()
    out[:3, 3] = delta[:3, 3] * scale
    return out


def orthonormal(matrix: np.ndarray) -> np.ndarray:
    """``matrix`` with its rotation block projected back onto SO(3) (no drift from products)."""
    out = matrix.copy()
    out[:3, :3] = Rotation.from_matrix(matrix[:3, :3]).as_matrix()
    return out


def align_to_gravity(poses: Sequence[CameraPose], floor_normal: Sequence[float]) -> list[CameraPose]:
    """``poses`` rotated about the origin by the smallest rotation that turns ``floor_normal``
    (the up direction, in the trajectory's frame) into +z — e.g. to make a trajectory estimated
    without an initial pose z-up. Positions stay in metres; times are kept."""
    normal = np.asarray(floor_normal, dtype=float)
    if normal.shape != (3,) or not np.isfinite(normal).all() or np.linalg.norm(normal) < 1e-9:
        raise ValidationError("floor_normal", f"expected a non-zero 3-vector, got {list(np.ravel(normal))}")
    normal = normal / np.linalg.norm(normal)
    axis = np.cross(normal, [0.0, 0.0, 1.0])
    angle = math.atan2(np.linalg.norm(axis), normal[2])
    if np.linalg.norm(axis) < 1e-12:  # parallel or anti-parallel to +z
        axis = np.array([1.0, 0.0, 0.0])
    lift = np.eye(4)
    lift[:3, :3] = Rotation.from_rotvec(axis / np.linalg.norm(axis) * angle).as_matrix()
    return [CameraPose.from_matrix(lift @ p.matrix(), p.t) for p in poses]

