"""Render an RGB-D walkthrough of any SpatialCode by ray casting simple object shapes.

``render_scene(code, out_dir)`` plans a camera path (:mod:`spatialcode.synth.camera_path`),
casts one pinhole ray per pixel into a :class:`open3d.t.geometry.RaycastingScene` of the object
shapes (:mod:`spatialcode.synth.shapes`) and the room shell, and writes into ``out_dir``:

- ``rgb.mp4``: the colour video (H.264/libx264 if PyAV has it, else MPEG-4), ``fps`` frames/s;
- ``depth.npz``: key ``depth``, uint16 (N, H, W), **millimetres** of z-depth along the optical
  axis (0 = no measurement);
- ``masks.npz``: key ``masks``, int16 (N, H, W), the object **id** seen at each pixel, -1 for the
  room (floor, walls, ceiling) and for no hit;
- ``frames.json``: per frame its index, time ``t`` (s), ``width``/``height``, ``intrinsics``
  (``fx fy cx cy``, pixels) and the camera ``position`` (m) + ``quaternion`` (x, y, z, w) of the
  camera-to-world rotation, OpenCV camera frame (+z forward, +x right, +y down) — the
  :class:`~spatialcode.scene.CameraPose` convention — plus the ``labels`` ({id: label}) of the
  instances in that frame's mask (the document's schema: :mod:`spatialcode.formats.frames_json`);
- ``scene.json``: the input code with ``first_seen`` = the time of the first frame in which the
  object's (fault-free) mask reaches ``mask_threshold`` pixels (``None`` when it never does), the
  true camera trajectory in ``camera``, ``source.fps``/``frame_count`` and a provenance that
  records the render configuration.

The camera is :class:`~spatialcode.geometry.camera.Intrinsics` ``.from_hfov`` of the path's
image size and field of view (integer pixel coordinates are pixel centres: the principal point
is ``((width - 1) / 2, (height - 1) / 2)``). Pixel (u, v) (column, row) lifts to the camera
point ``z · ((u - cx) / fx, (v - cy) / fy, 1)`` with z = depth / 1000, then to the world with
``R · p + position``. Faults
(:mod:`spatialcode.synth.faults`) change depth, masks, per-frame labels and the reported poses
in ``frames.json``; ``scene.json`` always holds the ground truth.

Overlapping boxes are rendered as they are (each pixel shows whichever surface is nearest); an
object hidden inside another is then never seen and is listed as unseen (with a warning).
"""

from __future__ import annotations

import itertools
import json
import math
import queue
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spatialcode.core.config import config_dict
from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.core.json_input import read_json_file
from spatialcode.core.validation import check_field_types
from spatialcode.core.version import __version__
from spatialcode.formats.frames_json import FRAMES_FORMAT, image_fields, read_frames_document
from spatialcode.formats.npz_stream import NpzStreamWriter
from spatialcode.formats.video import VideoWriter, read_video
from spatialcode.geometry.camera import Intrinsics, pixel_rays
from spatialcode.geometry.points import points_in_box
from spatialcode.scene import CameraPose, Provenance, SpatialCode
from spatialcode.synth.camera_path import PathConfig, plan_camera, ray_threads, with_timeline
from spatialcode.synth.faults import FaultConfig, apply_frame_faults, drift_poses
from spatialcode.synth.shapes import (
    TEXTURE_AMPLITUDES,
    TEXTURES,
    SceneGeometry,
    build_scene_geometry,
    room_layout,
)

PRODUCER = "synth-render"
_MAX_ID = np.iinfo(np.int16).max


