"""A frame source whose camera poses are estimated from its own frames (RGB-D odometry or
feature odometry) instead of read from it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from scipy.spatial.transform import Rotation

from spatialcode.encode.frames import Frame
from spatialcode.encode.poses.feature_odometry import FeatureOdometryConfig
from spatialcode.encode.poses.rgbd_odometry import OdometryConfig
from spatialcode.scene import CameraPose

#: A level camera at the origin looking along +x (OpenCV axes: x right → -y, y down → -z,
#: z forward → +x): the start of a trajectory with no known first pose.
LEVEL_START = CameraPose(t=0.0, position=(0.0, 0.0, 0.0),
                         quaternion=tuple(Rotation.from_matrix([[0, 0, 1], [-1, 0, 0], [0, -1, 0]]).as_quat()))


class EstimatedPoseSource:
    """A frame source whose poses are estimated from its RGB-D frames instead of read from it:
    by the estimator its ``config`` builds — :class:`OdometryConfig` (the default; Open3D dense
    RGB-D odometry) or :class:`FeatureOdometryConfig` (feature matching and PnP, for predicted
    depth).

    The trajectory starts at the wrapped source's first pose when it has one (``anchor=True``:
    the world frame of the input, as when a device reports only where it started); otherwise at
    :data:`LEVEL_START`, so the world is z-up as long as the first view is level. The poses the
    wrapped source gives for later frames are ignored. ``estimator`` holds the counters of the
    last pass (failures, keyframes); ``stage_seconds["poses"]`` the seconds spent estimating."""

    def __init__(self, source: Any, config: OdometryConfig | FeatureOdometryConfig | None = None,
                 anchor: bool = True) -> None:
        self.source = source
        self.fps = source.fps
        self.config = config or OdometryConfig()
        self.anchor = anchor
        self.estimator: Any = None  # the last pass's estimator (its failures, keyframes)
        self.stage_seconds = {"poses": 0.0}

    def __len__(self) -> int:
        return len(self.source)

    def __iter__(self) -> Iterator[Frame]:
        self.estimator = None
        for frame in self.source:
            if self.estimator is None:
                start = frame.pose if self.anchor and frame.pose is not None else LEVEL_START
                self.estimator = self.config.build(start)
            started = time.perf_counter()
            frame.pose = self.estimator.update(frame)
            self.stage_seconds["poses"] += time.perf_counter() - started
            yield frame

