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

from spatialcode.core.lazy import lazy_exports

_EXPORTS = {
    "compare_codes": "spatialcode.encode.compare",
    "Encoder": "spatialcode.encode.encoder",
    "EncoderConfig": "spatialcode.encode.encoder",
    "encode": "spatialcode.encode.encoder",
    "FaultySource": "spatialcode.encode.faulty",
    "Frame": "spatialcode.encode.frames",
    "FrameSource": "spatialcode.encode.frames",
    "RenderFolderSource": "spatialcode.encode.frames",
    "sample_stride": "spatialcode.encode.frames",
    "Detection": "spatialcode.encode.perception",
    "GroundTruthPerception": "spatialcode.encode.perception",
    "Perception": "spatialcode.encode.perception",
    "PerceptionOutput": "spatialcode.encode.perception",
    "EncodePipelineConfig": "spatialcode.encode.pipeline",
    "EncodeResult": "spatialcode.encode.pipeline",
    "encode_input": "spatialcode.encode.pipeline",
    "POSE_MODES": "spatialcode.encode.poses",
    "AlignmentReport": "spatialcode.encode.poses",
    "EstimatedPoseSource": "spatialcode.encode.poses",
    "FeatureOdometryConfig": "spatialcode.encode.poses",
    "FeaturePoseEstimator": "spatialcode.encode.poses",
    "MapAlignConfig": "spatialcode.encode.poses",
    "MapAlignedPoseSource": "spatialcode.encode.poses",
    "OdometryConfig": "spatialcode.encode.poses",
    "PoseEstimator": "spatialcode.encode.poses",
    "TrajectoryErrors": "spatialcode.encode.poses",
    "align_to_gravity": "spatialcode.encode.poses",
    "estimate_poses": "spatialcode.encode.poses",
    "pose_source": "spatialcode.encode.poses",
    "rigid_alignment": "spatialcode.encode.poses",
    "trajectory_errors": "spatialcode.encode.poses",
    "RGBDFolderSource": "spatialcode.encode.sources",
    "RGBVideoSource": "spatialcode.encode.sources",
    "VideoSidecarSource": "spatialcode.encode.sources",
    "open_source": "spatialcode.encode.sources",
    "TrackAssociationConfig": "spatialcode.encode.tracks",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
