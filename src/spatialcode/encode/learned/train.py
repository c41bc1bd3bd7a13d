"""Training the learned spatial encoder on synthetic renders (``spatialcode train encoder``).

A run reads every render folder under ``renders`` (each with the renderer's ``scene.json``)
into clips (:mod:`spatialcode.encode.learned.data`), then takes ``max_steps`` AdamW steps on
random batches of clips (drawn from ``seed`` and the step number, so a resumed run draws what an
uninterrupted one would). Every ``save_steps`` steps it writes ``checkpoint.pt`` (network,
optimiser, step) in ``output_dir``, and each step one line of ``metrics.jsonl`` (loss and its
terms, seconds, peak memory); starting the same command again resumes. At the end ``final.pt``
holds the network's weights with its settings and vocabulary, for inference.
"""

from __future__ import annotations

import json
import random
import resource
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.encode.learned.data import Clip, ClipConfig, render_clips
from spatialcode.encode.learned.losses import LossWeights
from spatialcode.encode.learned.model import EncoderNetConfig


def default_vocabulary() -> tuple[str, ...]:
    """The categories the encoder learns: the synthetic world's (VSI-Bench's)."""
    from spatialcode.synth.categories import CATEGORIES

    return tuple(CATEGORIES)


@dataclass(frozen=True)
class EncoderTrainConfig:
    """A training run: ``renders`` (a folder of render folders), ``output_dir``, the ``clip``,
    ``net`` and ``loss`` settings, AdamW ``learning_rate`` / ``weight_decay``, ``batch_size``
    clips per step, ``max_steps``, ``save_steps``, ``seed``, torch ``threads`` (``None``: its
    default) and the ``vocabulary`` of categories."""

    renders: str
    output_dir: str = "runs/train/encoder"
    clip: ClipConfig = field(default_factory=ClipConfig)
    net: EncoderNetConfig = field(default_factory=EncoderNetConfig)
    loss: LossWeights = field(default_factory=LossWeights)
    learning_rate: float = 3e-4
    weight_decay: float = 1e-4
    batch_size: int = 4
    max_steps: int = 2000
    save_steps: int = 100
    seed: int = 0
    threads: int | None = None
    vocabulary: tuple[str, ...] = field(default_factory=default_vocabulary)

    def __post_init__(self) -> None:
        for name in ("batch_size", "max_steps", "save_steps"):
            check_whole_number(getattr(self, name), name)
        check_whole_number(self.threads, "threads", optional=True)
        if not self.learning_rate > 0:
            raise ValidationError("learning_rate", f"must be > 0, got {self.learning_rate}")


def load_clips(config: EncoderTrainConfig) -> list[Clip]:
    """Every clip of every render folder under ``config.renders`` (sorted by folder name)."""
    root = Path(config.renders)
    folders = sorted(p for p in root.iterdir() if (p / "frames.json").is_file()) if root.is_dir() else []
    if not folders:
        raise InputFileError(f"{root}: no render folders (with frames.json) in it; make them with `spatialcode render`")
    return [clip for folder in folders for clip in render_clips(folder, config.clip, config.vocabulary)]


def batch_tensors(clips: list[Clip]) -> tuple[Any, Any, list[dict[str, Any]], Any]:
    """A batch of ``clips`` as tensors: images (B, T, 3, H, W) in [0, 1], rays, per-clip targets
    (boxes, whether each has a front, and the category of each feature cell, flattened over the
    clip's frames), depth
    (B, T, H, W) m."""
    import torch

    from spatialcode.encode.learned.model import ray_grid

    images = torch.from_numpy(np.stack([c.images for c in clips])).float() / 255.0
    poses = torch.from_numpy(np.stack([c.poses for c in clips]))
    intrinsics = torch.from_numpy(np.stack([c.intrinsics for c in clips]))[:, None].expand(-1, poses.shape[1], -1, -1)
    height, width = images.shape[-2:]
    targets = [{"labels": torch.from_numpy(c.labels), "centres": torch.from_numpy(c.centres),
                "sizes": torch.from_numpy(c.sizes), "yaw": torch.from_numpy(c.yaw), "has_front": torch.from_numpy(c.has_front),
                "cells": torch.from_numpy(c.cells).reshape(-1)} for c in clips]
    return images, ray_grid(poses, intrinsics, height, width), targets, torch.from_numpy(np.stack([c.depth for c in clips]))


def run_encoder_training(config: EncoderTrainConfig) -> Path:
    """Train (or resume) the run of ``config``; returns the path of ``final.pt``."""
    import torch

    from spatialcode.core.config import config_dict
    from spatialcode.encode.learned.losses import spatial_encoder_loss
    from spatialcode.encode.learned.model import SpatialEncoderNet, load_weights

    if config.threads is not None:
        torch.set_num_threads(config.threads)
    clips = load_clips(config)
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config_dict(config), indent=1) + "\n")
    torch.manual_seed(config.seed)
    net_config = replace(config.net, num_classes=len(config.vocabulary))
    net = SpatialEncoderNet(net_config)
    trained = [parameter for parameter in net.parameters() if parameter.requires_grad]  # pretrained backbones stay frozen
    optimiser = torch.optim.AdamW(trained, lr=config.learning_rate, weight_decay=config.weight_decay)
    step = 0
    checkpoint = out / "checkpoint.pt"
    if checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=True)
        load_weights(net, state["net"], checkpoint)
        optimiser.load_state_dict(state["optimiser"])
        step = int(state["step"])
    net.train()
    with (out / "metrics.jsonl").open("a", encoding="utf-8") as log:
        while step < config.max_steps:
            started = time.perf_counter()
            draw = random.Random(config.seed * 1_000_003 + step)
            images, rays, targets, depth = batch_tensors([clips[draw.randrange(len(clips))]
                                                          for _ in range(config.batch_size)])
            loss, terms = spatial_encoder_loss(net(images, rays), targets, depth, config.loss)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
            log.write(json.dumps({"step": step, "loss": loss.item(), **terms, "clips": len(clips),
                                  "seconds": round(time.perf_counter() - started, 3),
                                  "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}) + "\n")
            log.flush()
            if step % config.save_steps == 0 or step == config.max_steps:
                torch.save({"net": net.state_dict(), "optimiser": optimiser.state_dict(), "step": step}, checkpoint)
    final = out / "final.pt"
    torch.save({"net": net.state_dict(), "net_config": asdict(net_config), "vocabulary": list(config.vocabulary),
                "clip": asdict(config.clip)}, final)
    return final