@dataclass(frozen=True)
class RenderConfig:
    """Settings of :func:`render_scene`: the camera ``path`` (:class:`PathConfig`: frame rate,
    image size in pixels, horizontal field of view in degrees, walking, first_seen threshold, the
    invented room), the look of the room (colours 0–255 RGB, ``ambient`` share of light,
    textures), the video encoding, and the sensor ``faults`` with their ``seed``."""

    path: PathConfig = field(default_factory=PathConfig)
    wall_color: tuple[int, int, int] = (219, 214, 204)
    floor_color: tuple[int, int, int] = (158, 133, 107)
    ceiling_color: tuple[int, int, int] = (242, 242, 240)
    ambient: float = 0.35                # share of light that does not depend on the angle
    texture: bool = True                 # procedural textures on/off
    video_codec: str = "auto"            # "auto", "libx264", "mpeg4", ...
    video_crf: int = 20
    faults: FaultConfig = field(default_factory=FaultConfig)
    seed: int = 0

    def __post_init__(self) -> None:
        check_field_types(self)
        if not isinstance(self.path, PathConfig):
            raise ValidationError("path", f"expected camera-path settings, got {self.path!r}"[:200])
        for name in ("width", "height"):
            value = getattr(self.path, name)
            if value < 8 or value % 2:
                raise ValidationError(f"path.{name}", f"must be an even number of pixels >= 8, got {value}")
        if not 0.0 <= self.ambient <= 1.0:
            raise ValidationError("ambient", f"must be in [0, 1], got {self.ambient}")
        if not isinstance(self.faults, FaultConfig):
            raise ValidationError("faults", f"expected fault settings, got {self.faults!r}"[:200])

    def room_colors(self) -> dict[str, tuple[float, float, float]]:
        """Floor, wall and ceiling colours as RGB 0–1."""
        return {name: tuple(c / 255.0 for c in getattr(self, f"{name}_color")) for name in ("floor", "wall", "ceiling")}

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the configuration (``path`` and ``faults`` as nested objects)."""
        return config_dict(self)


# --------------------------------------------------------------------------------------------
# Per-frame rendering
# --------------------------------------------------------------------------------------------


@dataclass
class RenderedFrame:
    """One rendered view: ``rgb`` (H, W, 3) uint8, ``depth`` (H, W) float32 z-depth in metres
    (0 = no hit), ``mask`` (H, W) int16 object ids (-1 = room or nothing), ``cos_incidence``
    (H, W) float32 |cos| of the angle between ray and surface normal, and ``object_pixels``
    (n_objects,) pixel count per object index (the order of ``SceneGeometry.object_ids``)."""

    rgb: np.ndarray
    depth: np.ndarray
    mask: np.ndarray
    cos_incidence: np.ndarray
    object_pixels: np.ndarray


class FrameRenderer:
    """Renders views of one :class:`SceneGeometry` (reuses the ray buffers between frames)."""

    def __init__(self, geometry: SceneGeometry, intrinsics: Intrinsics, ambient: float = 0.35,
                 texture: bool = True) -> None:
        import open3d as o3d

        self._o3d = o3d
        self.geometry = geometry
        self.width, self.height = intrinsics.width, intrinsics.height
        self.intrinsics = intrinsics
        self.dirs = pixel_rays(intrinsics).astype(np.float32).reshape(-1, 3)
        self.inv_norm = (1.0 / np.linalg.norm(self.dirs, axis=1)).astype(np.float32)
        # rays = [dirs, 1] @ M with M = [[0, R^T], [position, 0]]: one matmul per frame
        self._dirs_h = np.concatenate([self.dirs, np.ones((len(self.dirs), 1), np.float32)], axis=1)
        self._ray_map = np.zeros((4, 6), dtype=np.float32)
        self.rays = np.empty((self.dirs.shape[0], 6), dtype=np.float32)
        self._rays_tensor = o3d.core.Tensor.from_numpy(self.rays)
        self.ambient = np.float32(ambient)
        self.texture = texture
        soup = geometry.soup
        n_obj = len(geometry.object_ids)
        self.n_obj = n_obj
        miss = len(geometry.tri_object)  # index of the extra "no hit" triangle
        self.miss_index = miss
        # slot: 0 = no hit, 1..n = object index + 1, n + 1 = room
        slot = np.where(geometry.tri_object >= 0, geometry.tri_object + 1, n_obj + 1)
        self.tri_slot = np.append(slot, 0).astype(np.intp)
        self.slot_ids = np.concatenate([[-1], geometry.object_ids, [-1]]).astype(np.int16)
        self.tri_color = np.vstack([soup.color, np.zeros((1, 3), np.float32)]).astype(np.float32) * np.float32(255.0)
        tri_texture = np.append(soup.texture, 0).astype(np.intp)
        self.tri_amp = (TEXTURE_AMPLITUDES[tri_texture] * 2.0).astype(np.float32)
        self.tri_texbase = tri_texture * TEXTURES[0].size
        self.tri_u = np.zeros((miss + 1, 4), dtype=np.float32)  # texel u = [point, 1] · tri_u
        self.tri_v = np.zeros((miss + 1, 4), dtype=np.float32)
        self.tri_u[:miss, :3], self.tri_u[:miss, 3] = soup.tex_u, soup.tex_offset[:, 0]
        self.tri_v[:miss, :3], self.tri_v[:miss, 3] = soup.tex_v, soup.tex_offset[:, 1]
        self.textures = TEXTURES.ravel()
        self._tex_size = TEXTURES.shape[-1]
        self.threads = ray_threads()

    def render(self, pose: CameraPose) -> RenderedFrame:
        """Render the view from ``pose``."""
        h, w = self.height, self.width
        self._ray_map[:3, 3:] = pose.rotation_matrix().T
        self._ray_map[3, :3] = pose.position
        np.matmul(self._dirs_h, self._ray_map, out=self.rays)
        world_dirs = self.rays[:, 3:]
        result = self.geometry.raycasting_scene.cast_rays(self._rays_tensor, nthreads=self.threads)
        t_hit = result["t_hit"].numpy()
        hit = np.isfinite(t_hit)
        index = np.where(hit, result["primitive_ids"].numpy(), self.miss_index).astype(np.intp)
        depth = np.where(hit, t_hit, np.float32(0.0))
        slot = np.take(self.tri_slot, index)
        mask = np.take(self.slot_ids, slot)
        object_pixels = np.bincount(slot, minlength=self.n_obj + 2)[1:self.n_obj + 1]

        cos = np.einsum("ij,ij->i", result["primitive_normals"].numpy(), world_dirs)
        np.abs(cos, out=cos)
        cos *= self.inv_norm
        cos[~hit] = 0.0
        shade = self.ambient + (np.float32(1.0) - self.ambient) * cos
        if self.texture:
            # texel coordinate of a hit = [origin + depth * dir, 1] · (axis, offset) of its triangle
            origin = np.append(self.rays[0, :3], np.float32(1.0))
            tex_u = np.take(self.tri_u, index, axis=0)
            tex_v = np.take(self.tri_v, index, axis=0)
            u = (tex_u @ origin + depth * np.einsum("ij,ij->i", world_dirs, tex_u[:, :3])).astype(np.int32)
            v = (tex_v @ origin + depth * np.einsum("ij,ij->i", world_dirs, tex_v[:, :3])).astype(np.int32)
            size = self._tex_size
            texel = (v & (size - 1)) * size + (u & (size - 1)) + np.take(self.tri_texbase, index)
            tex = np.take(self.textures, texel)
            tex -= np.float32(0.5)
            tex *= np.take(self.tri_amp, index)
            tex += np.float32(1.0)
            shade *= tex
        rgb = np.take(self.tri_color, index, axis=0)
        rgb *= shade[:, None]
        np.clip(rgb, 0.0, 255.0, out=rgb)
        return RenderedFrame(
            rgb=rgb.astype(np.uint8).reshape(h, w, 3),
            depth=depth.reshape(h, w),
            mask=mask.reshape(h, w),
            cos_incidence=cos.reshape(h, w),
            object_pixels=object_pixels,
        )


# --------------------------------------------------------------------------------------------
# Output files
# --------------------------------------------------------------------------------------------


@dataclass
class RenderOutput:
    """What :func:`render_scene` produced: the file paths, the ground-truth ``code`` (with
    ``first_seen``, camera, source fps/frame_count, provenance), the true ``poses``, per-object
    ``visible_pixels`` (total over all frames) and ``max_pixels`` (best single frame), the
    ``unseen`` object ids, the frame count, fps, video codec, and the wall-clock ``seconds``
    and ``frames_per_second`` of the render loop (path planning excluded)."""

    out_dir: Path
    rgb_path: Path
    depth_path: Path
    masks_path: Path
    frames_path: Path
    scene_path: Path
    code: SpatialCode
    poses: list[CameraPose]
    visible_pixels: dict[int, int]
    max_pixels: dict[int, int]
    unseen: list[int]
    frame_count: int
    fps: float
    codec: str
    seconds: float
    frames_per_second: float
    planning_seconds: float = 0.0


def _pose_entry(index: int, pose: CameraPose, intr: Intrinsics, labels: dict[int, str]) -> dict[str, Any]:
    return {
        "index": index,
        "t": pose.t,
        **image_fields(intr),
        "position": list(pose.position),
        "quaternion": list(pose.quaternion),
        "labels": {str(k): v for k, v in sorted(labels.items())},
    }


def unseen_reason(code: SpatialCode, obj_id: int, max_pixels: int, threshold: int) -> str:
    """Why object ``obj_id`` never reached the first_seen ``threshold`` (pixels): it lies inside
    another object's box (overlapping annotations), it was never visible, or it stayed small."""
    obj = next(o for o in code.objects if o.id == obj_id)
    for other in code.objects:
        if other.id != obj_id and points_in_box(other.box, obj.box.corners, tolerance=0.01).all():
            return f"{obj.label} lies inside the box of {other.label} #{other.id}"
    if max_pixels == 0:
        return f"{obj.label} is hidden by other objects from every camera position"
    return f"{obj.label} covers at most {max_pixels} px in one frame"


