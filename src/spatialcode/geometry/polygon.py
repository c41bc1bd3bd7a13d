"""Floor-plane (x, y) polygons: room areas and box footprints, metres."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from spatialcode.core.errors import ValidationError
from spatialcode.geometry.box import Box3D

_MAX_TILT = 1e-9
"""Horizontal extent (of a unit axis) below which a box axis counts as vertical."""
# _FACE_LOOPS[k]: indices into ``Box3D.corners`` that walk around the face at the negative end
# of box axis k (corner index = 4 * x-sign bit + 2 * y-sign bit + z-sign bit).
_FACE_LOOPS = np.array([[0, 2, 3, 1], [0, 1, 5, 4], [0, 4, 6, 2]])


def polygon_area(points: Sequence[tuple[float, float]]) -> float:
    """Return the area, m², of a simple polygon given by its (x, y) vertices in metres.

    Either winding order; a repeated closing vertex is allowed and extra coordinates (z) are
    ignored. Raises ``ValidationError("polygon", ...)`` for fewer than 3 vertices, non-finite
    numbers or a self-intersecting outline.
    """
    try:
        coords = np.asarray(points, dtype=float)
    except (TypeError, ValueError):  # ragged or non-numeric
        coords = np.empty(())  # fails the shape check below
    if coords.shape == (0,):  # an empty list
        coords = coords.reshape(0, 2)
    if coords.ndim != 2 or coords.shape[1] < 2:
        raise ValidationError("polygon", "expected a list of (x, y) number pairs")
    if not np.all(np.isfinite(coords)):
        raise ValidationError("polygon", "vertices must be finite numbers")
    coords = coords[:, :2]
    if len(coords) > 1 and np.array_equal(coords[0], coords[-1]):
        coords = coords[:-1]
    if len(coords) < 3:
        raise ValidationError("polygon", f"needs at least 3 vertices, got {len(coords)}")
    polygon = shapely.Polygon(coords)
    if not polygon.is_valid:
        reason = shapely.is_valid_reason(polygon)
        raise ValidationError("polygon", f"not a simple polygon ({reason})")
    return float(polygon.area)


def vertical_axis(box: Box3D) -> int | None:
    """Return the index (0, 1, 2) of the box axis that points straight up or down, or
    ``None`` when the box is tilted (no axis within ~1e-9 rad of vertical)."""
    axes = box.rotation_matrix
    tilt = np.hypot(axes[0], axes[1])  # horizontal extent of each unit axis
    axis = int(np.argmin(tilt))
    return axis if tilt[axis] <= _MAX_TILT else None


def box_footprint(box: Box3D) -> shapely.Polygon:
    """Return the box's floor-plane (x, y) footprint, metres: the rotated rectangle of a
    gravity-aligned box, else the convex hull of the 8 corners projected to z = 0 (an empty
    polygon when that hull has no area)."""
    axis = vertical_axis(box)
    if axis is not None:
        return shapely.polygons(box.corners[_FACE_LOOPS[axis], :2])
    hull = shapely.MultiPoint(box.corners[:, :2]).convex_hull
    return hull if isinstance(hull, shapely.Polygon) else shapely.Polygon()


def footprint_hull_area(boxes: Sequence[Box3D]) -> float:
    """The area, m², of the convex hull of the boxes' floor footprints (all eight corners
    projected onto the floor): what a room holding them covers at least; 0 for no boxes."""
    corners = [corner[:2] for box in boxes for corner in np.asarray(box.corners)]
    if len(corners) < 3:
        return 0.0
    return float(shapely.MultiPoint(corners).convex_hull.area)

