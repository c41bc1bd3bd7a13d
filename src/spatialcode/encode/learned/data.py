"""Training clips for the learned spatial encoder from the synthetic renderer's output folders
(``spatialcode render`` / :func:`~spatialcode.synth.render_scene`): a few frames of a render,
resized, with their poses, intrinsics and metric depth, the 3D boxes of the objects the clip
shows (an object counts when its instance mask covers ``min_pixels`` pixels of some frame of the
clip, at the clip's size) with their category index in the vocabulary and whether each has a
front (the truth's ``has_front``, else its category's by :mod:`spatialcode.tasks.facing`; the
synthetic world builds each object with its front on its box's +x axis, so a box's yaw is its
heading), and the category each
feature cell sees (what the network's token head learns: the object covering the most of the
cell, when it covers at least a quarter of it)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.encode.frames import RenderFolderSource
from spatialcode.encode.learned.backbones import STRIDE
from spatialcode.scene import SpatialCode
from spatialcode.tasks import facing


@dataclass(frozen=True)
class ClipConfig:
    """``frames`` per clip, ``frame_gap`` render frames between a clip's frames (the clip spans
    ``(frames - 1) · frame_gap`` frames; clips start every ``frames · frame_gap`` frames),
    frames resized to ``width`` × ``height`` pixels (multiples of 8), ``min_pixels``: the mask
    area (at that size) that makes an object part of a clip."""

    frames: int = 4
    frame_gap: int = 5
    width: int = 128
    height: int = 96
    min_pixels: int = 20

    def __post_init__(self) -> None:
        for name in ("frames", "frame_gap", "width", "height", "min_pixels"):
            check_whole_number(getattr(self, name), name)
        if self.width % 8 or self.height % 8:
            raise ValidationError("width", f"width and height must be multiples of 8, got {self.width}x{self.height}")


@dataclass
class Clip:
    """One training clip: ``images`` (T, 3, H, W) uint8 RGB, ``depth`` (T, H, W) m (0 =
    unknown), ``poses`` (T, 4, 4) camera-to-world, ``intrinsics`` (3, 3) of the resized frames;
    the boxes it shows: ``labels`` (N,) vocabulary indices, ``centres`` (N, 3) m, ``sizes``
    (N, 3) m, ``yaw`` (N,) rad, ``has_front`` (N,) bool; ``cells`` (T, H/8, W/8) the
    vocabulary index of the object each feature cell sees, ``len(vocabulary)`` for none, -1 for
    unknown (clips made for inference); ``scene`` the render folder's name."""

    images: np.ndarray
    depth: np.ndarray
    poses: np.ndarray
    intrinsics: np.ndarray
    labels: np.ndarray
    centres: np.ndarray
    sizes: np.ndarray
    yaw: np.ndarray
    has_front: np.ndarray
    cells: np.ndarray
    scene: str


def render_clips(folder: str | Path, config: ClipConfig, vocabulary: Sequence[str]) -> Iterator[Clip]:
    """The clips of the render ``folder``, in time order: its ``scene.json`` holds the true boxes
    (objects whose label is not in ``vocabulary`` are left out) and the true camera poses (the
    ones ``frames.json`` reports may carry a simulated drift)."""
    folder = Path(folder)
    scene_path = folder / "scene.json"
    if not scene_path.is_file():
        raise InputFileError(f"{folder}: no scene.json beside the render (the true boxes are read from it)")
    truth = SpatialCode.load(scene_path)
    objects = {o.id: o for o in truth.objects if o.label in vocabulary}
    index = {label: i for i, label in enumerate(vocabulary)}
    span = config.frames * config.frame_gap
    pending: list = []
    for frame in RenderFolderSource(folder):
        if frame.index % span % config.frame_gap:
            continue
        pending.append(frame)
        if len(pending) == config.frames:
            poses = [truth.camera[f.index] if len(truth.camera) > f.index else f.pose for f in pending]
            yield _clip(pending, poses, objects, index, config, folder.name)
            pending = []


