"""Exact distances between solid oriented boxes and points (metres, world frame)."""

from __future__ import annotations

import numpy as np

from spatialcode.geometry.box import Box3D
from spatialcode.geometry.points import ROUNDOFF, corner_edges, intersection_vertices

# Levi-Civita symbol: (_LEVI_CIVITA @ v) @ u = u × v, so _LEVI_CIVITA @ v is v's cross-product
# matrix up to sign, and np.abs(_LEVI_CIVITA) @ h (h >= 0) is its entry-wise absolute value.
_LEVI_CIVITA = np.zeros((3, 3, 3))
for _i, _j, _k in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
    _LEVI_CIVITA[_i, _j, _k], _LEVI_CIVITA[_i, _k, _j] = 1.0, -1.0
_ABS_LEVI_CIVITA = np.abs(_LEVI_CIVITA)
# Cross-product axes shorter than this (edges within ~1e-6 rad of parallel) are skipped: the
# face axes already decide those cases up to a micrometre-scale gap.
_MIN_AXIS_LENGTH = 1e-6


def boxes_intersect(a: Box3D, b: Box3D) -> bool:
    """Return whether two solid boxes share a point (separating-axis test over 15 axes).

    Touching boxes count as intersecting, as do boxes less than :data:`ROUNDOFF` metres apart
    (or, along edges within ~1e-6 rad of parallel, less than ~1e-6 × their size apart).
    """
    half_a, half_b = a.size_array / 2.0, b.size_array / 2.0
    rot = a.rotation_matrix.T @ b.rotation_matrix  # rot[i, j] = a_i · b_j
    offset = (b.center_array - a.center_array) @ a.rotation_matrix  # B's centre in A's frame
    abs_rot = np.abs(rot)
    if (np.abs(offset) - half_a - abs_rot @ half_b > ROUNDOFF).any():  # A's face normals
        return False
    if (np.abs(offset @ rot) - half_a @ abs_rot - half_b > ROUNDOFF).any():  # B's face normals
        return False
    # Axes a_i × b_j as [i, j] arrays (Ericson, Real-Time Collision Detection §4.4): centre
    # distance |(offset × b_j)_i|, radii sum_k h_k |(a_i × b_j) · a_k| and likewise for B.
    radius_a = (_ABS_LEVI_CIVITA @ half_a) @ abs_rot
    radius_b = abs_rot @ (_ABS_LEVI_CIVITA @ half_b)
    gap = np.abs((_LEVI_CIVITA @ offset) @ rot)
    length = np.sqrt(np.maximum(1.0 - rot * rot, 0.0))
    separating = (gap - radius_a - radius_b > ROUNDOFF * length) & (length > _MIN_AXIS_LENGTH)
    return not separating.any()


def _clamp(points: np.ndarray, half: np.ndarray) -> np.ndarray:
    """Nearest points of the box ``[-half, half]`` to ``points`` (all in that box's frame)."""
    return np.minimum(np.maximum(points, -half), half)


def _nearest_in_box(box: Box3D, points: np.ndarray) -> np.ndarray:
    """Return the points (N, 3) of the solid box nearest to world points (N, 3), metres."""
    rotation = box.rotation_matrix
    local = _clamp((points - box.center_array) @ rotation, box.size_array / 2.0)
    return local @ rotation.T + box.center_array


