"""Points and segments against solid oriented boxes (metres, world frame)."""

from __future__ import annotations

import numpy as np

from spatialcode.geometry.box import Box3D

ROUNDOFF = 1e-9
"""Floating-point slack, metres: points this close to a box surface count as on it."""

# Edge k runs from corner _EDGE_START[k] to corner _EDGE_END[k] of ``Box3D.corners`` (4 edges
# along the box x axis, then 4 along y, then 4 along z); _EDGE_MATRIX @ corners stacks the 12
# start points over the 12 edge vectors.
_EDGE_START = np.array([0, 1, 2, 3, 0, 1, 4, 5, 0, 2, 4, 6])
_EDGE_END = np.array([4, 5, 6, 7, 2, 3, 6, 7, 1, 3, 5, 7])
_EDGE_MATRIX = np.zeros((24, 8))
_EDGE_MATRIX[np.arange(12), _EDGE_START] = 1.0
_EDGE_MATRIX[np.arange(12, 24), _EDGE_END] = 1.0
_EDGE_MATRIX[np.arange(12, 24), _EDGE_START] = -1.0
_CLIP_SLACK = 1e-12  # metres; far below ROUNDOFF, so volumes stay exact to ~1e-12 m × area


def points_in_box(box: Box3D, points: np.ndarray, tolerance: float = 0.0) -> np.ndarray:
    """Return an (N,) bool mask of the world points (N, 3) (metres) inside the solid box.

    Points on the boundary count as inside, as do points within ``tolerance`` metres of it
    along each box axis (plus :data:`ROUNDOFF` for floating-point round-off).
    """
    local = box.to_local(np.asarray(points, dtype=float).reshape(-1, 3))
    return np.all(np.abs(local) <= box.size_array / 2.0 + (tolerance + ROUNDOFF), axis=1)


def corner_edges(corners: np.ndarray) -> np.ndarray:
    """Return the 12 edges of a box given its 8 corners (in ``Box3D.corners`` order) as a
    (24, 3) array, metres: rows 0–11 are start points, rows 12–23 the matching edge vectors."""
    return _EDGE_MATRIX @ corners


def intersection_vertices(a: Box3D, b: Box3D) -> np.ndarray:
    """Return points (K, 3), metres, whose convex hull is the solid intersection of two boxes.

    They are the end points of the parts of each box's edges inside the other box (corners of
    one box inside the other, and crossings of one box's edges with the other's faces),
    possibly repeated; the array is empty when the boxes do not meet. Each box is grown by
    1e-12 m per side so that round-off does not drop points on a shared boundary.
    """
    # Liang–Barsky clipping of A's edges to B (index 0) and of B's edges to A (index 1).
    edges = _EDGE_MATRIX @ np.stack([a.corners, b.corners])
    starts, directions = edges[:, :12], edges[:, 12:]
    rotation = np.stack([b.rotation_matrix, a.rotation_matrix])
    local = (starts - np.stack([b.center_array, a.center_array])[:, None]) @ rotation
    step = directions @ rotation
    half = np.stack([b.size_array, a.size_array])[:, None] / 2.0 + _CLIP_SLACK
    with np.errstate(divide="ignore", invalid="ignore"):
        t_low, t_high = (-half - local) / step, (half - local) / step
    # An edge parallel to a slab gets (-inf, inf) inside it and an empty range outside;
    # fmin/fmax ignore the NaN (0 / 0) of such an edge lying exactly on the slab's boundary.
    enter = np.maximum(np.fmin(t_low, t_high).max(axis=2), 0.0)
    leave = np.minimum(np.fmax(t_low, t_high).min(axis=2), 1.0)
    keep = enter <= leave
    starts, directions = starts[keep], directions[keep]
    return np.concatenate(
        [starts + enter[keep, None] * directions, starts + leave[keep, None] * directions]
    )
