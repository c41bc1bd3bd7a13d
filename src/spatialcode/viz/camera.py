"""Pinhole camera helpers: intrinsics, world → camera transforms and projection to pixels.

Camera frame is OpenCV's: +z forward (the viewing direction), +x right, +y down; pixel
``(u, v)`` grows right and down from the image's top-left corner. Poses are
:class:`~spatialcode.scene.CameraPose` (camera-to-world rotation as an (x, y, z, w)
quaternion and the camera centre in world metres).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from spatialcode.core.errors import ValidationError
from spatialcode.core.validation import check_whole_number, finite_vector
from spatialcode.scene import CameraPose


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics: focal lengths ``fx``, ``fy`` and principal point ``cx``, ``cy`` in
    pixels, image ``width`` × ``height`` in pixels."""

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int

    def __post_init__(self) -> None:
        fx, fy, cx, cy = finite_vector((self.fx, self.fy, self.cx, self.cy), 4, "intrinsics")
        if fx <= 0 or fy <= 0:
            raise ValidationError("intrinsics", f"focal lengths must be > 0, got fx={fx}, fy={fy}")
        for name, value in (("width", self.width), ("height", self.height)):
            check_whole_number(value, f"intrinsics.{name}")
        object.__setattr__(self, "fx", fx)
        object.__setattr__(self, "fy", fy)
        object.__setattr__(self, "cx", cx)
        object.__setattr__(self, "cy", cy)
        object.__setattr__(self, "width", int(self.width))
        object.__setattr__(self, "height", int(self.height))

    @classmethod
    def from_fov(cls, width: int, height: int, fov_x_deg: float = 60.0) -> Intrinsics:
        """Intrinsics of a ``width`` × ``height`` image with horizontal field of view
        ``fov_x_deg`` degrees, square pixels and the principal point at the image centre."""
        if not 0.0 < fov_x_deg < 180.0:
            raise ValidationError("fov_x_deg", f"must be in (0, 180), got {fov_x_deg}")
        f = (width / 2.0) / math.tan(math.radians(fov_x_deg) / 2.0)
        return cls(f, f, width / 2.0, height / 2.0, width, height)

    @property
    def matrix(self) -> np.ndarray:
        """The 3×3 calibration matrix ``K`` (pixels)."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])


def camera_forward(pose: CameraPose) -> np.ndarray:
    """Return the camera's viewing direction (its +z axis) as a world unit vector (3,)."""
    return pose.rotation_matrix()[:, 2]


def world_to_camera(pose: CameraPose) -> np.ndarray:
    """Return the 4×4 homogeneous transform taking world points (metres) to the camera frame
    (metres; +z forward, +x right, +y down): ``[R.T | -R.T @ position]``."""
    rotation = pose.rotation_matrix()
    transform = np.eye(4)
    transform[:3, :3] = rotation.T
    transform[:3, 3] = -rotation.T @ np.asarray(pose.position)
    return transform


def to_camera_frame(points: np.ndarray, pose: CameraPose) -> np.ndarray:
    """Return world points (N, 3), metres, expressed in the camera frame (N, 3), metres."""
    transform = world_to_camera(pose)
    return np.asarray(points, dtype=float).reshape(-1, 3) @ transform[:3, :3].T + transform[:3, 3]


def project_camera_points(points_cam: np.ndarray, intrinsics: Intrinsics) -> np.ndarray:
    """Return the pixels (N, 2) of camera-frame points (N, 3); points with depth ``z <= 0``
    (on or behind the camera plane) get ``NaN``."""
    points_cam = np.asarray(points_cam, dtype=float).reshape(-1, 3)
    depth = points_cam[:, 2]
    uv = np.full((len(points_cam), 2), np.nan)
    front = depth > 0.0
    uv[front, 0] = intrinsics.fx * points_cam[front, 0] / depth[front] + intrinsics.cx
    uv[front, 1] = intrinsics.fy * points_cam[front, 1] / depth[front] + intrinsics.cy
    return uv


def project_points(points: np.ndarray, intrinsics: Intrinsics, pose: CameraPose) -> tuple[np.ndarray, np.ndarray]:
    """Project world points (N, 3), metres, into the image of a camera at ``pose``.

    Returns ``(uv, depth)``: pixel coordinates (N, 2) (u right, v down, origin at the image's
    top-left corner) and depth (N,) = distance along the viewing direction, metres. Points
    behind the camera are flagged by ``depth <= 0`` and get ``uv = NaN``. Points in front of
    the camera but outside the image keep their (out-of-range) pixel coordinates.
    """
    points_cam = to_camera_frame(points, pose)
    return project_camera_points(points_cam, intrinsics), points_cam[:, 2].copy()
