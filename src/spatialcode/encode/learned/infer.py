"""A video through the trained spatial encoder (:class:`LearnedEncoder`): frames taken
``frame_gap`` apart are grouped into clips of the network's length, each clip's confident box
slots become detections (:meth:`LearnedEncoder.detect`), and detections that are one object are
merged (:func:`merge_detections`): those of the same category that overlap (3D IoU ≥
``merge_iou``) or whose centres lie within ``merge_distance`` of each other on the floor plane,
across categories too with ``merge_labels``. A merged object takes the confidence-weighted mean
centre and size, the most confident detection's yaw, the category with the most confidence and
the earliest time seen as ``first_seen``. The frames need colour and camera poses (given, or
estimated from predicted depth: see ``spatialcode encode``).

Facing: each detection's yaw is its heading (the most likely heading bin's centre plus its
residual: :mod:`spatialcode.encode.learned.heading`), for every object — for one without a front
it is only the box's orientation. Whether the object has a front (:func:`decide_front`) weighs
the facing table (:mod:`spatialcode.tasks.facing`) as the prior and the network's has-front
probability (the confidence-weighted mean over the object's detections) as the evidence: a
category without a front has none (``False``) whatever the network says, since a symmetric
object's heading means nothing to the questions asked of it; a category with a front has one
(``True``) when the network agrees (probability ≥ 0.5), and when it does not the code leaves it
unsaid (``None``) rather than declaring a chair symmetric. ``facing_confidence`` (only with a
front) is the probability of the heading's bin in the detection whose yaw the object takes.

These settings (:class:`LearnedInferenceConfig`) are read from ``inference.yaml`` beside the model
when it is there (``benchmarks/learned_encoder.py tune`` writes it, chosen on validation scenes),
as transformers reads a ``generation_config.json`` beside its weights."""

from __future__ import annotations

import math
import pickle
import struct
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.core.version import __version__
from spatialcode.encode.frames import Frame
from spatialcode.geometry import Box3D
from spatialcode.geometry.iou import box_iou_3d
from spatialcode.scene import CameraPose, Provenance, Source, SpatialCode, SpatialObject
from spatialcode.tasks import facing

PRODUCER = "encode-learned"


#: The inference settings a trained model carries, beside its weights.
INFERENCE_FILE = "inference.yaml"


