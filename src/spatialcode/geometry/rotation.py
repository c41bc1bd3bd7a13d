"""Rotation conventions of the 9-number ``bbox_3d`` box.

A box's rotation is ``(roll, pitch, yaw)`` in radians with the matrix
``R = Rz(yaw) @ Ry(pitch) @ Rx(roll)`` (intrinsic z-y'-x'' Euler angles). The columns of ``R``
are the box's own x, y, z axes expressed in the world frame; yaw is measured about +z,
counter-clockwise from +x (world frame: right-handed, z up).
"""

from __future__ import annotations

import math

import numpy as np


def euler_to_matrix(roll: float, pitch: float, yaw: float) -> np.ndarray:
    """Return the 3×3 rotation ``Rz(yaw) @ Ry(pitch) @ Rx(roll)`` for angles in radians."""
    cr, sr = math.cos(roll), math.sin(roll)
    cp, sp = math.cos(pitch), math.sin(pitch)
    cy, sy = math.cos(yaw), math.sin(yaw)
    return np.array(
        [
            [cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
            [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
            [-sp, cp * sr, cp * cr],
        ]
    )


def matrix_to_euler(matrix: np.ndarray) -> tuple[float, float, float]:
    """Return ``(roll, pitch, yaw)`` in radians of a 3×3 rotation matrix.

    A matrix with determinant −1 (a left-handed set of box axes, as some annotation tools
    write) is made right-handed by flipping its last axis, which leaves a box unchanged.
    Slightly non-orthonormal input is projected onto the nearest rotation.
    """
    from scipy.spatial.transform import Rotation  # here: importing scipy.spatial takes 0.4 s

    m = np.asarray(matrix, dtype=float).reshape(3, 3)
    if np.linalg.det(m) < 0:
        m = m.copy()
        m[:, 2] = -m[:, 2]
    yaw, pitch, roll = Rotation.from_matrix(m).as_euler("ZYX")
    return float(roll), float(pitch), float(yaw)


def yaw_to_matrix(yaw: float) -> np.ndarray:
    """Return the 3×3 rotation about +z by ``yaw`` radians (counter-clockwise from +x)."""
    return euler_to_matrix(0.0, 0.0, yaw)


def wrap_angle(angle: float) -> float:
    """Return ``angle`` (radians) wrapped into ``(-pi, pi]``."""
    wrapped = math.remainder(angle, 2.0 * math.pi)
    return math.pi if wrapped == -math.pi else wrapped
