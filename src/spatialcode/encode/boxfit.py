"""Clean an object's fused points and fit a gravity-aligned oriented box to them.

Yaw comes from the surfaces: the horizontal directions of the normals of the vertical surfaces
(Open3D normal estimation) cluster, modulo 90°, at the box's yaw — which holds even when only one
face was seen. When they do not agree (round objects, too few points) the yaw of the
minimum-area rectangle of the footprint is used (shapely). The sides are the extents of the
points along that yaw, the height the z-extent — optionally trimmed (quantiles instead of the
extreme points, robust to a cloud smeared by depth noise or pose drift). A box whose bottom is
within ``floor_snap`` of the floor is extended down to it (the underside of furniture is never
seen). The yaw of a rectangle is only defined modulo 90°: it is returned in [-45°, 45°) with the
sides to match.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from spatialcode.encode.smear import deblurred_extent
from spatialcode.geometry.box import Box3D


def remove_outliers(points: np.ndarray, eps: float = 0.08, min_share: float = 0.02) -> np.ndarray:
    """Keep the pieces of an object's cloud: points (N, 3) are clustered by density (Open3D's
    DBSCAN: neighbours within ``eps`` m, at least 3 per core point) and the clusters holding at
    least ``min_share`` of the largest one's points are kept — stray points and small detached
    blobs go, thin connected parts (a lamp's pole, chair legs) stay. Clouds of fewer than 24
    points, or with no cluster, are returned unchanged."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if len(points) < 24:
        return points
    import open3d as o3d

    cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points))
    labels = np.asarray(cloud.cluster_dbscan(eps=eps, min_points=3))
    if (labels < 0).all():
        return points
    sizes = np.bincount(labels[labels >= 0])
    return points[np.isin(labels, np.flatnonzero(sizes >= min_share * sizes.max()))]


def normal_yaw(points: np.ndarray, neighbours: int = 16, min_agreement: float = 0.4) -> float | None:
    """The yaw (radians, in [-π/4, π/4)) on which the horizontal normals of the vertical
    surfaces of points (N, 3) agree modulo 90°, or ``None`` when fewer than ``neighbours``
    points or their agreement (mean resultant length of 4 × azimuth, 0–1) is below
    ``min_agreement``."""
    import open3d as o3d

    if len(points) < neighbours:
        return None
    cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(np.asarray(points, dtype=np.float64)))
    cloud.estimate_normals(o3d.geometry.KDTreeSearchParamKNN(neighbours))
    normals = np.asarray(cloud.normals)
    horizontal = np.hypot(normals[:, 0], normals[:, 1])
    walls = horizontal > 0.8  # normals within ~37° of horizontal: vertical surfaces
    if np.count_nonzero(walls) < neighbours:
        return None
    angle = 4.0 * np.arctan2(normals[walls, 1], normals[walls, 0])
    resultant = np.hypot(np.cos(angle).mean(), np.sin(angle).mean())
    if resultant < min_agreement:
        return None
    yaw = math.atan2(np.sin(angle).mean(), np.cos(angle).mean()) / 4.0
    return (yaw + math.pi / 4) % (math.pi / 2) - math.pi / 4


def _extent_box(xy: np.ndarray, yaw: float, trim: float = 0.0) -> tuple[float, float, float, float, float]:
    """(cx, cy, sx, sy, yaw) of the rectangle at ``yaw`` (radians) around points (N, 2), from
    the ``trim`` and 1 - ``trim`` quantiles of their coordinates along its axes."""
    c, s = math.cos(yaw), math.sin(yaw)
    local = xy @ np.array([[c, -s], [s, c]])  # coordinates along the box's x and y axes
    lo, hi = _extents(local, trim)
    mid = (lo + hi) / 2
    centre = np.array([[c, -s], [s, c]]) @ mid
    return float(centre[0]), float(centre[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1]), yaw


def _extents(values: np.ndarray, trim: float) -> tuple[np.ndarray, np.ndarray]:
    """Per column of ``values`` (N, k): the ``trim`` and 1 - ``trim`` quantiles (min and max
    for ``trim`` = 0)."""
    if trim <= 0:
        return values.min(axis=0), values.max(axis=0)
    return np.quantile(values, trim, axis=0), np.quantile(values, 1.0 - trim, axis=0)


