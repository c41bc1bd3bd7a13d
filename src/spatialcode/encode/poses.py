"""Where the encoder's camera poses come from: the input's own (``given``), dense RGB-D odometry
(``estimate``), feature matching against the frame depth (``features``: for depth predicted from
RGB), or the input's refined against the map of earlier frames (``refine``, for poses that
drift)."""

from __future__ import annotations

from typing import Any

from spatialcode.core.errors import ValidationError

POSE_MODES = ("given", "estimate", "features", "refine")


def pose_source(source: Any, mode: str = "given") -> Any:
    """``source`` with its poses as ``mode`` says (one of :data:`POSE_MODES`): unchanged,
    replaced by :class:`~spatialcode.encode.EstimatedPoseSource` (Open3D odometry, or feature
    odometry for ``features``), or refined by :class:`~spatialcode.encode.MapAlignedPoseSource`."""
    if mode == "given":
        return source
    if mode == "estimate":
        from spatialcode.encode.odometry import EstimatedPoseSource

        return EstimatedPoseSource(source)
    if mode == "features":
        from spatialcode.encode.feature_odometry import FeatureOdometryConfig
        from spatialcode.encode.odometry import EstimatedPoseSource

        return EstimatedPoseSource(source, FeatureOdometryConfig())
    if mode == "refine":
        from spatialcode.encode.refine import MapAlignedPoseSource

        return MapAlignedPoseSource(source)
    raise ValidationError("poses", f"expected one of {', '.join(POSE_MODES)}, got {mode!r}")
