"""A video through the trained spatial encoder (:class:`LearnedEncoder`): frames taken
``frame_gap`` apart are grouped into clips of the network's length, each clip's confident box
slots become detections, and detections of the same category that overlap (3D IoU ≥
``merge_iou``) across clips are merged into one object (confidence-weighted mean centre and
size, the most confident yaw, the earliest time seen as ``first_seen``). The frames need colour
and camera poses (given, or estimated from predicted depth: see ``spatialcode encode``)."""

from __future__ import annotations

import math
import pickle
import struct
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spatialcode import __version__
from spatialcode.encode.frames import Frame
from spatialcode.errors import InputFileError, ValidationError
from spatialcode.geometry import Box3D
from spatialcode.geometry.iou import box_iou_3d
from spatialcode.scene import Provenance, Source, SpatialCode, SpatialObject

PRODUCER = "encode-learned"


@dataclass(frozen=True)
class LearnedInferenceConfig:
    """``threshold``: least class probability of a kept slot; ``merge_iou``: 3D IoU at which two
    detections of a category are the same object; ``min_detections``: clips an object must be
    found in; ``threads``: torch threads (``None``: its default)."""

    threshold: float = 0.5
    merge_iou: float = 0.2
    min_detections: int = 1
    threads: int | None = None

    def __post_init__(self) -> None:
        for name in ("threshold", "merge_iou"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValidationError(name, f"must be in [0, 1], got {getattr(self, name)}")


@dataclass
class _Detection:
    label: str
    box: Box3D
    score: float
    t: float


class LearnedEncoder:
    """The network saved at ``model`` (a training run's ``final.pt``): :meth:`encode` turns a
    frame source into a SpatialCode."""

    def __init__(self, model: str | Path, config: LearnedInferenceConfig | None = None) -> None:
        import torch

        from spatialcode.encode.learned.data import ClipConfig
        from spatialcode.encode.learned.model import EncoderNetConfig, SpatialEncoderNet

        self.config = config or LearnedInferenceConfig()
        path = Path(model)
        if not path.is_file():
            raise InputFileError(f"{path}: no such encoder model; train one with `spatialcode train encoder` "
                                 "(its output_dir/final.pt)")
        try:
            state = torch.load(path, weights_only=True)
            self.net = SpatialEncoderNet(EncoderNetConfig(**state["net_config"]))
            self.net.load_state_dict(state["net"])
        except (KeyError, RuntimeError, TypeError, ValueError, EOFError, pickle.UnpicklingError, struct.error) as err:
            raise InputFileError(f"{path}: not a spatial encoder model saved by `spatialcode train encoder` ({err})") from None
        self.net.eval()
        self.vocabulary = tuple(state["vocabulary"])
        self.clip = ClipConfig(**state["clip"])
        if self.config.threads is not None:
            torch.set_num_threads(self.config.threads)

    def encode(self, source: Any, scene: Source | None = None) -> SpatialCode:
        """The spatial code of the frames of ``source`` (they need colour and poses)."""
        detections: list[_Detection] = []
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
        objects = self._merge(detections)
        fps = (len(camera) - 1) / (camera[-1].t - camera[0].t) if len(camera) > 1 and camera[-1].t > camera[0].t else None
        src = scene or Source()
        return SpatialCode(objects=tuple(objects), camera=tuple(camera),
                           source=Source(dataset=src.dataset, scene_name=src.scene_name, fps=src.fps or fps,
                                         frame_count=src.frame_count or len(camera)),
                           provenance=Provenance.from_config(PRODUCER, asdict(self.config), __version__))

    def _detect(self, frames: list[Frame]) -> list[_Detection]:
        """The confident box slots of one clip."""
        import torch

        from spatialcode.encode.learned.data import clip_from_frames
        from spatialcode.encode.learned.train import batch_tensors

        images, rays, _, _ = batch_tensors([clip_from_frames(frames, self.clip)])
        with torch.inference_mode():
            out = self.net(images, rays)
        probability = out["logits"][0].softmax(-1)[:, :-1]
        score, label = probability.max(-1)
        found = []
        for slot in torch.nonzero(score >= self.config.threshold).ravel().tolist():
            centre = out["centres"][0, slot].tolist()
            size = out["log_sizes"][0, slot].exp().tolist()
            cos, sin = out["yaw"][0, slot].tolist()
            found.append(_Detection(self.vocabulary[int(label[slot])], Box3D(centre, size, (0.0, 0.0, math.atan2(sin, cos))),
                                    float(score[slot]), frames[0].t))
        return found

    def _merge(self, detections: list[_Detection]) -> list[SpatialObject]:
        """One object per group of overlapping same-category detections, in order of first sight."""
        groups: list[list[_Detection]] = []
        for detection in sorted(detections, key=lambda d: -d.score):
            for group in groups:
                if group[0].label == detection.label and box_iou_3d(group[0].box, detection.box) >= self.config.merge_iou:
                    group.append(detection)
                    break
            else:
                groups.append([detection])
        groups = [g for g in groups if len(g) >= self.config.min_detections]
        groups.sort(key=lambda g: min(d.t for d in g))
        objects = []
        for index, group in enumerate(groups):
            weights = np.array([d.score for d in group])
            centre = np.average([d.box.center for d in group], axis=0, weights=weights)
            size = np.average([d.box.size for d in group], axis=0, weights=weights)
            box = Box3D(tuple(centre), tuple(size), group[0].box.rotation)
            objects.append(SpatialObject(id=index, label=group[0].label, box=box, first_seen=min(d.t for d in group),
                                         confidence=float(weights.max()), observations=len(group)))
        return objects