def clip_from_frames(frames: Sequence, config: ClipConfig) -> Clip:
    """A clip of ``frames`` (with colour and poses; depth when known) resized to the clip size,
    without boxes: what the network reads at inference."""
    size = (config.width, config.height)
    k = frames[0].intrinsics
    intrinsics = k.scaled(config.width / k.width, config.height / k.height, config.width, config.height).matrix
    intrinsics = intrinsics.astype(np.float32)
    images = [np.asarray(Image.fromarray(f.rgb).resize(size, Image.Resampling.BILINEAR), np.uint8) for f in frames]
    depth = [np.zeros((config.height, config.width), np.float32) if f.depth is None else
             np.asarray(Image.fromarray(f.depth).resize(size, Image.Resampling.NEAREST), np.float32) for f in frames]
    return Clip(images=np.stack(images).transpose(0, 3, 1, 2), depth=np.stack(depth),
                poses=np.stack([f.pose.matrix() for f in frames]).astype(np.float32), intrinsics=intrinsics,
                labels=np.zeros(0, np.int64), centres=np.zeros((0, 3), np.float32), sizes=np.zeros((0, 3), np.float32),
                yaw=np.zeros(0, np.float32), has_front=np.zeros(0, bool),
                cells=np.full((len(frames), config.height // STRIDE, config.width // STRIDE), -1, np.int64), scene="")


def _clip(frames: list, poses: list, objects: dict, index: dict[str, int], config: ClipConfig, scene: str) -> Clip:
    """The clip of ``frames`` at the true ``poses``, with the boxes of the ``objects`` it shows."""
    clip = clip_from_frames([replace(f, pose=p) for f, p in zip(frames, poses)], config)
    category_of = {i: index[o.label] for i, o in objects.items()}
    seen: set[int] = set()
    for t, frame in enumerate(frames):
        instances = np.asarray(Image.fromarray(frame.instances).resize((config.width, config.height),
                                                                       Image.Resampling.NEAREST))
        ids, counts = np.unique(instances[instances >= 0], return_counts=True)
        seen |= {int(i) for i, c in zip(ids, counts) if c >= config.min_pixels and int(i) in objects}
        clip.cells[t] = cell_labels(instances, category_of, len(index))
    shown = [objects[i] for i in sorted(seen)]
    clip.labels = np.array([index[o.label] for o in shown], dtype=np.int64)
    clip.centres = np.array([o.box.center for o in shown], dtype=np.float32).reshape(-1, 3)
    clip.sizes = np.array([o.box.size for o in shown], dtype=np.float32).reshape(-1, 3)
    clip.yaw = np.array([o.box.rotation[2] for o in shown], dtype=np.float32)
    clip.has_front = np.array([facing.has_front(o.label) if o.has_front is None else o.has_front for o in shown], bool)
    clip.scene = scene
    return clip


def cell_labels(instances: np.ndarray, category_of: dict[int, int], background: int) -> np.ndarray:
    """The category index each ``STRIDE`` × ``STRIDE`` cell of an instance map (H, W; -1 = no
    object) sees: that of the object covering the most of the cell, when it covers at least a
    quarter of it and is in ``category_of`` (instance id → index), else ``background``."""
    height, width = instances.shape
    ids, inverse = np.unique(instances, return_inverse=True)
    cells = (np.arange(height)[:, None] // STRIDE) * (width // STRIDE) + np.arange(width)[None, :] // STRIDE
    counts = np.zeros(((height // STRIDE) * (width // STRIDE), ids.size), np.int64)
    np.add.at(counts, (cells.ravel(), inverse.ravel()), 1)
    counts[:, ids < 0] = 0  # the largest object in the cell, however much of it is empty
    best = counts.argmax(axis=1)
    lookup = np.array([category_of.get(int(i), background) for i in ids], np.int64)
    labels = np.where(counts.max(axis=1) * 4 >= STRIDE * STRIDE, lookup[best], background)
    return labels.reshape(height // STRIDE, width // STRIDE)
