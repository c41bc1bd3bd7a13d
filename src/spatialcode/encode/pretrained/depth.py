"""Metric depth from one RGB image (:class:`MonocularDepth`), and a frame source whose depth is
predicted (:class:`PredictedDepthSource`) — so that an RGB-only input can go through the RGB-D
pose estimation and the geometric encoder with the model's metric scale.

Any transformers depth-estimation model that predicts metres works: Depth Anything (V2) metric
checkpoints (``depth_estimation_type: metric``), ZoeDepth, Depth Pro. Models that predict
relative depth (the plain Depth Anything / DPT checkpoints) are refused with one clear line: their
output has no scale in metres."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from spatialcode.core.errors import InputFileError, SpatialCodeError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.encode.frames import Frame
from spatialcode.encode.pretrained.device import check_device
from spatialcode.encode.pretrained.hub import check_model_location, check_rgb, load_pretrained

#: A metric indoor depth model that works with :class:`MonocularDepth` (named in error messages).
EXAMPLE_DEPTH_MODEL = "depth-anything/Depth-Anything-V2-Metric-Indoor-Small-hf"
#: Model types whose depth is in metres whatever their config says.
_METRIC_MODEL_TYPES = ("zoedepth", "depth_pro")


@dataclass(frozen=True)
class DepthModelConfig:
    """The depth ``model`` (a local folder or a cached hub id), the CPU ``threads`` torch uses
    (``None``: its default) and ``max_depth``: predictions beyond it (m) are set to 0 (no
    measurement), as a depth sensor's range ends; ``device``: the torch device (``auto``, ``cpu``, ``cuda``, ``mps``); ``download``: let the Hugging Face hub fetch a hub
    id that is not in the local cache."""

    model: str
    threads: int | None = None
    max_depth: float = 10.0
    download: bool = False
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_device(self.device)
        check_model_location(self.model, "depth", EXAMPLE_DEPTH_MODEL)
        check_whole_number(self.threads, "threads", optional=True)
        if not self.max_depth > 0:
            raise ValidationError("max_depth", f"must be > 0, got {self.max_depth}")


class MonocularDepth:
    """A metric depth-estimation model: :meth:`predict` maps an RGB image to depth in metres."""

    def __init__(self, config: DepthModelConfig) -> None:
        from transformers import AutoImageProcessor, AutoModelForDepthEstimation

        self.config = config
        self.processor, self.model = load_pretrained(config.model, "depth", AutoModelForDepthEstimation,
                                                     AutoImageProcessor, EXAMPLE_DEPTH_MODEL, config.threads,
                                                     config.download, config.device)
        settings = self.model.config
        metric = settings.model_type in _METRIC_MODEL_TYPES or getattr(settings, "depth_estimation_type", None) == "metric"
        if not metric:
            raise SpatialCodeError(f"the depth model {config.model!r} predicts relative depth, not metres: use a "
                                   f"metric model such as {EXAMPLE_DEPTH_MODEL}")

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """Depth (H, W) float32 in metres (0 beyond ``max_depth``) of the (H, W, 3) uint8 image ``rgb``."""
        import torch

        check_rgb(rgb)
        inputs = self.processor(images=rgb, return_tensors="pt").to(self.model.device)
        with torch.inference_mode():
            outputs = self.model(**inputs)
        depth = self.processor.post_process_depth_estimation(outputs, target_sizes=[rgb.shape[:2]])[0]["predicted_depth"]
        depth = depth.float().cpu().numpy().astype(np.float32)
        depth[~np.isfinite(depth) | (depth <= 0) | (depth > self.config.max_depth)] = 0.0
        return depth


class PredictedDepthSource:
    """The frames of ``source`` with their depth predicted from their colour by ``depth`` (a
    :class:`MonocularDepth` or anything with its ``predict``); any depth the source had is
    replaced (``stage_seconds["depth"]``: seconds spent predicting so far). Wrap it in :class:`~spatialcode.encode.EstimatedPoseSource` for poses from RGB."""

    def __init__(self, source: Any, depth: Any) -> None:
        self.source, self.depth = source, depth
        self.fps = source.fps
        self.stage_seconds = {"depth": 0.0}

    def __len__(self) -> int:
        return len(self.source)

    def __iter__(self) -> Iterator[Frame]:
        for frame in self.source:
            if frame.rgb is None:
                raise InputFileError(f"frame {frame.index} has no colour image: depth is predicted from RGB")
            started = time.perf_counter()
            depth = self.depth.predict(frame.rgb)
            self.stage_seconds["depth"] += time.perf_counter() - started
            yield replace(frame, depth=depth)