def _edge_pair_points(edges_a: np.ndarray, edges_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (144, 3) point pairs on every edge of A × every edge of B (``corner_edges`` rows).

    Each pair takes the closest points of the two lines with both parameters clamped to [0, 1]:
    always a point of each segment, and the segments' closest points whenever those lie inside
    both segments (the only edge–edge case that corner–box pairs do not cover).
    """
    gram = edges_a @ edges_b.T
    dots_a = np.einsum("kij,ij->ki", edges_a.reshape(2, 12, 3), edges_a[12:])  # p·d, d·d
    dots_b = np.einsum("kij,ij->ki", edges_b.reshape(2, 12, 3), edges_b[12:])
    aa, bb, ab = dots_a[1, :, None], dots_b[1], gram[12:, 12:]
    ca = dots_a[0, :, None] - gram[12:, :12]  # d_a · (p_a - p_b)
    cb = gram[:12, 12:] - dots_b[0]  # d_b · (p_a - p_b)
    with np.errstate(divide="ignore", invalid="ignore"):  # parallel edges: any clamped value
        denom = aa * bb - ab * ab
        s = np.fmin(np.fmax((ab * cb - ca * bb) / denom, 0.0), 1.0)
        t = np.fmin(np.fmax((aa * cb - ab * ca) / denom, 0.0), 1.0)
    on_a = edges_a[:12, None, :] + s[:, :, None] * edges_a[12:, None, :]
    on_b = edges_b[:12] + t[:, :, None] * edges_b[12:]
    return on_a.reshape(-1, 3), on_b.reshape(-1, 3)


def _corner_pairs(a: Box3D, b: Box3D) -> tuple[np.ndarray, np.ndarray]:
    """Return (16, 3) point pairs: each corner of A with its nearest point of B, and each
    nearest point of A with a corner of B (world, metres)."""
    corners_a, corners_b = a.corners, b.corners
    on_a = np.concatenate([corners_a, _nearest_in_box(a, corners_b)])
    on_b = np.concatenate([_nearest_in_box(b, corners_a), corners_b])
    return on_a, on_b


def _nearest_with_edges(
    a: Box3D, b: Box3D, on_a: np.ndarray, on_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Return the nearest pair among the corner pairs ``on_a``/``on_b`` and all edge pairs."""
    edge_a, edge_b = _edge_pair_points(corner_edges(a.corners), corner_edges(b.corners))
    return _nearest_pair(np.concatenate([on_a, edge_a]), np.concatenate([on_b, edge_b]))


def _nearest_pair(on_a: np.ndarray, on_b: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Return the row pair of ``on_a``/``on_b`` (n, 3) with the smallest distance, and it."""
    diff = on_a - on_b
    squared = np.einsum("ij,ij->i", diff, diff)
    best = int(np.argmin(squared))
    return on_a[best], on_b[best], float(np.sqrt(squared[best]))


def _is_closest(a: Box3D, b: Box3D, x: np.ndarray, y: np.ndarray, length: float) -> bool:
    """Whether ``x`` ∈ A and ``y`` ∈ B (world), ``length`` > 0 apart, are closest points.

    Certificate: along ``w = y - x`` the gap between the boxes' projections is a lower bound
    of their distance; the pair is optimal when that gap reaches ``|w|`` (to ROUNDOFF).
    """
    w = y - x
    gap = (
        w @ (b.center_array - a.center_array)
        - np.abs(w @ a.rotation_matrix) @ a.size_array / 2.0
        - np.abs(w @ b.rotation_matrix) @ b.size_array / 2.0
    )
    return gap >= length * (length - ROUNDOFF)


def _closest_pair(a: Box3D, b: Box3D) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Closest points (world) of two disjoint solid boxes and their distance, or ``None`` when
    the boxes intersect.

    For disjoint convex polytopes the minimum is attained at a corner of one box against the
    other solid box, or between the interiors of two edges. The 16 corner pairs are tried first
    and kept when :func:`_is_closest` proves them optimal; otherwise, unless the boxes
    intersect, the 144 edge pairs join them.
    """
    on_a, on_b = _corner_pairs(a, b)
    x, y, length = _nearest_pair(on_a, on_b)
    if length <= ROUNDOFF:  # a corner of one box in the other
        return None
    if _is_closest(a, b, x, y, length):
        return x, y, length
    return None if boxes_intersect(a, b) else _nearest_with_edges(a, b, on_a, on_b)


def closest_points(a: Box3D, b: Box3D) -> tuple[np.ndarray, np.ndarray, float]:
    """Return ``(point_on_a, point_on_b, distance)``: closest points (3,) of two solid boxes
    and their distance, metres, exact to floating-point round-off.

    When the boxes intersect or touch the distance is 0 and both points are the same point of
    the intersection: the mean of the intersection polytope's vertices (for boxes that
    :func:`boxes_intersect` only counts as touching, a hair apart, the midpoint of their
    closest points).
    """
    pair = _closest_pair(a, b)
    if pair is not None:
        return pair
    vertices = intersection_vertices(a, b)
    if len(vertices):
        common = vertices.mean(axis=0)
    else:
        common = np.mean(_nearest_with_edges(a, b, *_corner_pairs(a, b))[:2], axis=0)
    return common, common.copy(), 0.0


def box_distance(a: Box3D, b: Box3D) -> float:
    """Return the distance between two solid oriented boxes, metres (0 when they intersect)."""
    pair = _closest_pair(a, b)
    return 0.0 if pair is None else pair[2]


def point_box_distance(box: Box3D, points: np.ndarray) -> np.ndarray:
    """Return the distances (N,), metres, from world points (N, 3) to the solid box (0 inside)."""
    local = box.to_local(np.asarray(points, dtype=float).reshape(-1, 3))
    return np.linalg.norm(local - _clamp(local, box.size_array / 2.0), axis=1)
