"""Clean an object's fused points and fit a gravity-aligned oriented box to them.

Yaw comes from the surfaces: the horizontal directions of the normals of the vertical surfaces
(Open3D normal estimation) cluster, modulo 90°, at the box's yaw — which holds even when only one
face was seen. When they do not agree (round objects, too few points) the yaw of the
minimum-area rectangle of the footprint is used (shapely). The sides are the extents of the
points along that yaw, the height the z-extent. A box whose bottom is within ``floor_snap``
of the floor is extended down to it (the underside of furniture is never seen). The yaw of a
rectangle is only defined modulo 90°: it is returned in [-45°, 45°) with the sides to match.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from spatialcode.geometry.box import Box3D


def remove_outliers(points: np.ndarray, neighbours: int = 12, std_ratio: float = 2.5) -> np.ndarray:
    """Drop points whose mean distance to their ``neighbours`` nearest points exceeds the mean
    over all points by more than ``std_ratio`` standard deviations (Open3D's statistical
    outlier removal); clouds of fewer than ``2 · neighbours`` points are returned unchanged."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if len(points) < 2 * neighbours:
        return points
    import open3d as o3d

    cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points))
    _, kept = cloud.remove_statistical_outlier(nb_neighbors=neighbours, std_ratio=std_ratio)
    return points[np.asarray(kept, dtype=np.intp)]


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


def _extent_box(xy: np.ndarray, yaw: float) -> tuple[float, float, float, float, float]:
    """(cx, cy, sx, sy, yaw) of the rectangle at ``yaw`` (radians) around points (N, 2)."""
    c, s = math.cos(yaw), math.sin(yaw)
    local = xy @ np.array([[c, -s], [s, c]])  # coordinates along the box's x and y axes
    lo, hi = local.min(axis=0), local.max(axis=0)
    mid = (lo + hi) / 2
    centre = np.array([[c, -s], [s, c]]) @ mid
    return float(centre[0]), float(centre[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1]), yaw


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


def fit_box(points: np.ndarray, floor_z: float | None = None, floor_snap: float = 0.1, min_size: float = 0.01) -> Box3D:
    """The gravity-aligned oriented box (roll = pitch = 0) around points (N ≥ 1, 3), metres.

    Sides are at least ``min_size`` m; with ``floor_z`` given, a bottom within ``floor_snap`` m
    above (or below) the floor is moved to the floor."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    yaw = normal_yaw(points)
    cx, cy, sx, sy, yaw = _rectangle(points[:, :2]) if yaw is None else _extent_box(points[:, :2], yaw)
    z_lo, z_hi = float(points[:, 2].min()), float(points[:, 2].max())
    if floor_z is not None and abs(z_lo - floor_z) <= floor_snap:
        z_lo = floor_z
    sz = max(z_hi - z_lo, min_size)
    return Box3D((cx, cy, (z_lo + z_hi) / 2 if z_hi - z_lo >= min_size else z_lo + min_size / 2),
                 (max(sx, min_size), max(sy, min_size), sz), (0.0, 0.0, yaw))
