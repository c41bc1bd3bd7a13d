"""One call from an input (render folder, RGB-D folder, video with or without a sidecar) to a
SpatialCode: the frame source, predicted depth, camera poses and the perception front end,
assembled from one validated config tree (what ``spatialcode encode`` runs).

    from spatialcode.encode.pipeline import EncodePipelineConfig, encode_input
    result = encode_input(EncodePipelineConfig("phone.mp4", perception="pretrained",
                                               depth_model="models/da2-metric-indoor",
                                               detector_model="models/owlv2"))
    result.code.save("scene.json")

The tree also holds the settings of the stages below it — the geometric encoder and its track
association (``encoder``, ``encoder.tracks``), RGB-D odometry (``odometry``), feature odometry
(``features``) and pose refinement (``refine``) — so a YAML file and ``dotted.key=value``
overrides reach every one of them::

    load_config(EncodePipelineConfig, "encode.yaml", ["source=walk.mp4", "encoder.tracks.voxel_size=0.05"])
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.encode.encoder import EncoderConfig, encode
from spatialcode.encode.frames import FrameSource, stage_seconds
from spatialcode.encode.perception import GroundTruthPerception, Perception
from spatialcode.encode.poses import POSE_MODES, FeatureOdometryConfig, MapAlignConfig, OdometryConfig, pose_source
from spatialcode.encode.sources import RGBVideoSource, open_source
from spatialcode.scene import SpatialCode

PERCEPTION_MODES = ("given", "pretrained", "learned")


@dataclass
class EncodePipelineConfig:
    """Everything an encoding needs; checked on construction, before any file is read or model loaded.

    ``perception``: ``given`` (the input's instance masks), ``pretrained`` (open-vocabulary detector
    ``detector_model`` + optional SAM ``segmenter_model`` on every frame, or a SAM-2 ``tracker_model``
    following the detections, the detector then running every ``detect_every``-th frame), ``learned`` (the trained spatial encoder
    ``encoder_model``). ``poses``: ``auto`` (the input's, or feature odometry for a colour-only video)
    or one of :data:`spatialcode.encode.poses.POSE_MODES`. ``depth_model`` predicts metric depth from
    colour (required for a colour-only video). ``hfov_deg`` (degrees; default: from the file's metadata,
    else assumed 60°) and ``width`` (pixels) describe a colour-only video's camera and resizing. ``stride`` / ``target_fps`` (frames per second) thin the frames.
    ``download_models``: let the Hugging Face hub fetch model hub ids not in the local cache.
    The stages' own settings: ``encoder`` (the geometric encoder, with its track association in
    ``encoder.tracks``), ``odometry`` (``poses="estimate"``), ``features`` (``poses="features"``
    and ``auto`` on a colour-only video) and ``refine`` (``poses="refine"``).
    """

    source: Path | str
    perception: Literal["given", "pretrained", "learned"] = "given"
    poses: str = "auto"
    sidecar: Path | str | None = None
    stride: int | None = None
    target_fps: float | None = None
    depth_model: str | None = None
    detector_model: str | None = None
    segmenter_model: str | None = None
    tracker_model: str | None = None
    detect_every: int = 5
    encoder_model: Path | str | None = None
    hfov_deg: float | None = None
    width: int | None = None
    download_models: bool = False
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    odometry: OdometryConfig = field(default_factory=OdometryConfig)
    features: FeatureOdometryConfig = field(default_factory=FeatureOdometryConfig)
    refine: MapAlignConfig = field(default_factory=MapAlignConfig)

    def __post_init__(self) -> None:
        if self.perception not in PERCEPTION_MODES:
            raise ValidationError("perception", f"{self.perception!r} is not one of {', '.join(PERCEPTION_MODES)}")
        if self.poses != "auto" and self.poses not in POSE_MODES:
            raise ValidationError("poses", f"{self.poses!r} is not one of auto, {', '.join(POSE_MODES)}")
        if self.perception == "pretrained" and self.detector_model is None:
            raise ValidationError("detector_model", "perception='pretrained' needs detector_model (an OWLv2 model folder "
                                                    "or hub id)")
        if self.tracker_model is not None and self.perception != "pretrained":
            raise ValidationError("tracker_model", "tracker_model follows detections: it needs perception='pretrained'")
        if self.tracker_model is not None and self.segmenter_model is not None:
            raise ValidationError("segmenter_model", "SAM-2 segments the objects it tracks: give tracker_model or "
                                                     "segmenter_model, not both")
        if self.perception == "learned" and self.encoder_model is None:
            raise ValidationError("encoder_model", "perception='learned' needs encoder_model (the final.pt file of a "
                                                   "trained spatial encoder)")

    def open_frames(self, rgb: bool) -> FrameSource:
        """The input's frames as they are (no predicted depth, the input's poses); ``rgb`` loads colour."""
        return open_source(Path(self.source), sidecar=None if self.sidecar is None else Path(self.sidecar),
                           stride=self.stride, target_fps=self.target_fps, rgb=rgb, hfov_deg=self.hfov_deg,
                           width=self.width)

    def build_source(self) -> FrameSource:
        """The frames the encoder reads: with predicted depth when a depth model is set, and the chosen poses."""
        from spatialcode.encode.pretrained import DepthModelConfig, MonocularDepth, PredictedDepthSource

        depth_config = (DepthModelConfig(self.depth_model, download=self.download_models)
                        if self.depth_model is not None else None)
        needs_rgb = self.perception != "given" or depth_config is not None or self.poses == "features"
        source = self.open_frames(rgb=needs_rgb)
        colour_only = isinstance(source, RGBVideoSource)
        if colour_only and depth_config is None:
            raise SpatialCodeError(f"{self.source} is a colour-only video (no sidecar of depth and poses): give "
                                   "depth_model (a metric depth model folder or hub id) to predict its depth")
        if colour_only and self.perception == "given":
            raise SpatialCodeError(f"{self.source} ships no instance masks: use perception='pretrained'")
        if colour_only and source.hfov_source == "assumed":
            warnings.warn(f"no focal length in {Path(self.source).name}'s metadata: assuming a {source.hfov_deg:g}° "
                          "horizontal field of view (phones' main cameras film 64–75°); give hfov_deg (--hfov)", stacklevel=2)
        if depth_config is not None:
            source = PredictedDepthSource(source, MonocularDepth(depth_config))
        mode = ("features" if colour_only else "given") if self.poses == "auto" else self.poses
        return pose_source(source, mode, odometry=self.odometry, features=self.features, refine=self.refine)


@dataclass
class EncodeResult:
    """An encoding's code and its cost: milliseconds per frame by stage — those before the encoder
    (``decode``, ``depth``, ``poses``, ``detection``, ``segmentation`` / ``tracking``, where they
    ran), then the encoder's own (``perception``, which holds detection and masks, ``lift``,
    ``associate``, ``background``); one ``learned encoder`` stage for the learned path."""

    code: SpatialCode
    frames: int
    ms_per_frame: dict[str, float]


def encode_input(config: EncodePipelineConfig, progress: bool = False) -> EncodeResult:
    """Encode the input ``config`` names into a SpatialCode (``progress``: a bar on stderr)."""
    from spatialcode.encode.pretrained import DetectorConfig, SegmenterConfig, VideoTrackerConfig

    # model settings are checked before the frames are opened or a model is loaded
    download = config.download_models
    detector_config = DetectorConfig(config.detector_model, download=download) if config.perception == "pretrained" else None
    segmenter_config = (SegmenterConfig(config.segmenter_model, download=download)
                        if detector_config and config.segmenter_model else None)
    tracker_config = (VideoTrackerConfig(config.tracker_model, detect_every=config.detect_every, download=download)
                      if detector_config and config.tracker_model else None)
    source = config.build_source()
    if config.perception == "learned":
        from spatialcode.encode.learned.infer import LearnedEncoder

        started = time.perf_counter()
        code = LearnedEncoder(Path(str(config.encoder_model))).encode(source)
        frames = len(code.camera)
        return EncodeResult(code, frames, {"learned encoder": 1000 * (time.perf_counter() - started) / max(frames, 1)})
    front_end: Perception
    if tracker_config is not None:
        from spatialcode.encode.pretrained import DetectorTrackerPerception, OpenVocabularyDetector, VideoObjectTracker

        front_end = DetectorTrackerPerception(OpenVocabularyDetector(detector_config), VideoObjectTracker(tracker_config))
    elif detector_config is not None:
        from spatialcode.encode.pretrained import BoxPromptSegmenter, DetectorSegmenterPerception, OpenVocabularyDetector

        segmenter = BoxPromptSegmenter(segmenter_config) if segmenter_config is not None else None
        front_end = DetectorSegmenterPerception(OpenVocabularyDetector(detector_config), segmenter)
    else:
        front_end = GroundTruthPerception()
    code, times = encode(source, front_end, config.encoder, progress=progress)
    frames = max(times.frames, 1)
    before = {name: 1000.0 * seconds / frames for name, seconds in stage_seconds(source, front_end).items()}
    return EncodeResult(code, times.frames, before | times.per_frame_ms())
