"""3D boxes of a spatial code drawn over camera frames: wireframes projected with a pinhole
camera, coloured like the bird's-eye map (:func:`~spatialcode.viz.birdseye.label_color`),
drawn with Pillow; single frames to PNG, frame sequences to MP4 with PyAV."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from spatialcode.formats.video import VideoWriter
from spatialcode.geometry.camera import Intrinsics, project_camera_points, to_camera_frame
from spatialcode.geometry.points import corner_edges
from spatialcode.scene import CameraPose, SpatialCode, SpatialObject
from spatialcode.viz.birdseye import label_color
from spatialcode.viz.files import picture_path

NEAR_PLANE = 0.05
"""Depth, metres, in front of the camera where box edges are cut: the parts of edges closer
than this (or behind the camera) are not drawn."""

#: The picture formats :func:`write_overlay_png` writes, by file suffix.
FRAME_SUFFIXES = (".png", ".jpg", ".jpeg")


def _edge_segments(obj: SpatialObject) -> np.ndarray:
    """The box's 12 edges as a (12, 2, 3) array of world end points, metres."""
    edges = corner_edges(obj.box.corners)
    starts = edges[:12]
    return np.stack([starts, starts + edges[12:]], axis=1)


def _clip_near(segments: np.ndarray, near: float) -> np.ndarray:
    """Cut camera-frame segments (K, 2, 3) at the plane z = ``near``: segments wholly closer
    are dropped, crossing ones are shortened to their part with z >= ``near``."""
    za, zb = segments[:, 0, 2], segments[:, 1, 2]
    segments = segments[np.maximum(za, zb) >= near].copy()
    za, zb = segments[:, 0, 2], segments[:, 1, 2]
    for end, z_end, z_other in ((0, za, zb), (1, zb, za)):
        cut = z_end < near
        t = (near - z_end[cut]) / (z_other[cut] - z_end[cut])  # z_other >= near > z_end here
        segments[cut, end] += t[:, None] * (segments[cut, 1 - end] - segments[cut, end])
    return segments


def _clip_to_frame(uv: np.ndarray, width: int, height: int, min_length: float = 1.0) -> np.ndarray:
    """Cut pixel segments (K, 2, 2) to the image rectangle (Liang–Barsky); segments wholly
    outside, or with less than ``min_length`` px inside, are dropped."""
    start, step = uv[:, 0], uv[:, 1] - uv[:, 0]
    low = np.zeros(2)
    high = np.array([float(width), float(height)])
    with np.errstate(divide="ignore", invalid="ignore"):
        t_a, t_b = (low - start) / step, (high - start) / step
    inside_slab = (start >= low) & (start <= high)
    flat = step == 0  # parallel to a slab: all of it inside or none
    enter_axis = np.where(flat, np.where(inside_slab, -np.inf, np.inf), np.minimum(t_a, t_b))
    leave_axis = np.where(flat, np.where(inside_slab, np.inf, -np.inf), np.maximum(t_a, t_b))
    enter = np.maximum(enter_axis.max(axis=1), 0.0)
    leave = np.minimum(leave_axis.min(axis=1), 1.0)
    keep = (leave - enter) * np.hypot(step[:, 0], step[:, 1]) >= min_length
    start, step = start[keep], step[keep]
    return np.stack([start + enter[keep, None] * step, start + leave[keep, None] * step], axis=1)


def box_wireframe(obj: SpatialObject, intrinsics: Intrinsics, pose: CameraPose, near: float = NEAR_PLANE) -> np.ndarray:
    """Return the object's box edges as seen by the camera: pixel segments (K, 2, 2) (u right,
    v down), cut at the ``near`` plane (metres) and at the image border; K = 0 when no part of
    the box is in front of the camera and inside the image."""
    cam = to_camera_frame(_edge_segments(obj).reshape(-1, 3), pose).reshape(-1, 2, 3)
    cam = _clip_near(cam, near)
    if not len(cam):
        return np.empty((0, 2, 2))
    uv = project_camera_points(cam.reshape(-1, 3), intrinsics).reshape(-1, 2, 2)
    return _clip_to_frame(uv, intrinsics.width, intrinsics.height)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _draw_label(draw: ImageDraw.ImageDraw, text: str, segments: np.ndarray, color: tuple[int, int, int],
                font_size: int, taken: list[tuple[float, float, float, float]]) -> None:
    """Put ``text`` on a tag of ``color`` just above the topmost point of the drawn segments,
    inside the image; when it would cover a tag in ``taken`` it moves down by a tag height (a
    few tries). The tag's rectangle is appended to ``taken``."""
    width, height = draw.im.size
    points = segments.reshape(-1, 2)
    top = points[np.argmin(points[:, 1])]
    font = _font(font_size)
    left, upper, right, lower = draw.textbbox((0, 0), text, font=font)
    pad = max(1, font_size // 5)
    w, h = right - left + 2 * pad, lower - upper + 2 * pad
    x = float(np.clip(top[0] - w / 2, 0, max(0, width - w)))
    first_y = float(np.clip(top[1] - h - 2, 0, max(0, height - h)))
    for k in range(6):
        y = min(first_y + k * (h + 1), max(0, height - h))
        rect = (x, y, x + w, y + h)
        if not any(rect[0] < o[2] and o[0] < rect[2] and rect[1] < o[3] and o[1] < rect[3] for o in taken):
            break
    else:
        y, rect = first_y, (x, first_y, x + w, first_y + h)
    taken.append(rect)
    draw.rectangle(rect, fill=color)
    luminance = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]
    ink = (0, 0, 0) if luminance > 140 else (255, 255, 255)
    draw.text((x + pad - left, y + pad - upper), text, fill=ink, font=font)


