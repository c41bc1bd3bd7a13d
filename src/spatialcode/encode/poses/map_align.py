"""Refine drifting camera poses against a map of what earlier frames saw.

A device's reported poses (visual-inertial odometry, or the estimate of
:class:`~spatialcode.encode.poses.estimated_source.EstimatedPoseSource`) drift slowly; fusing views whose poses
drifted apart smears every object they show, and the boxes fitted to the smear come out too large.
:class:`MapAlignedPoseSource` corrects the poses frame by frame: each frame's depth is lifted with
its reported pose times the current correction and registered onto the *map* — one point and
normal per voxel, set by the first frame that saw the voxel and never moved afterwards, so the map
stays consistent with the start of the video — by point-to-plane ICP (Open3D); when the
registration is trustworthy (``min_fitness`` of the frame's points find the map within
``icp_distance``, and the step is at most ``max_step`` and ``max_turn_deg``), a share ``gain`` of
its step joins the correction. Per-frame ICP on noisy depth errs by about as much as slow drift
moves in one frame: taking a share of each step averages those errors out while the correction
still follows the drift. Each ``block`` × ``block`` pixels give one point at their median depth
(noise bends the normals and biases point-to-plane ICP; the median keeps depth edges), and the map
is cropped to the frame's surroundings.

Poses are camera-to-world (:class:`~spatialcode.scene.CameraPose`); the corrected pose is
``correction @ reported``, with the correction a rigid world transform.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.encode.frames import Frame
from spatialcode.encode.lift import block_intrinsics, block_points
from spatialcode.encode.poses.motion import motion_size, scaled_motion
from spatialcode.encode.voxels import voxel_keys
from spatialcode.geometry.camera import PixelGrid
from spatialcode.scene import CameraPose


@dataclass(frozen=True)
class MapAlignConfig:
    """Settings of :class:`MapAlignedPoseSource` (metres, pixels, degrees, fractions)."""

    voxel: float = 0.05            # map and frame grid (m)
    block: int = 4                 # lift one point per block × block pixels: their median depth
    max_depth: float = 6.0         # ignore depth beyond this (m)
    normal_neighbours: int = 12    # neighbours for the map's normals
    crop_margin: float = 0.2       # map points within the frame's bounds grown by this (m) are registered onto
    icp_distance: float = 0.1      # ICP correspondence distance (m)
    icp_iterations: int = 15
    min_fitness: float = 0.5       # least share of the frame's points with a correspondence
    max_step: float = 0.05         # largest accepted step (m) ...
    max_turn_deg: float = 2.0      # ... and turn (degrees) of one registration
    gain: float = 0.3              # share of an accepted step applied to the correction
    min_points: int = 100          # frame and map crop need this many points

    def __post_init__(self) -> None:
        for name in ("voxel", "max_depth", "icp_distance", "max_step", "max_turn_deg"):
            if not getattr(self, name) > 0:
                raise ValidationError(name, f"must be > 0, got {getattr(self, name)}")
        for name in ("block", "normal_neighbours", "icp_iterations", "min_points"):
            check_whole_number(getattr(self, name), name)
        if self.crop_margin < 0:
            raise ValidationError("crop_margin", f"must be >= 0, got {self.crop_margin}")
        for name in ("min_fitness", "gain"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValidationError(name, f"must be in [0, 1], got {getattr(self, name)}")


@dataclass
class SurfaceMap:
    """Frozen first-observation map: sorted voxel ``keys`` with one ``points`` / ``normals`` row
    each (m; unit normals), as the first frame that saw the voxel placed it."""

    voxel: float
    keys: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    points: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))
    normals: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))

    def __len__(self) -> int:
        return len(self.keys)

    def crop(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(points, normals) of the map inside the axis-aligned box [lo, hi] (m)."""
        inside = ((self.points >= lo) & (self.points <= hi)).all(axis=1)
        return self.points[inside], self.normals[inside]

    def add_new(self, points: np.ndarray, normals: np.ndarray) -> int:
        """Add the points (N, 3) with their normals (N, 3) that fall in voxels the map does not
        hold yet (the first of them per voxel); return how many voxels were added."""
        keys = voxel_keys(points, self.voxel)
        position = np.searchsorted(self.keys, keys)
        known = position < len(self.keys)
        known[known] = self.keys[position[known]] == keys[known]
        new_keys, first = np.unique(keys[~known], return_index=True)
        if not len(new_keys):
            return 0
        keys = np.concatenate([self.keys, new_keys])
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.points = np.vstack([self.points, points[~known][first]])[order]
        self.normals = np.vstack([self.normals, normals[~known][first]])[order]
        return len(new_keys)


