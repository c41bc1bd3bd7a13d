"""The encoder: video / RGB-D frames → perception → lifting → tracking → fusion → box fitting →
SpatialCode.

- ``frames``, ``sources``, ``faulty``: what the encoder reads — frames and their sources (render
  folders, RGB-D folders, videos with or without a sidecar; :func:`open_source` picks one), and
  the renderer's faults injected at encode time.
- ``perception``: the perception interface and the ground-truth masks front end;
  ``pretrained/``: depth, detection, segmentation and video tracking by pretrained models, and
  the front ends built of them; ``learned/``: the learned spatial encoder (boxes straight from
  the frames).
- ``poses/``: camera poses — given, estimated (RGB-D or feature odometry) or refined against the
  map — and trajectory error metrics.
- ``lift``, ``voxels``, ``tracks``, ``boxfit``, ``room``: the geometric back end's steps — pixels
  lifted into world points, sparse voxel clouds, detections associated into 3D object tracks,
  a gravity-aligned box per track, the floor and the room outline; ``encoder``: the back end
  itself (:class:`EncoderConfig`, :class:`Encoder`, :func:`encode`).
- ``pipeline``: one config tree (:class:`EncodePipelineConfig`) from an input to a code;
  ``compare``: how close a code is to the truth.

May import: the core, geometry, the data model, the camera model, formats and the synthetic
world's label vocabulary and faults; never reasoning, the harness, training, pictures or the
command line."""

from spatialcode.encode.compare import compare_codes
from spatialcode.encode.encoder import Encoder, EncoderConfig, encode
from spatialcode.encode.faulty import FaultySource
from spatialcode.encode.frames import Frame, FrameSource, RenderFolderSource, sample_stride
from spatialcode.encode.perception import (
    Detection,
    GroundTruthPerception,
    Perception,
    PerceptionOutput,
)
from spatialcode.encode.pipeline import EncodePipelineConfig, EncodeResult, encode_input
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
from spatialcode.encode.tracks import TrackAssociationConfig

__all__ = [
    "POSE_MODES",
    "AlignmentReport",
    "Detection",
    "EncodePipelineConfig",
    "EncodeResult",
    "Encoder",
    "EncoderConfig",
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
    "TrackAssociationConfig",
    "TrajectoryErrors",
    "VideoSidecarSource",
    "align_to_gravity",
    "compare_codes",
    "encode",
    "encode_input",
    "estimate_poses",
    "open_source",
    "pose_source",
    "rigid_alignment",
    "sample_stride",
    "trajectory_errors",
]