def _rectangle(xy: np.ndarray) -> tuple[float, float, float, float, float]:
    """(cx, cy, sx, sy, yaw) of the minimum-area rectangle around points (N, 2), metres and
    radians, yaw in [-π/4, π/4)."""
    hull = shapely.convex_hull(shapely.multipoints(xy))
    if hull.geom_type != "Polygon":  # all points on a line or one point
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        centre = (lo + hi) / 2
        return float(centre[0]), float(centre[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1]), 0.0
    corners = np.asarray(shapely.minimum_rotated_rectangle(hull).exterior.coords)[:4]
    edge_a, edge_b = corners[1] - corners[0], corners[2] - corners[1]
    sx, sy = float(np.hypot(*edge_a)), float(np.hypot(*edge_b))
    yaw = math.atan2(edge_a[1], edge_a[0])
    quarter = math.floor((yaw + math.pi / 4) / (math.pi / 2))  # turns of 90° to bring yaw into [-45°, 45°)
    yaw -= quarter * math.pi / 2
    if quarter % 2:
        sx, sy = sy, sx
    centre = corners.mean(axis=0)
    return float(centre[0]), float(centre[1]), sx, sy, yaw


def _footprint(rectangle: tuple[float, float, float, float, float], thickness: float = 0.05) -> float:
    """Area (m²) of a (cx, cy, sx, sy, yaw) rectangle with sides counted as at least
    ``thickness`` m (flat objects are compared by length, not by their noise-thin width)."""
    return max(rectangle[2], thickness) * max(rectangle[3], thickness)


