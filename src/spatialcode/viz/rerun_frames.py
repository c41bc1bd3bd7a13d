"""Camera frames logged to a Rerun recording: the moving camera with its frustum and video
frames on the ``time`` timeline (seconds), and a bounded point cloud lifted from a few depth frames.

Entities: ``world/camera`` (the camera-to-world pose at each frame's time), ``world/camera/image``
(the pinhole — drawn as the frustum — and the colour frames, JPEG) and ``world/cloud`` (coloured
world points of the depth of a few frames spread over the sequence, every ``stride``-th pixel,
at most ``max_points``). The camera frame is OpenCV's (+x right, +y down, +z forward), as
:mod:`spatialcode.geometry.camera` and the frame sources use.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import rerun as rr
from PIL import Image

from spatialcode.geometry.camera import Intrinsics, depth_to_world
from spatialcode.scene import CameraPose
from spatialcode.viz.rerun_scene import TIMELINE


class CameraFrame(Protocol):
    """One frame of a frame source (:class:`spatialcode.encode.frames.Frame` is one): time ``t``
    (s), ``rgb`` (H, W, 3) uint8 or ``None``, z-depth (H, W) metres or ``None``, the pinhole
    ``intrinsics`` (pixels) and the camera-to-world ``pose`` or ``None`` when unknown."""

    t: float
    rgb: np.ndarray | None
    depth: np.ndarray | None
    intrinsics: Intrinsics
    pose: CameraPose | None


@dataclass(frozen=True)
class FramePicks:
    """Which of ``count`` frames (positions 0..count-1 in the sequence) to log: ``images``
    (colour frames) and ``cloud`` (depth frames lifted into the point cloud)."""

    images: frozenset[int]
    cloud: frozenset[int]

    @classmethod
    def spread(cls, count: int, images: int, cloud: int) -> FramePicks:
        """At most ``images`` and ``cloud`` positions each, evenly spread over ``count`` frames
        (first and last included)."""
        def evenly(n: int) -> frozenset[int]:
            return frozenset(np.linspace(0, count - 1, min(n, count)).round().astype(int).tolist()) if count else frozenset()
        return cls(evenly(images), evenly(cloud))


@dataclass
class FramesLogged:
    """What :func:`log_frames` logged: the ``poses`` of the frames that had one (in order),
    the number of colour ``images`` and of cloud ``points``."""

    poses: list[CameraPose]
    images: int = 0
    points: int = 0


def jpeg_image(rgb: np.ndarray, quality: int) -> rr.EncodedImage:
    """An (H, W, 3) uint8 RGB frame as a JPEG of ``quality`` (1–95)."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8)).save(buffer, format="JPEG", quality=quality)
    return rr.EncodedImage(contents=buffer.getvalue(), media_type="image/jpeg")


def pinhole(intrinsics: Intrinsics, plane_distance: float = 0.3) -> rr.Pinhole:
    """The camera's pinhole (its frustum drawn ``plane_distance`` metres deep), OpenCV axes."""
    return rr.Pinhole(image_from_camera=intrinsics.matrix, resolution=[intrinsics.width, intrinsics.height],
                      camera_xyz=rr.ViewCoordinates.RDF, image_plane_distance=plane_distance)


def frame_cloud(depth: np.ndarray, rgb: np.ndarray | None, intrinsics: Intrinsics, pose: CameraPose, stride: int,
                budget: int) -> tuple[np.ndarray, np.ndarray | None]:
    """World points (N, 3), metres, of every ``stride``-th pixel with depth of one frame (z-depth
    (H, W) metres, colour (H, W, 3) uint8 or ``None``, camera ``pose``), thinned evenly to at
    most ``budget``, and their RGB colours (N, 3) uint8 (``None`` without colour)."""
    points, pixels = depth_to_world(depth, intrinsics, pose, stride)
    if len(points) > budget:
        keep = np.linspace(0, len(points) - 1, budget).round().astype(int)
        points, pixels = points[keep], pixels[keep]
    return points, None if rgb is None else rgb[pixels[:, 0], pixels[:, 1]]


def log_frames(rec: rr.RecordingStream, frames: Iterable[CameraFrame], picks: FramePicks, *, jpeg_quality: int = 75,
               cloud_stride: int = 4, max_points: int = 150_000) -> FramesLogged:
    """Log the camera of every posed frame, the colour of the ``picks.images`` frames and the
    point cloud of the ``picks.cloud`` frames (``max_points`` in all, shared evenly; see the
    module docstring); frames are read one at a time. Returns what was logged."""
    logged = FramesLogged(poses=[])
    clouds: list[tuple[np.ndarray, np.ndarray | None]] = []
    budget = max_points // max(len(picks.cloud), 1)
    for position, frame in enumerate(frames):
        if position == 0:
            rec.log("world/camera/image", pinhole(frame.intrinsics), static=True)
        rec.set_time(TIMELINE, duration=frame.t)
        if frame.pose is not None:
            logged.poses.append(frame.pose)
            rec.log("world/camera", rr.Transform3D(translation=frame.pose.position,
                                                   quaternion=rr.Quaternion(xyzw=frame.pose.quaternion)))
            if position in picks.cloud and frame.depth is not None:
                clouds.append(frame_cloud(frame.depth, frame.rgb, frame.intrinsics, frame.pose, cloud_stride, budget))
        if position in picks.images and frame.rgb is not None:
            rec.log("world/camera/image", jpeg_image(frame.rgb, jpeg_quality))
            logged.images += 1
    rec.reset_time()
    if clouds:
        points = np.concatenate([c[0] for c in clouds])
        colors = None if any(c[1] is None for c in clouds) else np.concatenate([c[1] for c in clouds])
        rec.log("world/cloud", rr.Points3D(points, colors=colors, radii=0.008), static=True)
        logged.points = len(points)
    return logged