def _check_scene(code: SpatialCode) -> None:
    if not code.objects:
        raise SpatialCodeError("scene has no objects: nothing to render")
    too_big = [o.id for o in code.objects if o.id > _MAX_ID]
    if too_big:
        raise SpatialCodeError(f"object id {too_big[0]} does not fit the int16 instance masks (max {_MAX_ID})")


class _FrameSink:
    """Applies faults to rendered frames and writes video, depth, masks and frame entries on a
    background thread, so encoding and compression overlap the ray casting of the next frames."""

    def __init__(self, out: Path, n: int, config: RenderConfig, labels: dict[int, str],
                 reported: list[CameraPose], intr: Intrinsics) -> None:
        h, w = intr.height, intr.width
        self.config, self.labels, self.reported, self.intrinsics = config, labels, reported, intr
        self.video = VideoWriter(out / "rgb.mp4", w, h, config.path.fps, codec=config.video_codec, crf=config.video_crf)
        self.depth = NpzStreamWriter(out / "depth.npz", "depth", (n, h, w), np.uint16)
        self.masks = NpzStreamWriter(out / "masks.npz", "masks", (n, h, w), np.int16)
        self.entries: list[dict[str, Any]] = []
        self.errors: list[BaseException] = []
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._thread = threading.Thread(target=self._run, name="render-writer", daemon=True)
        self._thread.start()

    def put(self, index: int, frame: RenderedFrame) -> None:
        """Queue one frame (raises the writer's error, if it had one)."""
        if self.errors:
            raise self.errors[0]
        self._queue.put((index, frame))

    def _run(self) -> None:
        config = self.config
        while (item := self._queue.get()) is not None:
            if self.errors:
                continue
            i, frame = item
            try:
                faulty = apply_frame_faults(i, frame.depth, frame.mask, self.labels, config.faults, config.seed,
                                            frame.cos_incidence)
                self.video.write(frame.rgb)
                self.depth.write(np.minimum(np.rint(faulty.depth * np.float32(1000.0)), 65535.0).astype(np.uint16))
                self.masks.write(faulty.mask)
                self.entries.append(_pose_entry(i, self.reported[i], self.intrinsics, faulty.labels))
            except BaseException as err:  # noqa: BLE001 - re-raised in the rendering thread
                self.errors.append(err)

    def close(self, quiet: bool = False) -> None:
        """Wait for the queued frames, close every file, and raise the first error (unless
        ``quiet``: when rendering already failed)."""
        self._queue.put(None)
        self._thread.join()
        for writer in (self.video, self.depth, self.masks):
            try:
                writer.close()
            except SpatialCodeError as err:  # a short file after an earlier error
                self.errors.append(err)
        if self.errors and not quiet:
            raise self.errors[0]


