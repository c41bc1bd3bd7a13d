"""Camera poses from colour and depth by feature matching (:class:`FeaturePoseEstimator`): SIFT
features of each frame (OpenCV) are matched to those of the last keyframe, the keyframe's matched
features are lifted to 3D with its depth, and the frame's pose follows from those 3D–2D matches
by PnP with RANSAC. The scale is the depth's: with depth predicted by a metric monocular model
(:class:`~spatialcode.encode.pretrained.PredictedDepthSource`) this gives metric poses from an
RGB video alone, and sparse matches with RANSAC tolerate the frame-to-frame inconsistency of
predicted depth better than dense registration does.

A frame that cannot be placed (too few features, matches or inliers) keeps the previous pose
and counts in :attr:`FeaturePoseEstimator.failures`; after ``reset_after`` failures in a row it
becomes the keyframe (tracking restarts there). Conventions as in :mod:`spatialcode.encode.frames`
(camera-to-world poses, OpenCV camera frame, depth in metres with 0 = none).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.encode.frames import Frame
from spatialcode.scene import CameraPose


@dataclass(frozen=True)
class FeatureOdometryConfig:
    """Settings of :class:`FeaturePoseEstimator`: at most ``features`` SIFT keypoints per frame; Lowe's
    ``ratio`` test on the two nearest matches; ``depth_min`` / ``depth_max`` (m): keyframe depth
    used to lift features, and only where the depth of the 3 × 3 pixels around a feature varies
    by at most ``depth_jump`` (a share of its depth: not on an occlusion edge); PnP-RANSAC with ``reprojection_px`` pixels of tolerance needs
    ``min_inliers`` inliers; a new keyframe when the camera is more than ``keyframe_distance`` (m)
    or ``keyframe_angle_deg`` from the keyframe or fewer than ``keyframe_inliers`` inliers remain;
    ``reset_after`` failures in a row restart tracking; an encoding whose camera could not be
    placed in more than ``max_lost_share`` of its frames fails (1 = never)."""

    features: int = 1500
    ratio: float = 0.8
    depth_min: float = 0.1
    depth_max: float = 8.0
    depth_jump: float = 0.05
    reprojection_px: float = 1.0
    min_inliers: int = 15
    keyframe_distance: float = 0.3
    keyframe_angle_deg: float = 15.0
    keyframe_inliers: int = 80
    reset_after: int = 5
    max_lost_share: float = 0.5

    def __post_init__(self) -> None:
        for name in ("features", "min_inliers", "keyframe_inliers", "reset_after"):
            check_whole_number(getattr(self, name), name)
        if not 0 < self.ratio <= 1:
            raise ValidationError("ratio", f"must be in (0, 1], got {self.ratio}")
        if not 0 <= self.depth_min < self.depth_max:
            raise ValidationError("depth_max", f"must exceed depth_min >= 0, got {self.depth_min} .. {self.depth_max}")
        if not 0 < self.max_lost_share <= 1:
            raise ValidationError("max_lost_share", f"must be in (0, 1], got {self.max_lost_share}")
        for name in ("reprojection_px", "keyframe_distance", "keyframe_angle_deg", "depth_jump"):
            if not getattr(self, name) > 0:
                raise ValidationError(name, f"must be > 0, got {getattr(self, name)}")

    def build(self, initial_pose: CameraPose | None = None) -> FeaturePoseEstimator:
        """A :class:`FeaturePoseEstimator` with these settings starting at ``initial_pose``."""
        return FeaturePoseEstimator(self, initial_pose)


@dataclass
class _Keyframe:
    pose: np.ndarray          # 4×4 camera-to-world
    points: np.ndarray        # (N, 3) its features in its camera frame (m); NaN where depth is missing
    descriptors: np.ndarray   # (N, 128) float32 SIFT descriptors


class FeaturePoseEstimator:
    """Feed frames in order to :meth:`update`; it returns each frame's camera-to-world pose. The
    first frame is at ``initial_pose`` (default: the origin, camera axes = world axes)."""

    def __init__(self, config: FeatureOdometryConfig | None = None, initial_pose: CameraPose | None = None) -> None:
        import cv2

        self.config = config or FeatureOdometryConfig()
        self._features = cv2.SIFT_create(nfeatures=self.config.features)
        self._matcher = cv2.BFMatcher(cv2.NORM_L2)
        self._last = np.eye(4) if initial_pose is None else initial_pose.matrix()
        self._keyframe: _Keyframe | None = None
        self.frames = 0
        self.failures = 0
        self.keyframe_count = 0
        self.last_inliers = 0
        self._failure_run = 0

    def update(self, frame: Frame) -> CameraPose:
        """The camera-to-world pose of ``frame`` (it needs colour and depth)."""
        import cv2

        if frame.rgb is None or frame.depth is None:
            raise InputFileError(f"frame {frame.index} needs colour and depth for feature odometry")
        self.frames += 1
        keypoints, descriptors = self._features.detectAndCompute(cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2GRAY), None)
        if self._keyframe is None:
            self._take_keyframe(self._last, keypoints, descriptors, frame)
            return CameraPose.from_matrix(self._last, frame.t)
        relative, inliers = self._register(keypoints, descriptors, frame)
        self.last_inliers = inliers
        if relative is None:
            self.failures += 1
            self._failure_run += 1
            if self._failure_run >= self.config.reset_after:
                self._take_keyframe(self._last, keypoints, descriptors, frame)
            return CameraPose.from_matrix(self._last, frame.t)
        self._failure_run = 0
        self._last = self._keyframe.pose @ np.linalg.inv(relative)
        if self._far_from_keyframe(relative, inliers):
            self._take_keyframe(self._last, keypoints, descriptors, frame)
        return CameraPose.from_matrix(self._last, frame.t)

    def _take_keyframe(self, pose: np.ndarray, keypoints: tuple, descriptors: np.ndarray | None, frame: Frame) -> None:
        if descriptors is None or not keypoints:
            return
        self.keyframe_count += 1
        self._keyframe = _Keyframe(pose, self._lift(keypoints, frame), descriptors)

    def _lift(self, keypoints: tuple, frame: Frame) -> np.ndarray:
        """The keypoints in the camera frame (m), NaN where the depth is missing or out of range."""
        uv = np.array([kp.pt for kp in keypoints], dtype=np.float64)
        height, width = frame.depth.shape
        cols = np.clip(np.round(uv[:, 0]).astype(int), 0, width - 1)
        rows = np.clip(np.round(uv[:, 1]).astype(int), 0, height - 1)
        z = frame.depth[rows, cols].astype(np.float64)
        # features sit on edges, often where depth jumps: keep those whose 3 × 3 neighbourhood agrees
        padded = np.pad(frame.depth, 1, mode="edge")
        window = np.stack([padded[rows + dr, cols + dc] for dr in range(3) for dc in range(3)])
        steady = (window.min(axis=0) > 0) & (window.max(axis=0) - window.min(axis=0) <= self.config.depth_jump * z)
        z[~steady | (z < self.config.depth_min) | (z > self.config.depth_max)] = np.nan
        k = frame.intrinsics
        return np.column_stack([(uv[:, 0] - k.cx) / k.fx * z, (uv[:, 1] - k.cy) / k.fy * z, z])

    def _register(self, keypoints: tuple, descriptors: np.ndarray | None, frame: Frame) -> tuple[np.ndarray | None, int]:
        """The keyframe-to-frame transform (4×4: keyframe camera coordinates → this frame's) and
        the number of RANSAC inliers; ``None`` when it cannot be found."""
        import cv2

        config = self.config
        if descriptors is None or len(keypoints) < config.min_inliers:
            return None, 0
        pairs = self._matcher.knnMatch(self._keyframe.descriptors, descriptors, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < config.ratio * p[1].distance]
        good = [m for m in good if np.isfinite(self._keyframe.points[m.queryIdx, 2])]
        if len(good) < config.min_inliers:
            return None, len(good)
        objects = np.array([self._keyframe.points[m.queryIdx] for m in good], dtype=np.float64)
        images = np.array([keypoints[m.trainIdx].pt for m in good], dtype=np.float64)
        k = frame.intrinsics
        camera = np.array([[k.fx, 0, k.cx], [0, k.fy, k.cy], [0, 0, 1]], dtype=np.float64)
        found, rvec, tvec, inliers = cv2.solvePnPRansac(objects, images, camera, None, iterationsCount=200,
                                                        reprojectionError=config.reprojection_px, confidence=0.999)
        if not found or inliers is None or len(inliers) < config.min_inliers:
            return None, 0 if inliers is None else len(inliers)
        transform = np.eye(4)
        transform[:3, :3] = cv2.Rodrigues(rvec)[0]
        transform[:3, 3] = tvec.ravel()
        return transform, len(inliers)

    def _far_from_keyframe(self, relative: np.ndarray, inliers: int) -> bool:
        angle = math.degrees(math.acos(float(np.clip((np.trace(relative[:3, :3]) - 1) / 2, -1.0, 1.0))))
        return (float(np.linalg.norm(relative[:3, 3])) > self.config.keyframe_distance
                or angle > self.config.keyframe_angle_deg or inliers < self.config.keyframe_inliers)