@dataclass
class AlignmentReport:
    """What :class:`MapAlignedPoseSource` did in its last pass: frames, registrations tried and
    accepted, and the final correction's translation (m) and rotation (degrees)."""

    frames: int = 0
    registered: int = 0
    accepted: int = 0
    correction_m: float = 0.0
    correction_deg: float = 0.0


class MapAlignedPoseSource:
    """The frames of ``source`` with their poses refined against the map (see the module
    docstring). Every frame needs depth and a pose; ``report`` describes the last pass."""

    def __init__(self, source: Any, config: MapAlignConfig | None = None) -> None:
        self.source = source
        self.fps = source.fps
        self.config = config or MapAlignConfig()
        self.report = AlignmentReport()

    def __len__(self) -> int:
        return len(self.source)

    def __iter__(self) -> Iterator[Frame]:
        import open3d as o3d

        config = self.config
        self.report = report = AlignmentReport()
        surface = SurfaceMap(config.voxel)
        correction = np.eye(4)
        grid: PixelGrid | None = None
        for frame in self.source:
            if frame.depth is None:
                raise InputFileError(f"frame {frame.index} has no depth: refining poses needs metric depth")
            if frame.pose is None:
                raise InputFileError(f"frame {frame.index} has no pose to refine: estimate poses instead "
                                     "(EstimatedPoseSource; poses='estimate' in the encode pipeline)")
            blocks = block_intrinsics(frame.intrinsics, config.block)
            if grid is None or grid.intrinsics != blocks:
                grid = PixelGrid(blocks)
            pose = correction @ frame.pose.matrix()
            cloud = self._frame_cloud(frame, grid).transform(pose)
            step = self._register(cloud, surface)
            if step is not None:
                step = scaled_motion(step, config.gain)
                correction, pose = step @ correction, step @ pose
                cloud.transform(step)
            if len(cloud.points):
                cloud.estimate_normals(o3d.geometry.KDTreeSearchParamKNN(config.normal_neighbours))
                cloud.orient_normals_towards_camera_location(pose[:3, 3])
                surface.add_new(np.asarray(cloud.points), np.asarray(cloud.normals))
            report.frames += 1
            report.correction_m, report.correction_deg = motion_size(correction)
            yield replace(frame, pose=CameraPose.from_matrix(pose, frame.pose.t))

    def _frame_cloud(self, frame: Frame, grid: PixelGrid) -> Any:
        """The frame's depth, block medians lifted in the camera frame (``grid``: the block
        image's pixels) and voxel-averaged (Open3D point cloud)."""
        import open3d as o3d

        points = block_points(frame.depth, grid, self.config.block, self.config.max_depth)
        return o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points)).voxel_down_sample(self.config.voxel)

    def _register(self, cloud: Any, surface: SurfaceMap) -> np.ndarray | None:
        """The ICP step (4×4, world) that moves ``cloud`` onto the map, or ``None`` when there is
        too little to register or the result is not trustworthy."""
        import open3d as o3d

        config = self.config
        points = np.asarray(cloud.points)
        if len(points) < config.min_points or len(surface) < config.min_points:
            return None
        target_points, target_normals = surface.crop(points.min(axis=0) - config.crop_margin,
                                                     points.max(axis=0) + config.crop_margin)
        if len(target_points) < config.min_points:
            return None
        target = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(target_points))
        target.normals = o3d.utility.Vector3dVector(target_normals)
        registration = o3d.pipelines.registration
        self.report.registered += 1
        result = registration.registration_icp(
            cloud, target, config.icp_distance, np.eye(4), registration.TransformationEstimationPointToPlane(),
            registration.ICPConvergenceCriteria(max_iteration=config.icp_iterations))
        step = np.asarray(result.transformation)
        moved, turned = motion_size(step)
        if result.fitness < config.min_fitness or moved > config.max_step or turned > config.max_turn_deg:
            return None
        self.report.accepted += 1
        return step