def _frames_document(config: RenderConfig, layout, labels: dict[int, str], codec: str,
                     intr: Intrinsics, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``frames.json`` document (see the module docstring)."""
    return {
        "format": FRAMES_FORMAT,
        **image_fields(intr),
        "fps": config.path.fps,
        "frame_count": len(entries),
        "video": {"file": "rgb.mp4", "codec": codec},
        "depth": {"file": "depth.npz", "key": "depth", "dtype": "uint16", "unit": "mm", "scale": 0.001,
                  "invalid": 0, "kind": "z-depth along the optical axis"},
        "masks": {"file": "masks.npz", "key": "masks", "dtype": "int16", "background": -1,
                  "values": "object id; -1 = room (floor, walls, ceiling) or no hit"},
        "pose": "position (m) + quaternion (x, y, z, w) of the camera-to-world rotation; OpenCV camera frame "
                "(+z forward, +x right, +y down); pixel (u, v) looks along ((u - cx) / fx, (v - cy) / fy, 1)",
        "room": {"floor_z": layout.floor_z, "ceiling_z": layout.ceiling_z, "invented": layout.invented,
                 "polygon": np.asarray(layout.footprint.exterior.coords)[:-1].tolist()},
        "labels": {str(k): v for k, v in labels.items()},
        "faults": config.faults.to_dict() if config.faults.enabled else None,
        "frames": entries,
    }


def render_scene(code: SpatialCode, out_dir: str | Path, config: RenderConfig | None = None,
                 progress: bool = True) -> RenderOutput:
    """Render a walkthrough of ``code`` into ``out_dir`` (see the module docstring for the files
    and conventions) and return a :class:`RenderOutput`.

    Raises :class:`SpatialCodeError` for a scene without objects, ids beyond int16, or a room
    with no free camera position.
    """
    from tqdm import tqdm

    config = config or RenderConfig()
    _check_scene(code)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    path = config.path
    layout = room_layout(code, path.room_margin, path.room_height)
    geometry = build_scene_geometry(code, layout, config.room_colors())
    poses = plan_camera(code, path, geometry).poses
    planning_seconds = time.perf_counter() - started

    renderer = FrameRenderer(geometry, path.intrinsics, config.ambient, config.texture)
    labels = {o.id: o.label for o in code.objects}
    ids = [o.id for o in code.objects]
    reported = drift_poses(poses, config.faults, config.seed)
    sink = _FrameSink(out, len(poses), config, labels, reported, renderer.intrinsics)
    first_seen: dict[int, float] = {}
    total = np.zeros(len(ids), dtype=np.int64)
    best = np.zeros(len(ids), dtype=np.int64)
    loop_start = time.perf_counter()
    try:
        for i, pose in enumerate(tqdm(poses, desc="render", unit="frame", file=sys.stderr, disable=not progress)):
            frame = renderer.render(pose)
            total += frame.object_pixels
            np.maximum(best, frame.object_pixels, out=best)
            for k in np.flatnonzero(frame.object_pixels >= path.mask_threshold):
                first_seen.setdefault(ids[k], pose.t)
            sink.put(i, frame)
    except BaseException:
        sink.close(quiet=True)
        raise
    sink.close()
    seconds = time.perf_counter() - loop_start

    unseen = [o.id for o in code.objects if o.id not in first_seen]
    if unseen:
        best_pixels = dict(zip(ids, best.tolist()))
        reasons = "; ".join(f"#{k} {unseen_reason(code, k, best_pixels[k], path.mask_threshold)}" for k in unseen)
        warnings.warn(
            f"{len(unseen)} object(s) never reach {path.mask_threshold} px in any frame and keep first_seen=None: {reasons}",
            stacklevel=2,
        )
    provenance = Provenance.from_config(PRODUCER, {"render": config.to_dict(), "input": code.provenance.to_dict()}, __version__)
    result_code = with_timeline(code, poses, first_seen, path.fps, provenance)
    result_code.save(out / "scene.json")
    doc = _frames_document(config, layout, labels, sink.video.codec, renderer.intrinsics, sink.entries)
    (out / "frames.json").write_text(json.dumps(doc, indent=1) + "\n")
    return RenderOutput(
        out_dir=out,
        rgb_path=out / "rgb.mp4",
        depth_path=out / "depth.npz",
        masks_path=out / "masks.npz",
        frames_path=out / "frames.json",
        scene_path=out / "scene.json",
        code=result_code,
        poses=list(poses),
        visible_pixels={i: int(c) for i, c in zip(ids, total)},
        max_pixels={i: int(c) for i, c in zip(ids, best)},
        unseen=unseen,
        frame_count=len(poses),
        fps=path.fps,
        codec=sink.video.codec,
        seconds=seconds,
        frames_per_second=len(poses) / seconds if seconds > 0 else math.inf,
        planning_seconds=planning_seconds,
    )


# --------------------------------------------------------------------------------------------
# Reading back
# --------------------------------------------------------------------------------------------


def load_frames(out_dir: str | Path) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """Read a render folder: ``(frames.json document, depth (N, H, W) uint16 mm, masks (N, H, W)
    int16)``."""
    out = Path(out_dir)
    doc = read_json_file(out / "frames.json", "frames.json")
    with np.load(out / "depth.npz") as d, np.load(out / "masks.npz") as m:
        return doc, d["depth"], m["masks"]


def backproject(depth_mm: np.ndarray, frame: dict[str, Any]) -> np.ndarray:
    """Lift a depth image (H, W) in millimetres to world points (H, W, 3), metres, with one
    ``frames.json`` frame entry (intrinsics + pose); pixels without depth give NaN."""
    h, w = depth_mm.shape
    intr = Intrinsics(**frame["intrinsics"], width=w, height=h)
    cam = pixel_rays(intr) * (depth_mm.astype(np.float64) / 1000.0)[..., None]
    pose = CameraPose(t=frame["t"], position=frame["position"], quaternion=frame["quaternion"])
    world = cam @ pose.rotation_matrix().T + np.asarray(pose.position)
    world[depth_mm == 0] = np.nan
    return world


def write_render_overlay(render_dir: str | Path, path: str | Path | None = None, labels: bool = True,
                         frame: int | None = None, boxes: SpatialCode | None = None) -> Path:
    """Draw the ground-truth boxes of a render folder — or the objects of ``boxes``, e.g. the
    code encoded from it — over its video (true camera poses from ``scene.json``, intrinsics
    from ``frames.json``): the whole video as MP4 (``path`` defaults to
    ``render_dir/overlay.mp4``), or with ``frame`` only that frame as PNG (default
    ``render_dir/overlay_<frame>.png``). Returns the path written."""
    from spatialcode.core.errors import InputFileError
    from spatialcode.viz import write_overlay_png, write_overlay_video

    folder = Path(render_dir)
    if not (folder / "frames.json").is_file():
        raise InputFileError(f"{folder}: not a render folder (no frames.json); make one with `spatialcode render`")
    doc, intr = read_frames_document(folder / "frames.json")
    code = SpatialCode.load(folder / "scene.json")
    if not code.camera:
        raise InputFileError(f"{folder / 'scene.json'}: no camera path, so the boxes cannot be drawn over the frames")
    drawn = boxes if boxes is not None else code
    if frame is None:
        target = Path(path) if path is not None else folder / "overlay.mp4"
        return write_overlay_video(read_video(folder / "rgb.mp4"), drawn, intr, code.camera, target, doc["fps"], labels=labels)
    if not 0 <= frame < len(code.camera):
        raise SpatialCodeError(f"frame {frame} is out of range: the render has frames 0..{len(code.camera) - 1}")
    image = next(itertools.islice(read_video(folder / "rgb.mp4"), frame, None), None)
    if image is None:
        raise InputFileError(f"{folder / 'rgb.mp4'}: has no frame {frame}")
    target = Path(path) if path is not None else folder / f"overlay_{frame:05d}.png"
    return write_overlay_png(image, drawn, intr, code.camera[frame], target, labels=labels)


__all__ = [
    "FrameRenderer",
    "RenderConfig",
    "RenderOutput",
    "RenderedFrame",
    "backproject",
    "load_frames",
    "render_scene",
    "unseen_reason",
    "write_render_overlay",
]
