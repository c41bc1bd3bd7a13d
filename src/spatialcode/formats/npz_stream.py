"""Stream one array frame by frame into, and out of, an ``.npz`` file.

The renderer writes depth and masks of thousands of frames; neither it nor a reader should hold
the whole (N, H, W) array in memory. :class:`NpzStreamWriter` writes a standard ``.npz`` (one
``.npy`` member, deflate level 1) that ``numpy.load(path)[key]`` reads back whole;
:class:`NpzStreamReader` yields its frames one at a time.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import numpy as np

from spatialcode.core.errors import InputFileError, SpatialCodeError


class NpzStreamWriter:
    """Write one array of known shape into a ``.npz`` file frame by frame (deflate level 1), so
    the whole array never has to be in memory; ``numpy.load(path)[key]`` reads it back."""

    def __init__(self, path: str | Path, key: str, shape: tuple[int, ...], dtype: np.dtype | str) -> None:
        self.path, self.key = Path(path), key
        self.dtype = np.dtype(dtype)
        self.frame_shape = tuple(shape[1:])
        self.expected, self.written = shape[0], 0
        self._zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True)
        self._file = self._zip.open(f"{key}.npy", "w", force_zip64=True)
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False, "shape": tuple(shape)}
        np.lib.format.write_array_header_1_0(self._file, header)

    def write(self, frame: np.ndarray) -> None:
        """Append one frame (shape ``shape[1:]``)."""
        if frame.shape != self.frame_shape:
            raise SpatialCodeError(f"{self.path.name}: expected a frame of shape {self.frame_shape}, got {frame.shape}")
        self._file.write(np.ascontiguousarray(frame, dtype=self.dtype).tobytes())
        self.written += 1

    def close(self) -> None:
        """Finish the file (idempotent)."""
        if self._zip is None:
            return
        self._file.close()
        self._zip.close()
        self._zip = None
        if self.written != self.expected:
            raise SpatialCodeError(f"{self.path.name}: wrote {self.written} frames, header says {self.expected}")


class NpzStreamReader:
    """Read the frames (along the first axis) of one array in an ``.npz`` file sequentially,
    holding one frame in memory; ``shape`` and ``dtype`` describe the whole array."""

    def __init__(self, path: str | Path, key: str) -> None:
        self.path, self.key = Path(path), key
        try:
            self._zip = zipfile.ZipFile(self.path)
            self._file = self._zip.open(f"{key}.npy")
        except (OSError, zipfile.BadZipFile) as err:
            raise InputFileError(f"{self.path}: cannot read an .npz file ({err})") from None
        except KeyError:
            raise InputFileError(f"{self.path}: no array {key!r} in the file") from None
        version = np.lib.format.read_magic(self._file)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(self._file)
        if fortran or not shape:
            raise InputFileError(f"{self.path}: {key!r} must be a C-ordered array of frames, got shape {shape}")
        self.shape: tuple[int, ...] = tuple(shape)
        self.dtype = np.dtype(dtype)
        self._frame_bytes = int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize
        self.position = 0

    def __len__(self) -> int:
        return self.shape[0]

    def read(self) -> np.ndarray:
        """Return the next frame (shape ``shape[1:]``); raises at the end of the array."""
        if self.position >= self.shape[0]:
            raise SpatialCodeError(f"{self.path.name}: all {self.shape[0]} frames already read")
        data = self._file.read(self._frame_bytes)
        if len(data) != self._frame_bytes:
            raise InputFileError(f"{self.path}: truncated at frame {self.position} of {self.shape[0]}")
        self.position += 1
        return np.frombuffer(data, dtype=self.dtype).reshape(self.shape[1:])

    def skip(self, count: int) -> None:
        """Advance past ``count`` frames without returning them."""
        for _ in range(min(count, self.shape[0] - self.position)):
            self.read()

    def __iter__(self) -> Iterator[np.ndarray]:
        while self.position < self.shape[0]:
            yield self.read()

    def close(self) -> None:
        """Close the file (idempotent)."""
        self._file.close()
        self._zip.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
