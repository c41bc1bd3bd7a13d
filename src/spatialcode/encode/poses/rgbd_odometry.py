"""Camera poses from RGB-D frames by dense visual odometry (Open3D).

:class:`PoseEstimator` tracks the camera with Open3D's multi-scale RGB-D odometry
(``open3d.t.pipelines.odometry.rgbd_odometry_multi_scale``: point-to-plane depth residuals,
photometric residuals, or both). Each frame is registered against the last *keyframe* (or the
previous frame, with ``keyframes=False``), starting from a constant-velocity prediction. When
that registration's fitness (Open3D's share of pixels with an inlier correspondence) is not
good enough, further candidates are tried — the fallback method, the previous pose as the
starting point, the previous frame as the target — and the best fitness wins: a wrong
convergence (a flat wall lets point-to-plane slide; a sudden turn leaves the prediction outside
the basin) usually has a clearly lower fitness than the right one. The keyframe moves on when
the camera has moved or turned far enough from it, or when the fitness gets low. A frame that
cannot be registered — no valid depth, an Open3D error, a poor fitness, or a result far from its
starting point — keeps the predicted pose and counts in :attr:`PoseEstimator.failures`.

Defaults were chosen on held-out procedural renders (``benchmarks/pose_estimation.py``):
point-to-plane first (exact depth; the renderer's light moves with the camera, which biases
photometric residuals), hybrid as the fallback for geometry that does not pin the pose down.
On real sensor depth, ``method="hybrid"`` first may be the better choice.

Frames and poses: depth in metres (0 = invalid), poses are
:class:`~spatialcode.scene.CameraPose` (camera-to-world, OpenCV camera frame: +z forward,
+x right, +y down). The first pose is ``initial_pose`` when given, so the trajectory is in the
world frame; without it the first camera is the origin and the trajectory is in the first
camera's frame (y down, not z up) — :func:`~spatialcode.encode.poses.motion.align_to_gravity`
rotates it so that a known floor normal becomes +z.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from spatialcode.core.errors import ValidationError
from spatialcode.encode.frames import Frame
from spatialcode.encode.poses.motion import motion_size, orthonormal, scaled_motion
from spatialcode.geometry.camera import Intrinsics
from spatialcode.scene import CameraPose

METHODS = ("hybrid", "point_to_plane", "intensity")
PHOTOMETRIC = ("hybrid", "intensity")
MOTION_MODELS = ("constant_velocity", "static")


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OdometryConfig:
    """Settings of :class:`PoseEstimator`.

    - ``method``: Open3D residuals — ``"hybrid"`` (depth + intensity), ``"point_to_plane"``
      (depth only; needs no colour) or ``"intensity"`` (photometric, depth for lifting);
      ``fallback_method``: a second method (``None``: only ``method``; a photometric fallback
      is skipped for frames without RGB, a photometric ``method`` needs RGB).
    - ``depth_min`` / ``depth_max``: depth range used, metres (outside = invalid).
    - ``iterations``: Gauss-Newton iterations per pyramid level, **coarsest level first**; the
      number of entries is the number of levels (each halves the resolution).
    - ``downsample``: integer factor the frames are shrunk by (block average) before odometry
      (2: 640×480 → 320×240).
    - ``depth_outlier_trunc`` (m), ``depth_huber_delta`` (m), ``intensity_huber_delta``
      (intensity in [0, 1]): Open3D's robust loss parameters.
    - ``min_valid_depth``: share of pixels with valid depth a frame needs to be registered.
    - ``min_fitness``: least Open3D fitness (inlier share, 0–1) of an accepted registration;
      ``good_fitness``: the search over candidates (target keyframe, then previous frame ×
      start at the prediction, then at the previous pose × ``method``, then
      ``fallback_method``) stops at a registration this good; the best fitness wins (1.0: try
      every candidate).
    - ``max_correction`` (m) / ``max_correction_deg``: an accepted pose lies at most this far
      from the pose its registration started from.
    - ``keyframes``: register against the last keyframe (``False``: against the previous frame);
      a new keyframe is taken when the camera is more than ``keyframe_distance`` (m) or
      ``keyframe_angle_deg`` from it, or the fitness drops below ``keyframe_fitness``.
    - ``motion_model``: ``"constant_velocity"`` (extrapolate the last motion, scaled by the time
      step) or ``"static"`` (the previous pose): the initial guess and the pose of a failed frame.
    - ``reset_after``: after this many failures in a row the current frame becomes the keyframe
      at its predicted pose (tracking restarts from there).
    """

    method: str = "point_to_plane"
    fallback_method: str | None = "hybrid"
    depth_min: float = 0.1
    depth_max: float = 6.0
    iterations: tuple[int, ...] = (20, 10, 5, 3)
    downsample: int = 1
    depth_outlier_trunc: float = 0.07
    depth_huber_delta: float = 0.05
    intensity_huber_delta: float = 0.1
    min_valid_depth: float = 0.05
    min_fitness: float = 0.3
    good_fitness: float = 0.8
    max_correction: float = 0.3
    max_correction_deg: float = 20.0
    keyframes: bool = True
    keyframe_distance: float = 0.3
    keyframe_angle_deg: float = 15.0
    keyframe_fitness: float = 0.3
    motion_model: str = "constant_velocity"
    reset_after: int = 3

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValidationError("method", f"expected one of {', '.join(METHODS)}, got {self.method!r}")
        if self.fallback_method is not None and self.fallback_method not in METHODS:
            raise ValidationError("fallback_method", f"expected one of {', '.join(METHODS)} or None, got {self.fallback_method!r}")
        if self.motion_model not in MOTION_MODELS:
            raise ValidationError("motion_model", f"expected one of {', '.join(MOTION_MODELS)}, got {self.motion_model!r}")
        if not 0.0 <= self.depth_min < self.depth_max:
            raise ValidationError("depth_max", f"need 0 <= depth_min < depth_max, got {self.depth_min} and {self.depth_max}")
        iterations = tuple(self.iterations)
        if not iterations or any(isinstance(n, bool) or int(n) != n or n < 1 for n in iterations):
            raise ValidationError("iterations", f"expected one positive integer per pyramid level, got {list(iterations)}")
        object.__setattr__(self, "iterations", tuple(int(n) for n in iterations))
        for name in ("downsample", "reset_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValidationError(name, f"must be an integer >= 1, got {value!r}")
        for name in ("depth_outlier_trunc", "depth_huber_delta", "intensity_huber_delta", "max_correction",
                     "max_correction_deg", "keyframe_distance", "keyframe_angle_deg"):
            if not getattr(self, name) > 0:
                raise ValidationError(name, f"must be > 0, got {getattr(self, name)}")
        for name in ("min_valid_depth", "min_fitness", "keyframe_fitness", "good_fitness"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValidationError(name, f"must be in [0, 1], got {getattr(self, name)}")

    def build(self, initial_pose: CameraPose | None = None) -> PoseEstimator:
        """A :class:`PoseEstimator` with these settings starting at ``initial_pose``."""
        return PoseEstimator(self, initial_pose)

    def methods(self, color: bool) -> list[str]:
        """The methods to try, in order, for a frame with (``color``) or without RGB (a
        photometric fallback is skipped without colour)."""
        fallback = self.fallback_method
        if fallback in (None, self.method) or (fallback in PHOTOMETRIC and not color):
            return [self.method]
        return [self.method, fallback]


# --------------------------------------------------------------------------------------------
# Frames → Open3D images
# --------------------------------------------------------------------------------------------


def _downsample(frame: Frame, factor: int) -> tuple[np.ndarray | None, np.ndarray, Intrinsics]:
    """RGB and depth shrunk by ``factor`` (block means; a depth block with an invalid pixel
    becomes invalid) and the matching intrinsics (pixel centres stay consistent)."""
    depth = frame.depth
    if factor == 1:
        return frame.rgb, depth, frame.intrinsics
    h, w = (depth.shape[0] // factor) * factor, (depth.shape[1] // factor) * factor
    blocks = depth[:h, :w].reshape(h // factor, factor, w // factor, factor)
    small = np.where((blocks > 0).all(axis=(1, 3)), blocks.mean(axis=(1, 3)), 0.0).astype(np.float32)
    rgb = None
    if frame.rgb is not None:
        rgb = frame.rgb[:h, :w].reshape(h // factor, factor, w // factor, factor, 3).mean(axis=(1, 3))
        rgb = np.rint(rgb).astype(np.uint8)
    return rgb, small, frame.intrinsics.scaled(1 / factor, 1 / factor, w // factor, h // factor)


@dataclass
class _View:
    """A frame prepared for odometry: the Open3D RGB-D image, its camera-to-world pose and
    whether it has real colour."""

    image: Any
    pose: np.ndarray
    color: bool


# --------------------------------------------------------------------------------------------
# The estimator
# --------------------------------------------------------------------------------------------


class PoseEstimator:
    """Streaming camera tracker: feed frames in time order to :meth:`update`, get each frame's
    estimated camera-to-world pose (see the module docstring for the method).

    ``initial_pose``: the pose of the first frame (world frame); ``None`` = identity (the
    trajectory is then in the first camera's frame). Counters: ``frames`` (frames seen),
    ``failures`` (frames that kept the predicted pose), ``keyframe_count`` (keyframes taken);
    ``last_fitness`` is the Open3D fitness of the last accepted registration (0–1).
    """

    def __init__(self, config: OdometryConfig | None = None, initial_pose: CameraPose | None = None) -> None:
        import open3d as o3d

        self._o3d = o3d
        self.config = config or OdometryConfig()
        self.initial = np.eye(4) if initial_pose is None else initial_pose.matrix()
        self.frames = 0
        self.failures = 0
        self.keyframe_count = 0
        self.last_fitness = math.nan
        self._failure_run = 0
        self._history: list[tuple[float, np.ndarray]] = []  # last two (t, pose) for the motion model
        self._key: _View | None = None
        self._prev: _View | None = None
        odometry = o3d.t.pipelines.odometry
        self._methods = {"hybrid": odometry.Method.Hybrid, "point_to_plane": odometry.Method.PointToPlane,
                         "intensity": odometry.Method.Intensity}
        self._criteria = [odometry.OdometryConvergenceCriteria(n) for n in self.config.iterations]
        self._loss = odometry.OdometryLossParams(self.config.depth_outlier_trunc, self.config.depth_huber_delta,
                                                 self.config.intensity_huber_delta)
        self._intrinsics: tuple[Intrinsics, Any] | None = None

    def update(self, frame: Frame) -> CameraPose:
        """Register ``frame`` and return its estimated camera-to-world pose (``t = frame.t``).

        Raises :class:`ValidationError` when the method needs colour and the frame has none."""
        if frame.rgb is None and self.config.method in PHOTOMETRIC:
            raise ValidationError(f"frame {frame.index}.rgb", f"missing; method {self.config.method!r} needs colour "
                                  "(use method='point_to_plane' or a source with rgb)")
        self.frames += 1
        predicted = self._predict(frame.t)
        image = self._image(frame)
        if image is None:
            pose = self._fail(predicted, None)
        elif self._key is None:
            pose = predicted
            self._take_keyframe(_View(image, pose, frame.rgb is not None))
        else:
            pose = self._register(_View(image, predicted, frame.rgb is not None))
        self._history = [*self._history[-1:], (frame.t, pose)]
        return CameraPose.from_matrix(pose, frame.t)

    # -- motion model --------------------------------------------------------------------------

    def _predict(self, t: float) -> np.ndarray:
        """The motion model's pose at time ``t`` (s): the first pose, the last one, or the last
        motion extrapolated by the ratio of the time steps."""
        if not self._history:
            return self.initial
        t1, last = self._history[-1]
        if self.config.motion_model == "static" or len(self._history) < 2:
            return last
        t0, before = self._history[0]
        scale = (t - t1) / (t1 - t0) if t1 > t0 and t > t1 else 1.0
        return orthonormal(last @ scaled_motion(np.linalg.inv(before) @ last, scale))

    # -- registration --------------------------------------------------------------------------

    def _image(self, frame: Frame) -> Any | None:
        """The Open3D RGB-D image of ``frame`` (depth in metres, invalid = NaN), or ``None``
        when it has too little valid depth."""
        if frame.depth is None:
            return None
        cfg = self.config
        rgb, depth, intrinsics = _downsample(frame, cfg.downsample)
        valid = (depth > cfg.depth_min) & (depth < cfg.depth_max)
        if valid.mean() < cfg.min_valid_depth:
            return None
        depth = np.where(valid, depth, np.float32(np.nan)).astype(np.float32)
        if rgb is None:  # depth-only methods ignore the colour; Open3D still wants an image
            rgb = np.zeros((*depth.shape, 3), np.uint8)
        if self._intrinsics is None or self._intrinsics[0] != intrinsics:
            self._intrinsics = (intrinsics, self._o3d.core.Tensor(intrinsics.matrix))
        geometry = self._o3d.t.geometry
        return geometry.RGBDImage(geometry.Image(np.ascontiguousarray(rgb)), geometry.Image(depth))

    def _odometry(self, view: _View, target: _View, method: str, guess: np.ndarray) -> tuple[np.ndarray, float] | None:
        """Camera-to-world pose of ``view`` registered against ``target`` with ``method``
        starting from the camera-to-world ``guess``, and the fitness; ``None`` when rejected."""
        cfg = self.config
        start = np.linalg.inv(target.pose) @ guess  # view camera → target camera
        try:
            result = self._o3d.t.pipelines.odometry.rgbd_odometry_multi_scale(
                view.image, target.image, self._intrinsics[1], self._o3d.core.Tensor(start), 1.0, cfg.depth_max,
                self._criteria, self._methods[method], self._loss)
        except RuntimeError:  # e.g. "Singular 6x6 linear system detected, tracking failed"
            return None
        relative = result.transformation.numpy()
        if not np.isfinite(relative).all() or result.fitness < cfg.min_fitness:
            return None
        pose = orthonormal(target.pose @ relative)
        moved, turned = motion_size(np.linalg.inv(guess) @ pose)
        if moved > cfg.max_correction or turned > cfg.max_correction_deg:
            return None
        return pose, float(result.fitness)

    def _register(self, view: _View) -> np.ndarray:
        """Register ``view`` (holding the predicted pose) and update the keyframe; return its pose.

        Candidates — against the keyframe, then the previous frame; from the prediction, then
        the previous pose; with ``method``, then ``fallback_method`` — are tried in turn until
        one reaches ``good_fitness``; the best fitness wins."""
        cfg = self.config
        targets = [self._key] + ([self._prev] if self._prev is not None and self._prev is not self._key else [])
        guesses = [view.pose] + [last for _, last in self._history[-1:] if not np.array_equal(last, view.pose)]
        best: tuple[np.ndarray, float, _View] | None = None
        for target, guess, method in itertools.product(targets, guesses, cfg.methods(view.color)):
            if best is not None and best[1] >= cfg.good_fitness:
                break
            if method in PHOTOMETRIC and not target.color:
                continue
            found = self._odometry(view, target, method, guess)
            if found is not None and (best is None or found[1] > best[1]):
                best = (*found, target)
        if best is None:
            return self._fail(view.pose, view)
        view.pose, self.last_fitness, target = best
        self._failure_run = 0
        self._after_success(view, keyframe_lost=target is not self._key)
        return view.pose

    def _after_success(self, view: _View, keyframe_lost: bool) -> None:
        """Keep ``view`` as the previous frame and make it the keyframe when due."""
        cfg = self.config
        moved, turned = motion_size(np.linalg.inv(self._key.pose) @ view.pose)
        if (not cfg.keyframes or keyframe_lost or moved > cfg.keyframe_distance or turned > cfg.keyframe_angle_deg
                or self.last_fitness < cfg.keyframe_fitness):
            self._take_keyframe(view)
        self._prev = view

    def _take_keyframe(self, view: _View) -> None:
        """Make ``view`` the keyframe (and the previous frame)."""
        self._key = self._prev = view
        self.keyframe_count += 1

    def _fail(self, predicted: np.ndarray, view: _View | None) -> np.ndarray:
        """Count a failure and keep the prediction; after ``reset_after`` failures in a row a
        registrable frame becomes the new keyframe at its predicted pose."""
        self.failures += 1
        self._failure_run += 1
        if view is not None and self._failure_run >= self.config.reset_after:
            self._take_keyframe(view)
            self._failure_run = 0
        return predicted


def estimate_poses(source: Iterable[Frame], config: OdometryConfig | None = None,
                   initial_pose: CameraPose | None = None, progress: bool = False) -> list[CameraPose]:
    """Estimated camera-to-world pose of every frame of ``source`` (in order) with a
    :class:`PoseEstimator`; a tqdm bar goes to stderr when ``progress``."""
    import sys

    from tqdm import tqdm

    estimator = PoseEstimator(config, initial_pose)
    total = len(source) if hasattr(source, "__len__") else None
    frames = tqdm(source, total=total, desc="odometry", unit="frame", file=sys.stderr, disable=not progress)
    return [estimator.update(frame) for frame in frames]
