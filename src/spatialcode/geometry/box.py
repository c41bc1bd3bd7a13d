"""The 9-DoF oriented box: ``[cx, cy, cz, sx, sy, sz, roll, pitch, yaw]`` in metres and radians."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from spatialcode.core.errors import ValidationError
from spatialcode.core.validation import MAX_METRES, finite_vector
from spatialcode.geometry.rotation import euler_to_matrix, matrix_to_euler

#: How far (largest entry of ``A Aᵀ − I``) a box's axes read from a file may be from orthonormal;
#: nearly orthonormal axes are projected onto the nearest rotation.
AXES_TOLERANCE = 0.01

# Corner sign pattern: corner k = centre + R @ (signs[k] * size / 2).
_CORNER_SIGNS = np.array(
    [[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=float
)


@dataclass(frozen=True)
class Box3D:
    """An oriented 3D box.

    ``center`` (m), ``size`` = full side lengths along the box's own x, y, z axes (m, ≥ 0),
    ``rotation`` = ``(roll, pitch, yaw)`` (rad); see :mod:`spatialcode.geometry.rotation`.
    Centre coordinates and sides are at most :data:`~spatialcode.core.validation.MAX_METRES` (10 km).
    """

    center: tuple[float, float, float]
    size: tuple[float, float, float]
    rotation: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "center", finite_vector(self.center, 3, "center", MAX_METRES))
        object.__setattr__(self, "size", finite_vector(self.size, 3, "size", MAX_METRES))
        object.__setattr__(self, "rotation", finite_vector(self.rotation, 3, "rotation"))
        if min(self.size) < 0:
            raise ValidationError("size", f"side lengths must be >= 0, got {list(self.size)}")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_bbox_3d(cls, values: Sequence[float]) -> Box3D:
        """Build a box from the 9-number list ``[cx, cy, cz, sx, sy, sz, roll, pitch, yaw]``
        as files write it: every side must be > 0 (a box read from a file has a volume)."""
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
            raise ValidationError("bbox_3d", f"expected a list of 9 numbers, got {values!r}"[:200])
        if len(values) != 9:
            raise ValidationError("bbox_3d", f"expected 9 numbers, got {len(values)}")
        return cls(tuple(values[0:3]), tuple(values[3:6]), tuple(values[6:9]))._solid()  # type: ignore[arg-type]

    @classmethod
    def from_axes(
        cls, center: Sequence[float], lengths: Sequence[float], axes: Sequence[float]
    ) -> Box3D:
        """Build a box from a centre, side lengths and a 3×3 row-major matrix whose rows are
        the box axes (the ``centroid``/``axesLengths``/``normalizedAxes`` annotation form), as
        files write it: every side > 0 and the axes orthonormal within :data:`AXES_TOLERANCE`."""
        rows = np.array(finite_vector(np.asarray(axes, dtype=object).ravel(), 9, "axes")).reshape(3, 3)
        off = float(np.abs(rows @ rows.T - np.eye(3)).max())
        if off > AXES_TOLERANCE:
            raise ValidationError("axes", f"the rows must be unit-length, perpendicular box axes; {rows.tolist()} is "
                                          f"off by {off:.3g}")
        return cls(center, lengths, matrix_to_euler(rows.T))._solid()  # type: ignore[arg-type]

    def _solid(self) -> Box3D:
        """Return the box itself, or raise :class:`ValidationError` when a side is 0 (a box read
        from a file must enclose something)."""
        if min(self.size) <= 0:
            raise ValidationError("size", f"side lengths must be > 0, got {list(self.size)}")
        return self

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
