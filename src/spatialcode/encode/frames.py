"""Frames and frame sources: what the encoder reads.

A :class:`Frame` is one RGB-D view: colour, metric depth, pinhole intrinsics, and the camera pose
when the source knows it; a source that ships instance masks (the renderer, a labelled dataset)
attaches them too. A *frame source* is any iterable of frames with a length and a frame rate
(:class:`FrameSource`); :class:`RenderFolderSource` reads the renderer's output folder, streaming
(one frame in memory at a time; its ``frames.json`` is read by
:mod:`spatialcode.formats.frames_json`). :func:`sample_stride` turns a target frame rate into a stride.

Conventions: depth is z-depth along the optical axis in metres (0 = no measurement); poses are
:class:`~spatialcode.scene.CameraPose` (camera-to-world, OpenCV camera frame: +z forward,
+x right, +y down); pixel (u, v) looks along ``((u - cx) / fx, (v - cy) / fy, 1)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.formats.frames_json import frame_entry_labels, frame_entry_pose, read_frames_document
from spatialcode.formats.npz_stream import NpzStreamReader
from spatialcode.geometry.camera import Intrinsics
from spatialcode.scene import CameraPose


@dataclass
class Frame:
    """One RGB-D view.

    ``index``: position in the source's full frame sequence (before sampling); ``t``: time in
    seconds; ``rgb``: (H, W, 3) uint8 or ``None``; ``depth``: (H, W) float32 metres, 0 = no
    measurement, or ``None``; ``intrinsics``: pinhole camera of ``depth`` (and of ``rgb`` when
    present; both have the same size); ``pose``: camera-to-world pose or ``None`` when unknown;
    ``instances``: (H, W) int instance ids (-1 = none) shipped by the source, with their
    ``instance_labels`` (id → label), or ``None``.
    """

    index: int
    t: float
    rgb: np.ndarray | None
    depth: np.ndarray | None
    intrinsics: Intrinsics
    pose: CameraPose | None = None
    instances: np.ndarray | None = None
    instance_labels: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        size = (self.intrinsics.height, self.intrinsics.width)
        for name, array, ndim in (("rgb", self.rgb, 3), ("depth", self.depth, 2), ("instances", self.instances, 2)):
            if array is not None and (array.ndim != ndim or array.shape[:2] != size):
                raise ValidationError(f"frame {self.index}.{name}", f"expected {size} pixels, got shape {array.shape}")


@runtime_checkable
class FrameSource(Protocol):
    """A sequence of frames: iterate it for :class:`Frame` objects in time order; ``len`` is the
    number of frames it yields; ``fps`` the frame rate of the underlying video (frames/s)."""

    fps: float

    def __iter__(self) -> Iterator[Frame]: ...

    def __len__(self) -> int: ...


def source_chain(source: object) -> list[object]:
    """``source`` and the sources it wraps (their ``source`` attributes), outermost first."""
    chain: list[object] = []
    while source is not None and all(source is not part for part in chain):
        chain.append(source)
        source = getattr(source, "source", None)
    return chain


def stage_seconds(*parts: object) -> dict[str, float]:
    """Seconds by stage that ``parts`` spent — frame sources down their :func:`source_chain`, and
    front ends — from the ``stage_seconds`` dicts they keep (decoding, depth prediction, pose
    estimation, detection, ...); stages of one name are added."""
    totals: dict[str, float] = {}
    for part in (link for part in parts for link in source_chain(part)):
        for name, seconds in getattr(part, "stage_seconds", {}).items():
            totals[name] = totals.get(name, 0.0) + seconds
    return totals


def sample_stride(source_fps: float, stride: int | None = None, target_fps: float | None = None) -> int:
    """The frame stride to use: ``stride`` when given, else the one that brings ``source_fps``
    down to at most ``target_fps`` (frames/s), else 1."""
    if stride is not None and target_fps is not None:
        raise ValidationError("stride", "give a stride or a target fps, not both")
    if stride is not None:
        if stride < 1:
            raise ValidationError("stride", f"must be >= 1, got {stride}")
        return int(stride)
    if target_fps is not None:
        if not target_fps > 0:
            raise ValidationError("target_fps", f"must be > 0, got {target_fps}")
        return max(1, math.ceil(source_fps / target_fps - 1e-9))
    return 1


class RenderFolderSource:
    """The frames of a :func:`~spatialcode.synth.render_scene` output folder: RGB from
    ``rgb.mp4``, depth from ``depth.npz`` (mm → m), instance masks from ``masks.npz`` with the
    per-frame labels of ``frames.json``, and the poses *reported* in ``frames.json`` (which carry
    pose drift when the render had that fault; ``scene.json`` holds the true ones). Every
    ``stride``-th frame is yielded; ``rgb=False`` skips video decoding."""

    def __init__(self, folder: str | Path, stride: int = 1, rgb: bool = True, poses: bool = True) -> None:
        self.folder = Path(folder)
        frames_path = self.folder / "frames.json"
        if not frames_path.is_file():
            raise InputFileError(f"{self.folder}: not a render folder (no frames.json); make one with `spatialcode render`")
        self.doc, self.intrinsics = read_frames_document(frames_path)
        for name in ("depth.npz", "masks.npz") + (("rgb.mp4",) if rgb else ()):
            if not (self.folder / name).is_file():
                raise InputFileError(f"{self.folder}: {name} is missing from the render folder")
        self.stride = sample_stride(self.doc["fps"], stride)
        self.fps = float(self.doc["fps"])
        self.with_rgb, self.with_poses = rgb, poses
        self.entries = [(frame_entry_pose(frames_path, i, entry), frame_entry_labels(frames_path, i, entry))
                        for i, entry in enumerate(self.doc["frames"])]

    def __len__(self) -> int:
        return (len(self.entries) + self.stride - 1) // self.stride

    def __iter__(self) -> Iterator[Frame]:
        from spatialcode.formats.video import read_video

        with NpzStreamReader(self.folder / "depth.npz", "depth") as depth, \
                NpzStreamReader(self.folder / "masks.npz", "masks") as masks:
            if len(depth) != len(self.entries) or len(masks) != len(self.entries):
                raise InputFileError(
                    f"{self.folder}: frames.json lists {len(self.entries)} frames but depth.npz has {len(depth)} "
                    f"and masks.npz {len(masks)}"
                )
            videos = read_video(self.folder / "rgb.mp4") if self.with_rgb else None
            for i, entry in enumerate(self.entries):
                rgb = next(videos, None) if videos is not None else None
                if i % self.stride:
                    depth.skip(1)
                    masks.skip(1)
                    continue
                if videos is not None and rgb is None:
                    raise InputFileError(f"{self.folder}: rgb.mp4 has fewer frames than frames.json ({i})")
                (t, pose), labels = entry
                yield Frame(
                    index=i, t=t, rgb=rgb,
                    depth=depth.read().astype(np.float32) * np.float32(0.001),
                    intrinsics=self.intrinsics, pose=pose if self.with_poses else None,
                    instances=masks.read().astype(np.int32), instance_labels=labels,
                )
