"""The pinhole camera model: intrinsics, world → camera transforms, projection to pixels, the
ray of every pixel, and the orientation of a camera looking along a heading.

Camera frame (OpenCV): +z forward (the viewing direction), +x right, +y down. Pixel
coordinates ``(u, v)`` grow right and down, and the integer ``(u, v)`` is the **centre** of the
pixel in column ``u``, row ``v``: a ``w`` × ``h`` image spans ``[-0.5, w - 0.5]`` ×
``[-0.5, h - 0.5]`` and its centre is ``((w - 1) / 2, (h - 1) / 2)``. Pixel ``(u, v)`` looks
along ``((u - cx) / fx, (v - cy) / fy, 1)``: the ray the renderer casts for it and the ray the
encoder lifts its depth along.

A pose is anything with a ``position`` (the camera centre, world metres) and a
``rotation_matrix()`` (the 3×3 camera-to-world rotation, its columns the camera's x, y, z axes
in the world): :class:`spatialcode.scene.CameraPose`. This module imports only
:mod:`spatialcode.core` and numpy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from spatialcode.core.errors import ValidationError
from spatialcode.core.validation import check_whole_number, finite_vector


class Pose(Protocol):
    """A camera-to-world pose (:class:`spatialcode.scene.CameraPose` is one)."""

    @property
    def position(self) -> Sequence[float]:
        """The camera centre, world metres."""

    def rotation_matrix(self) -> np.ndarray:
        """The 3×3 camera-to-world rotation (columns: camera right, down, forward in the world)."""


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
    def from_hfov(cls, width: int, height: int, hfov_deg: float = 60.0) -> Intrinsics:
        """Intrinsics of a ``width`` × ``height`` image (pixels) whose horizontal field of view,
        edge to edge, is ``hfov_deg`` degrees: square pixels, ``fx = fy = (width / 2) /
        tan(hfov / 2)``, the principal point at the image centre ``((width - 1) / 2,
        (height - 1) / 2)`` (integer pixel coordinates are pixel centres)."""
        if not 0.0 < hfov_deg < 180.0:
            raise ValidationError("hfov_deg", f"must be in (0, 180) degrees, got {hfov_deg}")
        f = (width / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
        return cls(f, f, (width - 1) / 2.0, (height - 1) / 2.0, width, height)

    def scaled(self, sx: float, sy: float, width: int, height: int) -> Intrinsics:
        """The intrinsics of this camera's image resampled by ``sx`` × ``sy`` (new pixels per old
        pixel) into a ``width`` × ``height`` image: the scaling is about the image's corner
        (−0.5, −0.5), integer pixel coordinates staying pixel centres."""
        return Intrinsics(self.fx * sx, self.fy * sy, (self.cx + 0.5) * sx - 0.5, (self.cy + 0.5) * sy - 0.5,
                          width, height)

    @property
    def matrix(self) -> np.ndarray:
        """The 3×3 calibration matrix ``K`` (pixels)."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    def to_dict(self) -> dict[str, float]:
        """``{"fx", "fy", "cx", "cy"}`` in pixels (the image size is stored beside it)."""
        return {"fx": self.fx, "fy": self.fy, "cx": self.cx, "cy": self.cy}


def pixel_rays(intrinsics: Intrinsics) -> np.ndarray:
    """Return the (H, W, 3) float64 camera-frame directions of every pixel centre, scaled to
    z = 1: ``((u - cx) / fx, (v - cy) / fy, 1)`` at column ``u``, row ``v`` (a hit's distance
    along such a ray is its z-depth in metres)."""
    u = (np.arange(intrinsics.width, dtype=np.float64) - intrinsics.cx) / intrinsics.fx
    v = (np.arange(intrinsics.height, dtype=np.float64) - intrinsics.cy) / intrinsics.fy
    rays = np.empty((intrinsics.height, intrinsics.width, 3))
    rays[..., 0] = u[None, :]
    rays[..., 1] = v[:, None]
    rays[..., 2] = 1.0
    return rays


def yaw_pitch_rotation(yaw: float, pitch: float) -> np.ndarray:
    """Return the 3×3 camera-to-world rotation (columns: camera right, down, forward in the
    world) of a level camera looking along heading ``yaw`` (radians, counter-clockwise from +x)
    tilted up by ``pitch`` (radians; negative looks down)."""
    cp, sp, cy, sy = math.cos(pitch), math.sin(pitch), math.cos(yaw), math.sin(yaw)
    forward = np.array([cp * cy, cp * sy, sp])
    right = np.array([sy, -cy, 0.0])
    down = np.cross(forward, right)
    return np.column_stack([right, down, forward])


def camera_forward(pose: Pose) -> np.ndarray:
    """Return the camera's viewing direction (its +z axis) as a world unit vector (3,)."""
    return pose.rotation_matrix()[:, 2]


