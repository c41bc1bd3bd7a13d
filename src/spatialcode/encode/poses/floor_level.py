"""Level a drifting camera's tilt and hold its height with the floor each frame shows.

Odometry on predicted depth lets the camera's attitude and height drift: a few degrees of pitch
or roll put an object 3 m away 15 cm too high or too low, and a height drift moves everything the
camera sees; the views of one object then disagree on where it is vertically and its fused box
grows tall. The floor is level and stays at one height. In each frame the points lying more than
``below`` m under the camera (its depth lifted with the current pose, ``block`` × ``block`` pixel
medians) are searched for their largest plane (RANSAC, Open3D); when that plane holds
``min_points`` points spread over at least ``min_spread`` m along both floor axes and is within
``max_tilt_deg`` of level, it is the floor, and

- the rotation that levels it joins the attitude correction by a share ``gain`` — the attitude
  only: the camera keeps its position, so a correction is never a swing about some far point;
- its height under the camera is compared with the floor's height in the first
  ``reference_frames`` frames where it was found (the median; the start of the video anchors
  the map too), and a share ``height_gain`` of the difference joins the height correction,
  which moves every later position up or down. A level plane more than ``max_floor_offset`` m
  from that height is not the floor but something on it (a bed, a low table) and is not used.

One frame's floor is itself a few degrees and centimetres off under predicted depth's smooth
warp; the shares average those errors out over many frames while the corrections still follow
the drift (BENCHMARKS.md, issue 26, seventh pass).

Poses are camera-to-world (:class:`~spatialcode.scene.CameraPose`); the levelled rotation is
``correction @ reported`` and the levelled position the reported one raised by the height
correction.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.encode.frames import Frame
from spatialcode.encode.lift import block_intrinsics, block_points
from spatialcode.geometry.camera import PixelGrid
from spatialcode.scene import CameraPose


@dataclass(frozen=True)
class FloorLevelConfig:
    """Settings of :class:`FloorLevelledPoseSource` (metres, degrees, pixels, fractions);
    ``enabled`` ``None``: on for predicted depth in the encode pipeline, else off."""

    enabled: bool | None = None
    gain: float = 0.05            # share of a frame's levelling rotation applied to the attitude correction
    height_gain: float = 0.05     # share of a frame's floor height error applied to the height correction
    reference_frames: int = 10    # the floor's height: its median over the first frames it was found in
    max_floor_offset: float = 0.3  # a level plane farther than this from that height is not the floor (a bed, a low table)
    below: float = 0.9            # floor candidates lie at least this far under the camera (m)
    plane_distance: float = 0.03  # RANSAC inlier distance (m)
    iterations: int = 200         # RANSAC iterations
    min_points: int = 150         # least points on the plane ...
    min_spread: float = 0.8       # ... spread over at least this along both floor axes (m)
    max_tilt_deg: float = 12.0    # a plane further from level is not the floor
    block: int = 4                # one point per block × block pixels: their median depth
    max_depth: float = 6.0        # ignore depth beyond this (m)

    def __post_init__(self) -> None:
        for name in ("below", "plane_distance", "min_spread", "max_tilt_deg", "max_depth", "max_floor_offset"):
            if not getattr(self, name) > 0:
                raise ValidationError(f"level.{name}", f"must be > 0, got {getattr(self, name)}")
        for name in ("gain", "height_gain"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValidationError(f"level.{name}", f"must be in [0, 1], got {getattr(self, name)}")
        for name in ("iterations", "min_points", "block", "reference_frames"):
            check_whole_number(getattr(self, name), f"level.{name}")


@dataclass
class LevellingReport:
    """What a pass of :class:`FloorLevelledPoseSource` did: ``frames`` read, ``levelled`` (frames
    whose floor was found and used), ``not_floor`` (frames whose plane lay too far from the floor's
    height), the attitude correction's size at the end (degrees), the floor's reference height (m;
    ``None`` before it was set) and the height correction at the end (m)."""

    frames: int = 0
    levelled: int = 0
    not_floor: int = 0
    correction_deg: float = 0.0
    floor_z: float | None = None
    height_correction_m: float = 0.0


class FloorLevelledPoseSource:
    """The frames of ``source`` with their camera tilt levelled by the floor (module docstring)."""

    def __init__(self, source: Any, config: FloorLevelConfig | None = None) -> None:
        self.source = source
        self.config = config or FloorLevelConfig()
        self.fps = getattr(source, "fps", None)
        self.report = LevellingReport()

    def __len__(self) -> int:
        return len(self.source)

    def __iter__(self) -> Iterator[Frame]:
        config = self.config
        self.report = report = LevellingReport()
        correction, raised = Rotation.identity(), 0.0
        reference: list[float] = []
        grid: PixelGrid | None = None
        for frame in self.source:
            if frame.depth is None:
                raise InputFileError(f"frame {frame.index} has no depth: levelling poses with the floor needs depth")
            if frame.pose is None:
                raise InputFileError(f"frame {frame.index} has no pose to level")
            blocks = block_intrinsics(frame.intrinsics, config.block)
            if grid is None or grid.intrinsics != blocks:
                grid = PixelGrid(blocks)
            pose = frame.pose.matrix()
            pose[:3, :3] = correction.as_matrix() @ pose[:3, :3]
            pose[2, 3] += raised
            floor = self.find_floor(frame, grid, pose)
            if (floor is not None and len(reference) == config.reference_frames
                    and abs(floor[1] - report.floor_z) > config.max_floor_offset):
                report.not_floor += 1
                floor = None
            if floor is not None:
                turn, floor_z = floor
                step = Rotation.from_rotvec(turn.as_rotvec() * config.gain)
                correction = step * correction
                pose[:3, :3] = step.as_matrix() @ pose[:3, :3]
                if len(reference) < config.reference_frames:
                    reference.append(floor_z)
                    report.floor_z = float(np.median(reference))
                else:
                    lift = config.height_gain * (report.floor_z - floor_z)
                    raised += lift
                    pose[2, 3] += lift
                report.levelled += 1
            report.frames += 1
            report.correction_deg = float(np.degrees(correction.magnitude()))
            report.height_correction_m = raised
            yield replace(frame, pose=CameraPose.from_matrix(pose, frame.pose.t)) if report.levelled else frame

    def find_floor(self, frame: Frame, grid: PixelGrid, pose: np.ndarray) -> tuple[Rotation, float] | None:
        """The floor ``frame`` shows when its depth is lifted with ``pose`` (4 × 4 camera-to-world):
        the rotation (world frame) that turns it level and its height (m) under the camera; ``None``
        when no floor is found."""
        import open3d as o3d

        config = self.config
        points = block_points(frame.depth, grid, config.block, config.max_depth) @ pose[:3, :3].T + pose[:3, 3]
        low = points[points[:, 2] < pose[2, 3] - config.below]
        if len(low) < config.min_points:
            return None
        cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(low))
        o3d.utility.random.seed(frame.index)  # RANSAC draws repeatably
        plane, inliers = cloud.segment_plane(config.plane_distance, 3, config.iterations)
        plane = np.asarray(plane, dtype=float)
        plane *= math.copysign(1.0 / np.linalg.norm(plane[:3]), plane[2])  # a x + b y + c z + d = 0, c > 0
        normal = plane[:3]
        flat = low[np.asarray(inliers, dtype=int)]
        tilt = math.acos(min(float(normal[2]), 1.0))
        if (len(flat) < config.min_points or math.degrees(tilt) > config.max_tilt_deg
                or (np.ptp(flat[:, :2], axis=0) < config.min_spread).any()):
            return None
        axis = np.cross(normal, (0.0, 0.0, 1.0))
        turn = Rotation.from_rotvec(axis / np.linalg.norm(axis) * tilt) if tilt > 0 else Rotation.identity()
        height = -(plane[0] * pose[0, 3] + plane[1] * pose[1, 3] + plane[3]) / plane[2]
        return turn, float(height)
