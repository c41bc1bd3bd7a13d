"""MP4 video writing and reading with PyAV (H.264 via libx264 when available, else MPEG-4).

Frames are RGB ``uint8`` arrays of shape (H, W, 3); width and height must be even (4:2:0
chroma subsampling).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Self

import av
import numpy as np

from spatialcode.core.errors import InputFileError, SpatialCodeError

#: Encoders tried in order by ``codec="auto"``.
PREFERRED_CODECS = ("libx264", "mpeg4")


def pick_codec(preferred: str = "auto") -> str:
    """Return the name of an available video encoder: ``preferred`` if it exists, or for
    ``"auto"`` the first of :data:`PREFERRED_CODECS` that this PyAV build ships."""
    names = PREFERRED_CODECS if preferred == "auto" else (preferred,)
    for name in names:
        try:
            av.codec.Codec(name, "w")
        except ValueError:  # av.codec.codec.UnknownCodecError: not in this build
            pass
        else:
            return name
    raise SpatialCodeError(f"no usable video encoder among {', '.join(names)} in this PyAV build")


class VideoWriter:
    """Stream RGB frames into an MP4 file; use as a context manager or call :meth:`close`.

    ``fps`` frames per second, ``codec`` an encoder name or ``"auto"``, ``crf`` the quality for
    libx264 (lower = better; 18 ≈ visually lossless), ``bitrate`` (bits/s) for other encoders.
    """

    def __init__(self, path: str | Path, width: int, height: int, fps: float, codec: str = "auto",
                 crf: int = 20, bitrate: int = 4_000_000, threads: int = 1) -> None:
        if width % 2 or height % 2 or width <= 0 or height <= 0:
            raise SpatialCodeError(f"video size must be positive and even, got {width}x{height}")
        self.path = Path(path)
        self.width, self.height = width, height
        self.codec = pick_codec(codec)
        self.frames = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._container = av.open(str(self.path), mode="w")
        rate = Fraction(fps).limit_denominator(1001)
        self._stream = self._container.add_stream(self.codec, rate=rate)
        self._stream.width, self._stream.height = width, height
        self._stream.pix_fmt = "yuv420p"
        if self.codec == "libx264":
            self._stream.options = {"crf": str(crf), "preset": "veryfast", "tune": "animation", "threads": str(threads)}
        else:
            self._stream.bit_rate = bitrate

    def write(self, rgb: np.ndarray) -> None:
        """Encode one (H, W, 3) uint8 RGB frame."""
        if rgb.shape != (self.height, self.width, 3) or rgb.dtype != np.uint8:
            raise SpatialCodeError(f"expected a ({self.height}, {self.width}, 3) uint8 frame, got {rgb.shape} {rgb.dtype}")
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1

    def close(self) -> None:
        """Flush the encoder and close the file (idempotent)."""
        if self._container is None:
            return
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        self._container = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds: ``frames`` (decoded count), ``width``, ``height``, ``fps``,
    ``codec`` name."""

    frames: int
    width: int
    height: int
    fps: float
    codec: str


def open_video(path: Path):
    """Open a video file for reading, or raise :class:`InputFileError` naming it."""
    try:
        return av.open(str(path))
    except (OSError, av.error.FFmpegError) as err:
        raise InputFileError(f"{path}: cannot open video ({err})") from None