def fit_box(points: np.ndarray, floor_z: float | None = None, floor_snap: float = 0.1, min_size: float = 0.01,
            max_area_excess: float = 0.2, viewpoint: np.ndarray | None = None, min_thickness: float = 0.0,
            trim: float = 0.0, height_trim: float | None = None, smear: np.ndarray | None = None,
            unblurred_sides: tuple[bool, bool, bool] = (False, False, False)) -> Box3D:
    """The gravity-aligned oriented box (roll = pitch = 0) around points (N ≥ 1, 3), metres.

    Sides are at least ``min_size`` m; with ``floor_z`` given, a bottom within ``floor_snap`` m
    above (or below) the floor is moved to the floor, unless the whole box lies below it (a flat
    thing seen a few cm under a floor estimated from drifting poses). ``trim`` > 0 leaves that
    share of the points out at each end of every axis (the extents are quantiles): the outermost
    points of a cloud smeared by depth noise or pose drift are the ones that overstate it;
    ``height_trim``, when given, is the share left out at each end of the vertical axis instead.
    ``smear`` (3 × 3 covariance, m²), the blur predicted depth's frame-to-frame spread gave the
    points, is taken out of each trimmed extent about its middle, before the floor snap
    (:func:`spatialcode.encode.smear.deblurred_extent`), but not out of the sides (the box's x,
    y, height) that ``unblurred_sides`` marks: those single views already bound
    (:func:`sides_told_by_views`)."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    surface_yaw = normal_yaw(points)
    rectangle = _rectangle(points[:, :2])
    if surface_yaw is not None:
        along_normals = _extent_box(points[:, :2], surface_yaw)
        if _footprint(along_normals) <= (1.0 + max_area_excess) * _footprint(rectangle):
            rectangle = along_normals
    if trim > 0:
        rectangle = _extent_box(points[:, :2], rectangle[4], trim)
    cx, cy, sx, sy, yaw = rectangle
    z_trim = trim if height_trim is None else height_trim
    z_lo, z_hi = (float(v[0]) for v in _extents(points[:, 2:], z_trim))
    if smear is not None:
        c, s = math.cos(yaw), math.sin(yaw)
        blur = [math.sqrt(max(float(axis @ smear @ axis), 0.0)) for axis in np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])]
        sx, sy = (side if kept else deblurred_extent(side, sigma, trim)
                  for side, sigma, kept in zip((sx, sy), blur, unblurred_sides))
        if not unblurred_sides[2]:
            middle, half = (z_lo + z_hi) / 2, deblurred_extent(z_hi - z_lo, blur[2], z_trim) / 2
            z_lo, z_hi = middle - half, middle + half
    if floor_z is not None and abs(z_lo - floor_z) <= floor_snap and floor_z < z_hi:
        z_lo = floor_z
    box = Box3D((cx, cy, (z_lo + z_hi) / 2), (sx, sy, z_hi - z_lo), (0.0, 0.0, yaw))
    if viewpoint is not None and min_thickness > 0:
        box = thicken_away_from(box, np.asarray(viewpoint, dtype=float), min_thickness)
    return Box3D(box.center, tuple(max(side, min_size) for side in box.size), box.rotation)


def limit_to_view_extents(box: Box3D, views: list[np.ndarray], quantile: float, min_side: float = 0.0,
                          trim: float = 0.02, min_views: int = 1, min_share: float = 0.5,
                          floor_z: float | None = None) -> Box3D:
    """``box`` (gravity-aligned) with each side — its x, y and height — no longer than the
    ``quantile`` of the sides single ``views`` of the whole object give it (each an (N, 3) sample
    of one frame's points, m: their extent along the side, ``trim`` of them left out at each end),
    about the same centre (a height whose bottom stands on ``floor_z`` keeps its bottom), and
    never cut below ``min_side`` m. Frames misplaced by pose drift or a depth warp put the same
    object in different places, and their fused cloud is the union of those places; one frame's
    points are not spread by it. A view spanning less than ``min_share`` of a side tells nothing
    of it: it saw a part (hidden behind something, a stray detection joined to the track) or,
    along its line of sight, only the faces turned to it (a refrigerator's front). A side is
    limited only by ``min_views`` views or more; a high quantile keeps the box of an object most
    views show only a part of."""
    sides = list(box.size)
    for k, told in enumerate(_told_extents(box, views, trim, min_share)):
        if len(told) >= max(min_views, 1):
            sides[k] = min(sides[k], max(float(np.quantile(told, quantile)), min(sides[k], min_side)))
    bottom = box.center[2] - box.size[2] / 2
    on_floor = floor_z is not None and abs(bottom - floor_z) < 1e-9
    centre_z = bottom + sides[2] / 2 if on_floor else box.center[2]
    return Box3D((box.center[0], box.center[1], centre_z), tuple(sides), box.rotation)


def sides_told_by_views(box: Box3D, views: list[np.ndarray], min_views: int = 1, trim: float = 0.02,
                        min_share: float = 0.5) -> tuple[bool, bool, bool]:
    """Whether at least ``min_views`` single ``views`` of the whole object span ``min_share`` of
    each side of ``box`` (its x, y, height): the sides :func:`limit_to_view_extents` bounds."""
    told = _told_extents(box, views, trim, min_share)
    least = max(min_views, 1)
    return len(told[0]) >= least, len(told[1]) >= least, len(told[2]) >= least


def _told_extents(box: Box3D, views: list[np.ndarray], trim: float, min_share: float) -> list[np.ndarray]:
    """For each side of ``box`` (its x, y, height), the extents (m) along it of the ``views``
    (``trim`` of each view's points left out at each end) that span at least ``min_share`` of it."""
    c, s = math.cos(box.yaw), math.sin(box.yaw)
    axes = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    extents = np.array([[float(np.diff(np.quantile(view @ axis, (trim, 1 - trim)))[0]) for axis in axes]
                        for view in views if len(view) >= 2]).reshape(-1, 3)
    return [extents[extents[:, k] >= min_share * box.size[k], k] for k in range(3)]


def thicken_away_from(box: Box3D, viewpoint: np.ndarray, thickness: float) -> Box3D:
    """``box`` (gravity-aligned) with every side thinner than ``thickness`` (m) grown to it on the
    side facing away from ``viewpoint`` (m, world; where the object was seen from): a depth
    camera sees only an object's front surface, its body lies behind it."""
    c, s = math.cos(box.yaw), math.sin(box.yaw)
    axes = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])  # the box's x, y, z axes in the world
    centre, size = np.array(box.center, dtype=float), np.array(box.size, dtype=float)
    for k in range(3):
        if size[k] < thickness:
            away = 1.0 if float(axes[k] @ (centre - viewpoint)) >= 0 else -1.0
            centre += axes[k] * away * (thickness - size[k]) / 2
            size[k] = thickness
    return Box3D(tuple(centre), tuple(size), (0.0, 0.0, box.yaw))