def world_to_camera(pose: Pose) -> np.ndarray:
    """Return the 4×4 homogeneous transform taking world points (metres) to the camera frame
    (metres; +z forward, +x right, +y down): ``[R.T | -R.T @ position]``."""
    rotation = pose.rotation_matrix()
    transform = np.eye(4)
    transform[:3, :3] = rotation.T
    transform[:3, 3] = -rotation.T @ np.asarray(pose.position)
    return transform


def to_camera_frame(points: np.ndarray, pose: Pose) -> np.ndarray:
    """Return world points (N, 3), metres, expressed in the camera frame (N, 3), metres."""
    transform = world_to_camera(pose)
    return np.asarray(points, dtype=float).reshape(-1, 3) @ transform[:3, :3].T + transform[:3, 3]


def project_camera_points(points_cam: np.ndarray, intrinsics: Intrinsics) -> np.ndarray:
    """Return the pixels (N, 2) of camera-frame points (N, 3), metres; points with depth
    ``z <= 0`` (on or behind the camera plane) get ``NaN``."""
    points_cam = np.asarray(points_cam, dtype=float).reshape(-1, 3)
    depth = points_cam[:, 2]
    uv = np.full((len(points_cam), 2), np.nan)
    front = depth > 0.0
    uv[front, 0] = intrinsics.fx * points_cam[front, 0] / depth[front] + intrinsics.cx
    uv[front, 1] = intrinsics.fy * points_cam[front, 1] / depth[front] + intrinsics.cy
    return uv


def project_points(points: np.ndarray, intrinsics: Intrinsics, pose: Pose) -> tuple[np.ndarray, np.ndarray]:
    """Project world points (N, 3), metres, into the image of a camera at ``pose``.

    Returns ``(uv, depth)``: pixel coordinates (N, 2) (u right, v down; integers at pixel
    centres, the top-left pixel's centre is (0, 0)) and depth (N,) = distance along the viewing
    direction, metres. Points behind the camera are flagged by ``depth <= 0`` and get
    ``uv = NaN``. Points in front of the camera but outside the image keep their (out-of-range)
    pixel coordinates.
    """
    points_cam = to_camera_frame(points, pose)
    return project_camera_points(points_cam, intrinsics), points_cam[:, 2].copy()


class PixelGrid:
    """The sampled pixels of a camera: every ``stride``-th row and column, with their ray
    factors ``(u - cx) / fx`` and ``(v - cy) / fy``."""

    def __init__(self, intrinsics: Intrinsics, stride: int = 1) -> None:
        self.intrinsics, self.stride = intrinsics, stride
        u = np.arange(0, intrinsics.width, stride, dtype=np.float64)
        v = np.arange(0, intrinsics.height, stride, dtype=np.float64)
        self.ray_x = ((u - intrinsics.cx) / intrinsics.fx)[None, :]
        self.ray_y = ((v - intrinsics.cy) / intrinsics.fy)[:, None]

    def sample(self, image: np.ndarray) -> np.ndarray:
        """The sampled pixels of an (H, W, ...) image."""
        return image[:: self.stride, :: self.stride]

    def points(self, rows: np.ndarray, cols: np.ndarray, sampled_depth: np.ndarray, pose: Pose) -> np.ndarray:
        """World points (N, 3), metres, of sampled pixels (``rows``, ``cols`` index the sampled
        grid) with their depth in ``sampled_depth`` (the sampled depth image, metres)."""
        z = sampled_depth[rows, cols].astype(np.float64)
        camera = np.stack([self.ray_x[0, cols] * z, self.ray_y[rows, 0] * z, z], axis=1)
        return camera @ pose.rotation_matrix().T + np.asarray(pose.position)

    def lift(self, depth: np.ndarray, select: np.ndarray, pose: Pose) -> np.ndarray:
        """World points (N, 3), metres, of the selected sampled pixels with valid depth.

        ``depth`` (H, W) metres (full image; 0 = invalid); ``select`` a bool mask of the *sampled*
        grid (``sample(mask)``)."""
        d = self.sample(depth)
        rows, cols = np.nonzero(select & (d > 0))
        return self.points(rows, cols, d, pose)


def depth_to_world(depth: np.ndarray, intrinsics: Intrinsics, pose: Pose, stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Lift every ``stride``-th pixel (in both directions) of a z-depth image (H, W), metres
    (0 or not finite = no measurement), to the world: returns ``(points, pixels)``, the world
    points (N, 3), metres, and their (row, column) pixel indices (N, 2) in the full image."""
    grid = PixelGrid(intrinsics, stride)
    sampled = grid.sample(np.asarray(depth))
    rows, cols = np.nonzero(np.isfinite(sampled) & (sampled > 0))
    return grid.points(rows, cols, sampled, pose), np.stack([rows * stride, cols * stride], axis=1)
