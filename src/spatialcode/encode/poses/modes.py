"""Where the encoder's camera poses come from: the input's own (``given``), dense RGB-D odometry
(``estimate``), feature matching against the frame depth (``features``: for depth predicted from
RGB), or the input's refined against the map of earlier frames (``refine``, for poses that
drift); any of them optionally levelled by the floor (:mod:`~.floor_level`)."""

from __future__ import annotations

from typing import Any

from spatialcode.core.errors import ValidationError
from spatialcode.encode.poses.estimated_source import EstimatedPoseSource
from spatialcode.encode.poses.feature_odometry import FeatureOdometryConfig
from spatialcode.encode.poses.floor_level import FloorLevelConfig, FloorLevelledPoseSource
from spatialcode.encode.poses.map_align import MapAlignConfig, MapAlignedPoseSource
from spatialcode.encode.poses.rgbd_odometry import OdometryConfig

POSE_MODES = ("given", "estimate", "features", "refine")


def pose_source(source: Any, mode: str = "given", odometry: OdometryConfig | None = None,
                features: FeatureOdometryConfig | None = None, refine: MapAlignConfig | None = None,
                level: FloorLevelConfig | None = None) -> Any:
    """``source`` with its poses as ``mode`` says (one of :data:`POSE_MODES`): unchanged,
    replaced by an :class:`EstimatedPoseSource` (RGB-D odometry with ``odometry`` for ``estimate``,
    feature odometry with ``features`` for ``features``), or refined by a
    :class:`MapAlignedPoseSource` with ``refine``; a setting left ``None`` takes its defaults. With
    ``level`` enabled, the resulting poses' tilt and height are then levelled by the floor
    (:class:`FloorLevelledPoseSource`)."""
    if mode not in POSE_MODES:
        raise ValidationError("poses", f"expected one of {', '.join(POSE_MODES)}, got {mode!r}")
    if mode == "estimate":
        source = EstimatedPoseSource(source, odometry or OdometryConfig())
    elif mode == "features":
        source = EstimatedPoseSource(source, features or FeatureOdometryConfig())
    elif mode == "refine":
        source = MapAlignedPoseSource(source, refine)
    if level is not None and level.enabled:
        source = FloorLevelledPoseSource(source, level)
    return source