def _as_rgb(image: np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"expected an (H, W, 3) RGB image, got shape {array.shape}")
    if array.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {array.dtype}")
    return np.ascontiguousarray(array[:, :, :3])


def draw_box_overlay(
    image: np.ndarray,
    code: SpatialCode,
    intrinsics: Intrinsics,
    pose: CameraPose,
    *,
    labels: bool = True,
    line_width: int | None = None,
) -> np.ndarray:
    """Return a copy of ``image`` ((H, W, 3) uint8 RGB; (H, W) grey is accepted) with every
    object's 3D box drawn as a 12-edge wireframe seen from ``pose`` through ``intrinsics``.

    Edges are cut at :data:`NEAR_PLANE` (0.05 m) in front of the camera, so boxes behind or
    around the camera draw nothing or only their visible part; farther boxes are drawn first.
    Colours are :func:`~spatialcode.viz.birdseye.label_color` (as on the bird's-eye map);
    ``labels`` adds a ``"label #id"`` tag above each visible box. ``line_width`` defaults to
    about 1/250 of the shorter image side (at least 2 px). The image must be
    ``intrinsics.width`` × ``intrinsics.height``.
    """
    rgb = _as_rgb(image)
    height, width = rgb.shape[:2]
    if (width, height) != (intrinsics.width, intrinsics.height):
        raise ValueError(f"image is {width}×{height} px but the intrinsics are for "
                         f"{intrinsics.width}×{intrinsics.height}")
    canvas = Image.fromarray(rgb)  # copies: the caller's array is left as it is
    draw = ImageDraw.Draw(canvas)
    line_width = line_width or max(2, round(min(width, height) / 250))
    font_size = max(10, round(min(width, height) / 32))
    centres = to_camera_frame(np.asarray([o.box.center for o in code.objects]).reshape(-1, 3), pose)
    drawn = []
    for k in np.argsort(-centres[:, 2], kind="stable"):  # far to near
        obj = code.objects[k]
        segments = box_wireframe(obj, intrinsics, pose)
        if not len(segments):
            continue
        color = tuple(round(255 * c) for c in label_color(obj.label))
        for (u0, v0), (u1, v1) in segments:
            draw.line((u0, v0, u1, v1), fill=color, width=line_width)
        drawn.append((obj, segments, color))
    if labels:  # after all boxes, so that no wireframe covers a tag; nearest boxes first
        taken: list[tuple[float, float, float, float]] = []
        for obj, segments, color in reversed(drawn):
            _draw_label(draw, f"{obj.label} #{obj.id}", segments, color, font_size, taken)
    return np.asarray(canvas)


def write_overlay_png(
    image: np.ndarray,
    code: SpatialCode,
    intrinsics: Intrinsics,
    pose: CameraPose,
    path: str | Path,
    *,
    labels: bool = True,
) -> Path:
    """Draw the boxes over one frame (:func:`draw_box_overlay`), write it as a PNG (or JPEG:
    :data:`FRAME_SUFFIXES`) to ``path`` (parent folders created) and return the path."""
    path = picture_path(path, FRAME_SUFFIXES)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(draw_box_overlay(image, code, intrinsics, pose, labels=labels)).save(path)
    return path


def _even(frame: np.ndarray) -> np.ndarray:
    """Pad a frame with black to even width and height (required by yuv420p)."""
    height, width = frame.shape[:2]
    if height % 2 == 0 and width % 2 == 0:
        return frame
    return np.pad(frame, ((0, height % 2), (0, width % 2), (0, 0)))


def _paired(frames: Iterable[np.ndarray], poses: Iterable[CameraPose]) -> Iterator[tuple[np.ndarray, CameraPose]]:
    try:
        yield from zip(frames, poses, strict=True)
    except ValueError as err:
        if "zip()" not in str(err):
            raise
        raise ValueError("frames and poses differ in number: give one pose per frame") from None


def write_overlay_video(
    frames: Iterable[np.ndarray],
    code: SpatialCode,
    intrinsics: Intrinsics,
    poses: Iterable[CameraPose],
    path: str | Path,
    fps: float,
    *,
    labels: bool = True,
    codec: str = "auto",
) -> Path:
    """Draw the boxes over each frame (one pose per frame, :func:`draw_box_overlay`) and write
    the frames as an MP4 video at ``fps`` frames per second to ``path``; returns the path.

    Frames are (H, W, 3) uint8 RGB, all of the intrinsics' size, consumed lazily (a generator
    works). The encoder is ``codec`` (see :class:`~spatialcode.formats.video.VideoWriter`; ``"auto"``:
    H.264 via libx264, else MPEG-4 part 2); odd frame sizes are padded with a black
    row/column. Raises ``ValueError`` for no frames or a frame/pose count mismatch.
    """
    if not fps > 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    pictures = (
        _even(draw_box_overlay(frame, code, intrinsics, pose, labels=labels))
        for frame, pose in _paired(frames, poses)
    )
    first = next(pictures, None)
    if first is None:
        raise ValueError("no frames to write")
    path = Path(path)
    try:
        with VideoWriter(path, first.shape[1], first.shape[0], fps, codec=codec) as writer:
            for picture in itertools.chain([first], pictures):
                writer.write(picture)
    except BaseException:
        path.unlink(missing_ok=True)  # no half-written video
        raise
    return path