def read_video(path: str | Path) -> Iterator[np.ndarray]:
    """Yield the frames of a video file as (H, W, 3) uint8 RGB arrays, in order."""
    with open_video(Path(path)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24")


def video_info(path: str | Path) -> VideoInfo:
    """Return :class:`VideoInfo` of a video file (decodes it to count frames exactly)."""
    with open_video(Path(path)) as container:
        stream = container.streams.video[0]
        count = sum(1 for _ in container.decode(video=0))
        rate = stream.average_rate or stream.base_rate or 0
        return VideoInfo(frames=count, width=stream.codec_context.width, height=stream.codec_context.height,
                         fps=float(rate), codec=stream.codec_context.name)


#: Metadata keys (lower case) that carry a 35 mm-equivalent focal length (mm): Apple's QuickTime
#: key, and the EXIF-style name some Android camera apps write.
FOCAL_35MM_KEYS = ("com.apple.quicktime.camera.focal_length.35mm_equivalent", "focallengthin35mmformat",
                   "focal_length_35mm")
#: The diagonal of a 35 mm frame (36 × 24 mm), in millimetres.
FULL_FRAME_DIAGONAL_MM = 43.27


@dataclass(frozen=True)
class VideoProbe:
    """What a video's container says, without decoding more than its first frame: ``width`` ×
    ``height`` as a viewer sees it (pixels, after ``rotation``), ``fps`` (average frames/s),
    ``duration_s`` and ``frames`` (``None`` when undeclared), ``rotation`` (degrees the stored
    frames turn counter-clockwise to be shown; a multiple of 90) and the metadata ``tags``
    (container and stream, keys lower case)."""

    width: int
    height: int
    fps: float
    duration_s: float | None
    frames: int | None
    rotation: int
    tags: dict[str, str]


def _quarter_turns(degrees: float) -> int:
    """``degrees`` (counter-clockwise) rounded to quarter turns, 0–3."""
    return int(round(degrees / 90.0)) % 4


def probe_video(path: str | Path) -> VideoProbe:
    """:class:`VideoProbe` of the video file ``path`` (raises :class:`InputFileError` when it has
    no video stream or no frame)."""
    path = Path(path)
    with open_video(path) as container:
        if not container.streams.video:
            raise InputFileError(f"{path}: no video stream in the file")
        stream = container.streams.video[0]
        tags = {str(k).lower(): str(v) for k, v in {**container.metadata, **stream.metadata}.items()}
        try:
            first = next(container.decode(video=0), None)
        except av.error.FFmpegError as err:
            raise InputFileError(f"{path}: cannot decode the video ({err})") from None
        if first is None:
            raise InputFileError(f"{path}: the video has no frames")
        turns = _quarter_turns(first.rotation or 0)
        width, height = stream.codec_context.width, stream.codec_context.height
        if turns % 2:
            width, height = height, width
        duration = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else (
            container.duration / 1e6 if container.duration else None)
        return VideoProbe(width=width, height=height, fps=float(stream.average_rate or stream.base_rate or 0) or 30.0,
                          duration_s=duration, frames=stream.frames or None, rotation=turns * 90, tags=tags)


def hfov_from_tags(tags: dict[str, str], width: int, height: int) -> float | None:
    """The horizontal field of view (degrees) of a ``width`` × ``height`` video (as shown) from a
    35 mm-equivalent focal length in its metadata ``tags``, or ``None`` when there is none: the
    diagonal field of view ``2·atan(43.27 / 2f)`` spread over the frame's diagonal."""
    for key in FOCAL_35MM_KEYS:
        try:
            focal = float(tags.get(key, "").strip().split()[0])
        except (ValueError, IndexError):
            continue
        if 5.0 <= focal <= 300.0:
            half_diagonal = math.atan(FULL_FRAME_DIAGONAL_MM / (2.0 * focal))
            return math.degrees(2.0 * math.atan(math.tan(half_diagonal) * width / math.hypot(width, height)))
    return None


def sample_frames(path: str | Path, interval_s: float, size: tuple[int, int] | None = None,
                  rotation: int = 0) -> Iterator[tuple[int, float, np.ndarray]]:
    """The frames of the video ``path`` at least ``interval_s`` seconds apart, chosen by their
    timestamps (variable frame rates included), as (decode index, time since the first frame (s),
    (H, W, 3) uint8 RGB as shown): turned by ``rotation`` (the :class:`VideoProbe`'s) and scaled to
    ``size`` = (W, H) as shown (default: the stored size). Only chosen frames are converted."""
    path = Path(path)
    turns = _quarter_turns(rotation)
    stored = None if size is None else (size if turns % 2 == 0 else (size[1], size[0]))
    with open_video(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        start, due = None, 0.0
        try:
            for index, frame in enumerate(container.decode(video=0)):
                t = float(frame.time) if frame.time is not None else index / float(stream.average_rate or 30)
                start = t if start is None else start
                if t - start < due - 1e-6:
                    continue
                due = t - start + interval_s
                if stored is not None and (frame.width, frame.height) != stored:
                    frame = frame.reformat(width=stored[0], height=stored[1], interpolation="BILINEAR")
                rgb = frame.to_ndarray(format="rgb24")
                yield index, t - start, np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb
        except av.error.FFmpegError as err:
            raise InputFileError(f"{path}: cannot decode the video ({err})") from None
