"""MP4 video writing and reading with PyAV (H.264 via libx264 when available, else MPEG-4).

Frames are RGB ``uint8`` arrays of shape (H, W, 3); width and height must be even (4:2:0
chroma subsampling).
"""

from __future__ import annotations

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
