"""Settings of the 3D view (:func:`spatialcode.viz.rerun_view.record_view`), in a module of
their own so that the command line reads them without importing the viewer's SDK."""

from __future__ import annotations

from dataclasses import dataclass

from spatialcode.core.errors import ValidationError


@dataclass(frozen=True)
class ViewConfig:
    """Settings of the 3D view: ``max_images`` colour frames logged (evenly spread; 0 =
    none) as JPEG of ``jpeg_quality`` (1–95); the point cloud from ``cloud_frames`` depth frames
    (evenly spread; 0 = none), every ``cloud_stride``-th pixel, at most ``max_points`` points."""

    max_images: int = 150
    jpeg_quality: int = 75
    cloud_frames: int = 6
    cloud_stride: int = 4
    max_points: int = 150_000

    def __post_init__(self) -> None:
        for name, low, high in (("max_images", 0, 5000), ("jpeg_quality", 1, 95), ("cloud_frames", 0, 200),
                                ("cloud_stride", 1, 64), ("max_points", 0, 5_000_000)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValidationError(name, f"a whole number in [{low}, {high}], got {value!r}")
