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
(``features``), pose refinement (``refine``) and levelling by the floor (``level``) — so a YAML
file and ``dotted.key=value`` overrides reach every one of them::

    load_config(EncodePipelineConfig, "encode.yaml", ["source=walk.mp4", "encoder.tracks.voxel_size=0.05"])
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from spatialcode.core.config import config_dict
from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.core.version import __version__
from spatialcode.encode.encoder import EncoderConfig, encode
from spatialcode.encode.frames import FrameSource, source_chain, stage_seconds
from spatialcode.encode.perception import GroundTruthPerception, Perception
from spatialcode.encode.poses import (
    POSE_MODES,
    FeatureOdometryConfig,
    FloorLevelConfig,
    MapAlignConfig,
    OdometryConfig,
    pose_source,
)
from spatialcode.encode.presets import preset
from spatialcode.encode.pretrained.box_masks import BOX_MASKS
from spatialcode.encode.pretrained.device import check_device
from spatialcode.encode.sources import RGBVideoSource, is_colour_only_video, open_source
from spatialcode.scene import Provenance, SpatialCode

PERCEPTION_MODES = ("auto", "given", "pretrained", "learned")


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
    and ``auto`` on a colour-only video), ``refine`` (``poses="refine"``) and ``level`` (the
    poses' tilt and height levelled by the floor, whatever their mode; ``level.enabled`` ``None``:
    on for predicted depth).
    """

    source: Path | str
    perception: Literal["auto", "given", "pretrained", "learned"] = "auto"
    poses: str = "auto"
    sidecar: Path | str | None = None
    stride: int | None = None
    target_fps: float | None = None
    depth_model: str | None = None
    detector_model: str | None = None
    segmenter_model: str | None = None
    tracker_model: str | None = None
    detect_every: int | None = None
    box_masks: str | None = None
    encoder_model: Path | str | None = None
    hfov_deg: float | None = None
    width: int | None = None
    preset: str = "fast"
    device: str = "auto"
    download_models: bool = True
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    odometry: OdometryConfig = field(default_factory=OdometryConfig)
    features: FeatureOdometryConfig = field(default_factory=FeatureOdometryConfig)
    refine: MapAlignConfig = field(default_factory=MapAlignConfig)
    level: FloorLevelConfig = field(default_factory=FloorLevelConfig)

    def __post_init__(self) -> None:
        if self.perception not in PERCEPTION_MODES:
            raise ValidationError("perception", f"{self.perception!r} is not one of {', '.join(PERCEPTION_MODES)}")
        if self.poses != "auto" and self.poses not in POSE_MODES:
            raise ValidationError("poses", f"{self.poses!r} is not one of auto, {', '.join(POSE_MODES)}")
        preset(self.preset)
        check_device(self.device)
        if self.box_masks is not None and self.box_masks not in BOX_MASKS:
            raise ValidationError("box_masks", f"expected one of {', '.join(BOX_MASKS)}, got {self.box_masks!r}")
        if self.tracker_model is not None and self.perception not in ("auto", "pretrained"):
            raise ValidationError("tracker_model", "tracker_model follows detections: it needs perception='pretrained'")
        if self.tracker_model is not None and self.segmenter_model is not None:
            raise ValidationError("segmenter_model", "SAM-2 segments the objects it tracks: give tracker_model or "
                                                     "segmenter_model, not both")
        if self.perception == "learned" and self.encoder_model is None:
            raise ValidationError("encoder_model", "perception='learned' needs encoder_model (the final.pt file of a "
                                                   "trained spatial encoder)")

    def resolved(self) -> EncodePipelineConfig:
        """This config with ``auto`` and the settings left ``None`` filled in — from the preset
        for a colour-only video and for pretrained perception — as it runs and is recorded."""
        colour_only = is_colour_only_video(self.source, self.sidecar)
        chosen = preset(self.preset)
        perception = self.perception if self.perception != "auto" else "pretrained" if colour_only else "given"
        changes: dict[str, object] = {"perception": perception}
        if perception == "pretrained":
            changes |= {"detector_model": self.detector_model or chosen.detector.repo_id,
                        "detect_every": self.detect_every or chosen.detect_every,
                        "box_masks": self.box_masks or chosen.box_masks}
            if chosen.tracker is not None and self.tracker_model is None and self.segmenter_model is None:
                changes["tracker_model"] = chosen.tracker.repo_id
        if colour_only:
            changes |= {"depth_model": self.depth_model or chosen.depth.repo_id, "width": self.width or chosen.width}
            if self.stride is None and self.target_fps is None:
                changes["target_fps"] = chosen.target_fps
        predicted = colour_only or self.depth_model is not None
        changes["encoder"] = monocular_defences(self.encoder, predicted=predicted)
        if self.level.enabled is None:  # odometry on predicted depth drifts in tilt and height; a device's poses know gravity
            changes["level"] = replace(self.level, enabled=predicted)
        return replace(self, **changes)

    def open_frames(self, rgb: bool) -> FrameSource:
        """The input's frames as they are (no predicted depth, the input's poses); ``rgb`` loads colour."""
        return open_source(Path(self.source), sidecar=None if self.sidecar is None else Path(self.sidecar),
                           stride=self.stride, target_fps=self.target_fps, rgb=rgb, hfov_deg=self.hfov_deg,
                           width=self.width)

    def build_source(self) -> FrameSource:
        """The frames the encoder reads (of the :meth:`resolved` settings): with predicted depth when
        a depth model is set, and the chosen poses."""
        from spatialcode.encode.pretrained import DepthModelConfig, MonocularDepth, PredictedDepthSource

        config = self.resolved()
        depth_config = (DepthModelConfig(config.depth_model, download=config.download_models, device=config.device)
                        if config.depth_model is not None else None)
        needs_rgb = config.perception != "given" or depth_config is not None or config.poses == "features"
        source = config.open_frames(rgb=needs_rgb)
        colour_only = isinstance(source, RGBVideoSource)
        if colour_only and config.perception == "given":
            raise SpatialCodeError(f"{config.source} ships no instance masks: use perception='pretrained' (or auto)")
        if colour_only and source.hfov_source == "assumed":
            warnings.warn(f"no focal length in {Path(config.source).name}'s metadata: assuming a {source.hfov_deg:g}° "
                          "horizontal field of view (phones' main cameras film 64–75°); give hfov_deg (--hfov)", stacklevel=2)
        if depth_config is not None:
            source = PredictedDepthSource(source, MonocularDepth(depth_config))
        mode = ("features" if colour_only else "given") if config.poses == "auto" else config.poses
        return pose_source(source, mode, odometry=config.odometry, features=config.features, refine=config.refine,
                           level=config.level)


def monocular_defences(encoder: EncoderConfig, predicted: bool) -> EncoderConfig:
    """``encoder`` with the settings left ``None`` decided by whether the depth is ``predicted`` (a
    monocular model's): then masks trimmed 3 px at their own depth edges, detections confirmed
    by 1 in 5 of the views that showed them, tracks whose label holds less than half their
    votes dropped, objects whose box is under a quarter of the smallest size the synthetic
    catalogue gives their label dropped, tracks detected for less than half a second of video
    dropped (``min_detected_seconds``: a false detection rarely recurs in the same place), and
    boxes fitted to the voxels that 1 in 20 of the
    track's detections reached with 5 % of the points left out at each end of the floor-plane
    axes (the fused cloud of frame-to-frame inconsistent depth is smeared along the rays), and a
    return to an object that the registration cannot place left out when the earlier visits'
    frames looked through most of it (``tracks.free_space_check``: drift or warp displaced it),
    and the smear of the depth's frame-to-frame spread, measured from the frames, taken out of
    the boxes' extents (``smear``, :mod:`spatialcode.encode.smear`), and each side and height
    held to the 90th percentile of those single views of the whole object give it
    (``tracks.view_extent_quantile``: frames misplaced by drift or warp spread the fused cloud),
    and each box's voxels that its track's own frames saw through, more than 5 cm in front of their
    depth, carved off (``tracks.carve_margin``: depth displaced toward the camera leaves light voxels
    in front of a surface, and boxes came out nearer the cameras than the objects; BENCHMARKS.md,
    issue 26, eleventh pass); else off. Leaving out every
    such return that weighs little (``tracks.unaligned_visit_share``) is not among them: on the encoded dev layouts it cut the
    tops off doors seen a part at a time (BENCHMARKS.md, issue 26, third pass). The metric scale
    is calibrated from the cameras' height above the floor and the furniture's heights
    (``calibration``, :mod:`spatialcode.encode.calibration`) for predicted depth only: a depth
    sensor's scale is better than either cue."""

    def decided(value: float | None, monocular: float) -> float:
        return value if value is not None else (monocular if predicted else 0)

    calibration = encoder.calibration
    if calibration.enabled is None:
        calibration = replace(calibration, enabled=predicted)
    free_space_check = encoder.tracks.free_space_check
    smear = encoder.smear if encoder.smear.enabled is not None else replace(encoder.smear, enabled=predicted)
    tracks = replace(encoder.tracks, smear_trim=decided(encoder.tracks.smear_trim, 0.05),
                     min_hit_share=decided(encoder.tracks.min_hit_share, 0.05),
                     view_extent_quantile=decided(encoder.tracks.view_extent_quantile, 0.9),
                     carve_margin=decided(encoder.tracks.carve_margin, 0.05),
                     free_space_check=predicted if free_space_check is None else free_space_check)
    return replace(encoder, calibration=calibration, tracks=tracks, smear=smear, edge_trim_px=decided(encoder.edge_trim_px, 3),
                   min_detected_seconds=decided(encoder.min_detected_seconds, 0.5),
                   min_detection_rate=decided(encoder.min_detection_rate, 0.2),
                   min_label_share=decided(encoder.min_label_share, 0.5),
                   min_size_ratio=decided(encoder.min_size_ratio, 0.25))


def encode_config(source: str | Path, overrides: Sequence[str] = (), **settings: Any) -> EncodePipelineConfig:
    """The :class:`EncodePipelineConfig` of ``source`` with ``settings`` (those not ``None``) and
    then the ``dotted.key=value`` ``overrides`` (what ``ask VIDEO`` and ``eval --videos`` pass on)."""
    from spatialcode.core.config import load_config

    values = {"source": str(source), **{key: value for key, value in settings.items() if value is not None}}
    return load_config(EncodePipelineConfig, None, overrides, values)


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
    """Encode the input ``config`` names into a SpatialCode (``progress``: a bar on stderr), with
    the settings :meth:`~EncodePipelineConfig.resolved` fills in; the code's provenance records
    them, the models with their pinned revisions and the camera's field of view."""
    from spatialcode.encode.pretrained import DetectorConfig, SegmenterConfig, VideoTrackerConfig

    config = config.resolved()
    # model settings are checked before the frames are opened or a model is loaded
    models = {"download": config.download_models, "device": config.device}
    detector_config = DetectorConfig(config.detector_model, **models) if config.perception == "pretrained" else None
    segmenter_config = (SegmenterConfig(config.segmenter_model, **models)
                        if detector_config and config.segmenter_model else None)
    tracker_config = (VideoTrackerConfig(config.tracker_model, detect_every=config.detect_every, **models)
                      if detector_config and config.tracker_model else None)
    fetch_pinned_models(config)
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
        front_end = DetectorSegmenterPerception(OpenVocabularyDetector(detector_config), segmenter,
                                                detect_every=config.detect_every or 1, box_masks=config.box_masks or "box")
    else:
        front_end = GroundTruthPerception()
    try:
        code, times = encode(source, front_end, config.encoder, progress=progress)
    except Exception as err:
        if isinstance(err, MemoryError) or type(err).__name__ == "OutOfMemoryError":  # torch's, without importing it
            raise SpatialCodeError(f"out of memory while encoding {Path(config.source).name} on {config.device} "
                                   f"(preset {config.preset}, {config.width or 'full'} px wide): use --preset fast, a "
                                   "smaller --width or --target-fps, or --device cpu") from None
        raise
    check_tracking(source)
    frames = max(times.frames, 1)
    before = {name: 1000.0 * seconds / frames for name, seconds in stage_seconds(source, front_end).items()}
    provenance = Provenance.from_config("encode", encode_settings(config, source), __version__)
    if "calibration_measured" in code.provenance.config:  # what the encoder measured, beside the settings
        provenance = replace(provenance, config={**provenance.config,
                                                 "calibration_measured": code.provenance.config["calibration_measured"]})
    code = replace(code, provenance=provenance)
    return EncodeResult(code, times.frames, before | times.per_frame_ms())


#: Below this mean grey level (0–255) a video is called too dark when its camera was lost.
DARK_BRIGHTNESS = 20.0


def check_tracking(source: FrameSource) -> None:
    """Raise one line when feature odometry could not place the camera in more than its
    ``max_lost_share`` of the frames (the code would be meaningless), saying whether the video
    looks too dark (mean grey level below :data:`DARK_BRIGHTNESS`)."""
    from spatialcode.encode.poses import EstimatedPoseSource, FeatureOdometryConfig

    chain = source_chain(source)
    poses = next((part for part in chain if isinstance(part, EstimatedPoseSource)), None)
    if poses is None or not isinstance(poses.config, FeatureOdometryConfig) or poses.estimator is None:
        return
    frames, lost = poses.estimator.frames, poses.estimator.failures
    if frames < 4 or lost <= poses.config.max_lost_share * frames:
        return
    video = next((part for part in chain if isinstance(part, RGBVideoSource)), None)
    brightness = sum(video.brightness) / len(video.brightness) if video is not None and video.brightness else None
    why = (f"too dark: mean brightness {brightness:.0f} of 255; film with more light" if brightness is not None
           and brightness < DARK_BRIGHTNESS else "too little texture, blur or fast motion; film slower, in more light, "
           "or raise --target-fps")
    raise SpatialCodeError(f"the camera could not be followed in {lost} of {frames} frames ({why}), or give the "
                           "video's poses in a sidecar")


def fetch_pinned_models(config: EncodePipelineConfig) -> None:
    """Make sure the pinned models ``config`` names (:mod:`~spatialcode.encode.pretrained.models`)
    are in the Hugging Face cache: fetched when ``download_models`` allows, their total size
    announced on stderr first; one line naming what to run otherwise."""
    from spatialcode.encode.pretrained.models import ensure_models, pinned_model

    named = (config.depth_model, config.detector_model, config.segmenter_model, config.tracker_model)
    pinned = [model for name in named if name and (model := pinned_model(str(name))) is not None]
    if pinned:
        ensure_models(pinned, download=config.download_models, announce=lambda line: print(line, file=sys.stderr))


def encode_settings(config: EncodePipelineConfig, source: FrameSource) -> dict[str, Any]:
    """What made a code, for its provenance: the resolved settings (without the input's path),
    each model as ``hub id@revision`` when pinned, and a colour-only video's field of view and
    where it came from."""
    from spatialcode.encode.pretrained.models import pinned_model

    settings = {k: v for k, v in config_dict(config).items() if k not in ("source", "sidecar", "download_models")}
    for key in ("depth_model", "detector_model", "segmenter_model", "tracker_model"):
        if settings.get(key) and (pinned := pinned_model(settings[key])) is not None:
            settings[key] = f"{pinned.repo_id}@{pinned.revision}"
    video = next((part for part in source_chain(source) if isinstance(part, RGBVideoSource)), None)
    if video is not None:
        settings["camera"] = {"hfov_deg": round(video.hfov_deg, 3), "hfov_source": video.hfov_source}
    return settings

