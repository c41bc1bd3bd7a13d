"""Camera poses for the encoder: where they come from (:mod:`~.modes`: given, estimated or refined),
dense RGB-D odometry (:mod:`~.rgbd_odometry`), feature odometry for predicted depth
(:mod:`~.feature_odometry`), a frame source with estimated poses (:mod:`~.estimated_source`),
refinement of drifting poses against the map (:mod:`~.map_align`), levelling of a drifting tilt by
the floor (:mod:`~.floor_level`), rigid-motion helpers
(:mod:`~.motion`) and trajectory error metrics (:mod:`~.metrics`).

May import: the core, the data model (:mod:`spatialcode.scene`), the camera model and the
encoder's frames, lifting and voxel modules — nothing of perception, tracking or the pipeline."""

from spatialcode.encode.poses.estimated_source import LEVEL_START, EstimatedPoseSource
from spatialcode.encode.poses.feature_odometry import FeatureOdometryConfig, FeaturePoseEstimator
from spatialcode.encode.poses.floor_level import FloorLevelConfig, FloorLevelledPoseSource, LevellingReport
from spatialcode.encode.poses.map_align import AlignmentReport, MapAlignConfig, MapAlignedPoseSource
from spatialcode.encode.poses.metrics import TrajectoryErrors, rigid_alignment, trajectory_errors
from spatialcode.encode.poses.modes import POSE_MODES, pose_source
from spatialcode.encode.poses.motion import align_to_gravity
from spatialcode.encode.poses.rgbd_odometry import OdometryConfig, PoseEstimator, estimate_poses

__all__ = [
    "LEVEL_START",
    "POSE_MODES",
    "AlignmentReport",
    "EstimatedPoseSource",
    "FeatureOdometryConfig",
    "FeaturePoseEstimator",
    "FloorLevelConfig",
    "FloorLevelledPoseSource",
    "LevellingReport",
    "MapAlignConfig",
    "MapAlignedPoseSource",
    "OdometryConfig",
    "PoseEstimator",
    "TrajectoryErrors",
    "align_to_gravity",
    "estimate_poses",
    "pose_source",
    "rigid_alignment",
    "trajectory_errors",
]
