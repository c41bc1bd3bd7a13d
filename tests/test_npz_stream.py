"""Streaming .npz frames: written frame by frame, read back whole by numpy or frame by frame."""

from __future__ import annotations

import numpy as np
import pytest

from spatialcode.core.errors import InputFileError, SpatialCodeError
from spatialcode.formats.npz_stream import NpzStreamReader, NpzStreamWriter


def _write(path, data):
    writer = NpzStreamWriter(path, "masks", data.shape, data.dtype)
    for frame in data:
        writer.write(frame)
    writer.close()


def test_round_trip_whole_and_frame_by_frame(tmp_path):
    data = np.arange(3 * 4 * 5, dtype=np.int16).reshape(3, 4, 5) - 7
    _write(tmp_path / "a.npz", data)
    with np.load(tmp_path / "a.npz") as loaded:
        assert np.array_equal(loaded["masks"], data)
    with NpzStreamReader(tmp_path / "a.npz", "masks") as reader:
        assert reader.shape == (3, 4, 5) and reader.dtype == np.int16 and len(reader) == 3
        assert np.array_equal(reader.read(), data[0])
        reader.skip(1)
        assert [np.array_equal(f, data[2]) for f in reader] == [True]
        with pytest.raises(SpatialCodeError, match="all 3 frames already read"):
            reader.read()


def test_writer_checks_shapes_and_counts(tmp_path):
    writer = NpzStreamWriter(tmp_path / "b.npz", "depth", (2, 4, 5), np.uint16)
    with pytest.raises(SpatialCodeError, match="expected a frame of shape"):
        writer.write(np.zeros((5, 4), np.uint16))
    writer.write(np.zeros((4, 5), np.uint16))
    with pytest.raises(SpatialCodeError, match="wrote 1 frames, header says 2"):
        writer.close()


def test_reader_errors_name_the_file(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(InputFileError, match="bad.npz: cannot read"):
        NpzStreamReader(tmp_path / "bad.npz", "depth")
    _write(tmp_path / "c.npz", np.zeros((2, 3, 3), np.int16))
    with pytest.raises(InputFileError, match="no array 'depth'"):
        NpzStreamReader(tmp_path / "c.npz", "depth")