@dataclass(frozen=True)
class LearnedInferenceConfig:
    """``threshold``: least class probability of a kept slot; ``merge_iou``: 3D IoU at which two
    detections are the same object; ``merge_distance`` (m): centre distance on the floor plane at
    which they are too (0: IoU only); ``merge_labels``: whether detections of different categories
    merge; ``min_detections``: detections an object needs; ``threads``: torch threads (``None``:
    its default)."""

    threshold: float = 0.5
    merge_iou: float = 0.2
    merge_distance: float = 0.0
    merge_labels: bool = False
    min_detections: int = 1
    threads: int | None = None

    def __post_init__(self) -> None:
        for name in ("threshold", "merge_iou"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValidationError(name, f"must be in [0, 1], got {getattr(self, name)}")
        if not self.merge_distance >= 0.0:
            raise ValidationError("merge_distance", f"must be ≥ 0 m, got {self.merge_distance}")
        check_whole_number(self.min_detections, "min_detections")
        check_whole_number(self.threads, "threads", optional=True)


@dataclass(frozen=True)
class Detection:
    """One confident box slot of one clip: category, box (m, world frame; its yaw the predicted
    heading), class probability, the time (s) of the clip's first frame, the probability that
    the object has a front (``front``) and that of the heading's bin (``facing``)."""

    label: str
    box: Box3D
    score: float
    t: float
    front: float
    facing: float


@dataclass(frozen=True)
class Detections:
    """What :meth:`LearnedEncoder.detect` finds in a video: every detection and the camera path."""

    detections: tuple[Detection, ...]
    camera: tuple[CameraPose, ...]


class LearnedEncoder:
    """The network saved at ``model`` (a training run's ``final.pt``): :meth:`encode` turns a
    frame source into a SpatialCode."""

    def __init__(self, model: str | Path, config: LearnedInferenceConfig | None = None) -> None:
        """``config``: the inference settings (default: the model's ``inference.yaml`` if it has
        one, else :class:`LearnedInferenceConfig`'s defaults)."""
        import torch

        from spatialcode.core.config import load_config
        from spatialcode.encode.learned.data import ClipConfig
        from spatialcode.encode.learned.model import EncoderNetConfig, SpatialEncoderNet, load_weights

        path = Path(model)
        if not path.is_file():
            raise InputFileError(f"{path}: no such encoder model; train one with `spatialcode train encoder` "
                                 "(its output_dir/final.pt)")
        beside = path.parent / INFERENCE_FILE
        if config is None:
            config = load_config(LearnedInferenceConfig, beside) if beside.is_file() else LearnedInferenceConfig()
        self.config = config
        try:
            state = torch.load(path, weights_only=True)
            self.net = SpatialEncoderNet(EncoderNetConfig(**state["net_config"]))
            load_weights(self.net, state["net"], path)
        except (KeyError, RuntimeError, TypeError, ValueError, EOFError, pickle.UnpicklingError, struct.error) as err:
            raise InputFileError(f"{path}: not a spatial encoder model saved by `spatialcode train encoder` ({err})") from None
        self.net.eval()
        self.vocabulary = tuple(state["vocabulary"])
        self.clip = ClipConfig(**state["clip"])
        if self.config.threads is not None:
            torch.set_num_threads(self.config.threads)

    def encode(self, source: Any, scene: Source | None = None) -> SpatialCode:
        """The spatial code of the frames of ``source`` (they need colour and poses)."""
        return self.assemble(self.detect(source), scene)

    def detect(self, source: Any) -> Detections:
        """Every box slot of at least ``threshold`` class probability in the clips of ``source``'s
        frames (they need colour and poses), and the camera path."""
        detections: list[Detection] = []
        camera = []
        pending: list[Frame] = []
        clips = 0
        for n, frame in enumerate(source):
            if frame.rgb is None or frame.pose is None:
                raise InputFileError(f"frame {frame.index} needs colour and a camera pose for the learned encoder")
            camera.append(frame.pose)
            if n % self.clip.frame_gap == 0:
                pending.append(frame)
            if len(pending) == self.clip.frames:
                detections += self._detect(pending)
                clips += 1
                pending = pending[len(pending) // 2:]  # clips overlap by half
        if not camera:
            raise InputFileError("the source yielded no frames")
        if clips == 0:  # a video shorter than one clip: its frames repeated to a clip's length
            detections += self._detect((pending * self.clip.frames)[:self.clip.frames])
        return Detections(tuple(detections), tuple(camera))

    def assemble(self, found: Detections, scene: Source | None = None) -> SpatialCode:
        """The spatial code of what :meth:`detect` found: its detections merged into objects."""
        objects, camera = merge_detections(found.detections, self.config), found.camera
        fps = (len(camera) - 1) / (camera[-1].t - camera[0].t) if len(camera) > 1 and camera[-1].t > camera[0].t else None
        src = scene or Source()
        return SpatialCode(objects=tuple(objects), camera=camera,
                           source=Source(dataset=src.dataset, scene_name=src.scene_name, fps=src.fps or fps,
                                         frame_count=src.frame_count or len(camera)),
                           provenance=Provenance.from_config(PRODUCER, asdict(self.config), __version__))

    def _detect(self, frames: list[Frame]) -> list[Detection]:
        """The confident box slots of one clip."""
        import torch

        from spatialcode.encode.learned.data import clip_from_frames
        from spatialcode.encode.learned.heading import predicted_heading
        from spatialcode.encode.learned.train import batch_tensors

        images, rays, _, _ = batch_tensors([clip_from_frames(frames, self.clip)])
        with torch.inference_mode():
            out = self.net(images, rays)
        probability = out["logits"][0].softmax(-1)[:, :-1]
        score, label = probability.max(-1)
        heading, bin_probability = predicted_heading(out["heading_logits"][0], out["heading_residuals"][0])
        front = out["front_logits"][0].sigmoid()
        found = []
        for slot in torch.nonzero(score >= self.config.threshold).ravel().tolist():
            centre = out["centres"][0, slot].tolist()
            size = out["log_sizes"][0, slot].exp().tolist()
            box = Box3D(centre, size, (0.0, 0.0, float(heading[slot])))
            found.append(Detection(self.vocabulary[int(label[slot])], box, float(score[slot]), frames[0].t,
                                   front=float(front[slot]), facing=float(bin_probability[slot])))
        return found


def decide_front(label: str, probability: float) -> bool | None:
    """Whether an object ``label`` names has a front, given the network's probability (0–1) that
    it has one: the facing table is the prior, the network the evidence (module docstring) —
    ``False`` for a category without a front, ``True`` for one with a front when the probability
    is at least 0.5, else ``None`` (unsaid)."""
    if not facing.has_front(label):
        return False
    return True if probability >= 0.5 else None


def merge_detections(detections: Sequence[Detection], config: LearnedInferenceConfig) -> list[SpatialObject]:
    """One object per group of detections that are one object (see the module docstring), in order
    of first sight; detections below ``config.threshold`` are left out, and groups of fewer than
    ``min_detections``. Each detection joins the first group (most confident first) whose most
    confident member it matches."""
    groups: list[list[Detection]] = []
    for detection in sorted((d for d in detections if d.score >= config.threshold), key=lambda d: -d.score):
        for group in groups:
            if _same_object(group[0], detection, config):
                group.append(detection)
                break
        else:
            groups.append([detection])
    groups = [g for g in groups if len(g) >= config.min_detections]
    groups.sort(key=lambda g: min(d.t for d in g))
    objects = []
    for index, group in enumerate(groups):
        weights = np.array([d.score for d in group])
        centre = np.average([d.box.center for d in group], axis=0, weights=weights)
        size = np.average([d.box.size for d in group], axis=0, weights=weights)
        votes: dict[str, float] = defaultdict(float)
        for d in group:
            votes[d.label] += d.score
        label = max(votes, key=votes.__getitem__)
        box = Box3D(tuple(centre), tuple(size), group[0].box.rotation)
        front = decide_front(label, float(np.average([d.front for d in group], weights=weights)))
        objects.append(SpatialObject(id=index, label=label, box=box, first_seen=min(d.t for d in group),
                                     confidence=float(weights.max()), observations=len(group), has_front=front,
                                     facing_confidence=round(group[0].facing, 3) if front else None))
    return objects


def _same_object(a: Detection, b: Detection, config: LearnedInferenceConfig) -> bool:
    """Whether two detections are one object under ``config``."""
    if a.label != b.label and not config.merge_labels:
        return False
    apart = math.dist(a.box.center[:2], b.box.center[:2])
    if apart <= config.merge_distance:
        return True
    if apart > a.box.bounding_radius + b.box.bounding_radius:
        return False  # the boxes cannot touch
    return box_iou_3d(a.box, b.box) >= config.merge_iou
