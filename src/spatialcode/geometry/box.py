"""The 9-DoF oriented box: ``[cx, cy, cz, sx, sy, sz, roll, pitch, yaw]`` in metres and radians."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from spatialcode.errors import ValidationError
from spatialcode.geometry.rotation import euler_to_matrix, matrix_to_euler
from spatialcode.validation import finite_vector

# Corner sign pattern: corner k = centre + R @ (signs[k] * size / 2).
_CORNER_SIGNS = np.array(
    [[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=float
)


@dataclass(frozen=True)
class Box3D:
    """An oriented 3D box.

    ``center`` (m), ``size`` = full side lengths along the box's own x, y, z axes (m, ≥ 0),
    ``rotation`` = ``(roll, pitch, yaw)`` (rad); see :mod:`spatialcode.geometry.rotation`.
    """

    center: tuple[float, float, float]
    size: tuple[float, float, float]
    rotation: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "center", finite_vector(self.center, 3, "center"))
        object.__setattr__(self, "size", finite_vector(self.size, 3, "size"))
        object.__setattr__(self, "rotation", finite_vector(self.rotation, 3, "rotation"))
        if min(self.size) < 0:
            raise ValidationError("size", f"side lengths must be >= 0, got {list(self.size)}")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_bbox_3d(cls, values: Sequence[float]) -> Box3D:
        """Build a box from the 9-number list ``[cx, cy, cz, sx, sy, sz, roll, pitch, yaw]``."""
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
            raise ValidationError("bbox_3d", f"expected a list of 9 numbers, got {values!r}")
        if len(values) != 9:
            raise ValidationError("bbox_3d", f"expected 9 numbers, got {len(values)}")
        return cls(tuple(values[0:3]), tuple(values[3:6]), tuple(values[6:9]))  # type: ignore[arg-type]

    @classmethod
    def from_axes(
        cls, center: Sequence[float], lengths: Sequence[float], axes: Sequence[float]
    ) -> Box3D:
        """Build a box from a centre, side lengths and a 3×3 row-major matrix whose rows are
        the box axes (the ``centroid``/``axesLengths``/``normalizedAxes`` annotation form)."""
        rows = np.asarray(axes, dtype=float)
        if rows.size != 9:
            raise ValidationError("axes", f"expected 9 numbers (3×3), got {rows.size}")
        if not np.all(np.isfinite(rows)):
            raise ValidationError("axes", "must be finite numbers")
        return cls(tuple(center), tuple(lengths), matrix_to_euler(rows.reshape(3, 3).T))  # type: ignore[arg-type]

    def to_bbox_3d(self) -> list[float]:
        """Return the 9-number list ``[cx, cy, cz, sx, sy, sz, roll, pitch, yaw]``."""
        return [*self.center, *self.size, *self.rotation]

    # -- derived quantities (cached numpy views) ----------------------------------------
    @cached_property
    def center_array(self) -> np.ndarray:
        """Centre as a (3,) array, metres."""
        return np.array(self.center)

    @cached_property
    def size_array(self) -> np.ndarray:
        """Full side lengths as a (3,) array, metres."""
        return np.array(self.size)

    @cached_property
    def rotation_matrix(self) -> np.ndarray:
        """3×3 matrix whose columns are the box axes in world coordinates."""
        return euler_to_matrix(*self.rotation)

    @cached_property
    def corners(self) -> np.ndarray:
        """The 8 corners as an (8, 3) array, metres (sign order ``x`` slowest, ``z`` fastest)."""
        local = _CORNER_SIGNS * (self.size_array / 2.0)
        return local @ self.rotation_matrix.T + self.center_array

    @cached_property
    def bounding_radius(self) -> float:
        """Radius of the sphere around the centre that encloses the box (half the diagonal), m."""
        return float(np.linalg.norm(self.size_array)) / 2.0

    @property
    def yaw(self) -> float:
        """Rotation about +z, radians, counter-clockwise from +x."""
        return self.rotation[2]

    @property
    def longest_side(self) -> float:
        """Length of the longest side, metres."""
        return max(self.size)

    @property
    def volume(self) -> float:
        """Volume, cubic metres."""
        sx, sy, sz = self.size
        return sx * sy * sz

    def to_local(self, points: np.ndarray) -> np.ndarray:
        """Express world points (N, 3) in the box frame (origin at the centre, box axes)."""
        return (np.asarray(points, dtype=float) - self.center_array) @ self.rotation_matrix
