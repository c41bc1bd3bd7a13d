"""Overlap of oriented boxes: intersection volume (m³), 3D IoU and bird's-eye IoU."""

from __future__ import annotations

from spatialcode.geometry.box import Box3D
from spatialcode.geometry.distance import boxes_intersect
from spatialcode.geometry.points import intersection_vertices
from spatialcode.geometry.polygon import box_footprint, vertical_axis


def _vertical_overlap(a: Box3D, axis_a: int, b: Box3D, axis_b: int) -> float:
    """Return the length, metres, of the overlap of the z ranges of two gravity-aligned boxes
    whose vertical axes are ``axis_a`` and ``axis_b`` (0 if none)."""
    half_a, half_b = a.size[axis_a] / 2.0, b.size[axis_b] / 2.0
    top = min(a.center[2] + half_a, b.center[2] + half_b)
    return max(0.0, top - max(a.center[2] - half_a, b.center[2] - half_b))


def box_volume_intersection(a: Box3D, b: Box3D) -> float:
    """Return the volume, m³, of the intersection of two solid oriented boxes.

    Gravity-aligned boxes (one axis vertical, e.g. roll = pitch = 0) intersect in a prism:
    footprint overlap area × z overlap. Otherwise, unless the separating-axis test finds them
    apart, the intersection polytope is the convex hull of
    :func:`~spatialcode.geometry.points.intersection_vertices`; fewer than 4 points or a flat
    hull give 0.
    """
    axis_a, axis_b = vertical_axis(a), vertical_axis(b)
    if axis_a is not None and axis_b is not None:
        height = _vertical_overlap(a, axis_a, b, axis_b)
        return height * box_footprint(a).intersection(box_footprint(b)).area if height else 0.0
    if not boxes_intersect(a, b):
        return 0.0
    vertices = intersection_vertices(a, b)
    if len(vertices) < 4:
        return 0.0
    from scipy.spatial import ConvexHull, QhullError  # here: importing scipy.spatial takes 0.4 s

    try:
        volume = ConvexHull(vertices).volume
    except QhullError:
        return 0.0
    return min(float(volume), a.volume, b.volume)  # the hull may gain ~1e-12 m of slack


def _iou(intersection: float, measure_a: float, measure_b: float) -> float:
    """Intersection over union from the overlap and the two volumes or areas (0 if no union)."""
    union = measure_a + measure_b - intersection
    return intersection / union if union > 0.0 else 0.0


def box_iou_3d(a: Box3D, b: Box3D) -> float:
    """Return the 3D intersection-over-union of two oriented boxes, in [0, 1]."""
    return _iou(box_volume_intersection(a, b), a.volume, b.volume)


def box_iou_bev(a: Box3D, b: Box3D) -> float:
    """Return the bird's-eye IoU, in [0, 1], of the boxes' floor-plane footprints."""
    footprint_a, footprint_b = box_footprint(a), box_footprint(b)
    overlap = footprint_a.intersection(footprint_b).area
    return _iou(overlap, footprint_a.area, footprint_b.area)
