"""The encoder: video / RGB-D frames → perception → lifting → tracking → fusion → box fitting →
SpatialCode."""

from spatialcode.encode.faulty import FaultySource
from spatialcode.encode.frames import Frame, FrameSource, RenderFolderSource, sample_stride
from spatialcode.encode.perception import (
    Detection,
    GroundTruthPerception,
    Perception,
    PerceptionOutput,
)
from spatialcode.encode.poses import (
    POSE_MODES,
    AlignmentReport,
    EstimatedPoseSource,
    FeatureOdometryConfig,
    FeaturePoseEstimator,
    MapAlignConfig,
    MapAlignedPoseSource,
    OdometryConfig,
    PoseEstimator,
    TrajectoryErrors,
    align_to_gravity,
    estimate_poses,
    pose_source,
    rigid_alignment,
    trajectory_errors,
)
from spatialcode.encode.sources import RGBDFolderSource, RGBVideoSource, VideoSidecarSource, open_source

__all__ = [
    "POSE_MODES",
    "AlignmentReport",
    "Detection",
    "EstimatedPoseSource",
    "FaultySource",
    "FeatureOdometryConfig",
    "FeaturePoseEstimator",
    "Frame",
    "FrameSource",
    "GroundTruthPerception",
    "MapAlignConfig",
    "MapAlignedPoseSource",
    "OdometryConfig",
    "Perception",
    "PerceptionOutput",
    "PoseEstimator",
    "RGBDFolderSource",
    "RGBVideoSource",
    "RenderFolderSource",
    "TrajectoryErrors",
    "VideoSidecarSource",
    "align_to_gravity",
    "estimate_poses",
    "open_source",
    "pose_source",
    "rigid_alignment",
    "sample_stride",
    "trajectory_errors",
]
