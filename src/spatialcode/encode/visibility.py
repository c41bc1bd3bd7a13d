"""Free-space evidence: did a camera look through a point and see something farther away?

A later *visit* of an object (a return of the camera) that registration cannot place on the
earlier ones is either *displaced* (drifting poses or warped predicted depth put a copy of the
object elsewhere) or *complementary* (it saw another part: the top of a door, the back of a
sofa, the legs a chair hid). The earlier visits' frames tell them apart. A frame whose depth,
in the direction of a point, shows a surface farther than the point by more than a margin looked
through the point: it lies in *free space*, and a visit made mostly of such points is displaced.
A point outside a frame's image, or behind what the frame saw there (hidden by the object itself
or by another one), is no evidence either way, so a visit that saw another part is kept.

Each frame is kept as a :class:`DepthView`: its camera and the *nearest* depth in each cell of
:data:`CELL_PX` pixels (2.4 KB a frame of 640 × 480 at float16; larger cells for images wider
than :data:`MAX_CELLS` of them, so a frame never takes more than 8 KB), so the test is
conservative at the borders of objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spatialcode.geometry.camera import Intrinsics, Pose, project_points

CELL_PX = 16    # a frame's depth is kept as the nearest value in cells this wide (pixels) ...
MAX_CELLS = 64  # ... or wider, so that its longer side has at most this many cells
MAX_VIEWS = 32  # at most this many views are checked (evenly spread over those given)


@dataclass(frozen=True)
class DepthView:
    """A frame as free-space evidence: its camera (``pose``, ``intrinsics``) and the nearest
    depth (m) measured in each ``cell`` × ``cell`` pixel cell of its image (``nearest``, rows ×
    columns; 0 where none was)."""

    pose: Pose
    intrinsics: Intrinsics
    nearest: np.ndarray
    cell: int = CELL_PX

    @classmethod
    def of_frame(cls, depth: np.ndarray, pose: Pose, intrinsics: Intrinsics, max_depth: float) -> DepthView:
        """The view of a frame with ``depth`` (H × W, metres; values ≤ 0, not finite or beyond
        ``max_depth`` are not measurements)."""
        depth = np.asarray(depth, dtype=np.float32)
        height, width = depth.shape
        cell = max(CELL_PX, -(-max(height, width) // MAX_CELLS))
        rows, cols = -(-height // cell), -(-width // cell)
        padded = np.full((rows * cell, cols * cell), np.inf, dtype=np.float32)
        with np.errstate(invalid="ignore"):
            padded[:height, :width] = np.where((depth > 0) & (depth <= max_depth), depth, np.inf)
        nearest = padded.reshape(rows, cell, cols, cell).min(axis=(1, 3))
        nearest[~np.isfinite(nearest)] = 0.0
        return cls(pose, intrinsics, nearest.astype(np.float16), cell)


def free_space_share(points: np.ndarray, views: Sequence[DepthView], margin: float = 0.1,
                     min_depth: float = 0.1) -> float:
    """The share (0–1) of ``points`` (N, 3), world metres, in free space for ``views``
    (:func:`free_space_mask`); 0 without points."""
    points = np.asarray(points, dtype=float).reshape(-1, 3)
    if not len(points):
        return 0.0
    return float(np.count_nonzero(free_space_mask(points, views, margin, min_depth))) / len(points)


def free_space_mask(points: np.ndarray, views: Sequence[DepthView], margin: float = 0.1,
                    min_depth: float = 0.1) -> np.ndarray:
    """Whether each of ``points`` (N, 3), world metres, is in free space for ``views`` (N bools):
    a point is free in a view when it projects into the image at least ``min_depth`` (m) in front
    of the camera and the nearest depth measured in its cell is farther than the point by more
    than ``margin`` (m). A point counts as free when it is free in at least half the views that
    have a measurement where it projects; points no view measured are not free. Of more than
    :data:`MAX_VIEWS` views, that many spread evenly from the first to the last are read."""
    points = np.asarray(points, dtype=float).reshape(-1, 3)
    if not len(points) or not views:
        return np.zeros(len(points), dtype=bool)
    if len(views) > MAX_VIEWS:
        views = [views[int(i)] for i in np.linspace(0, len(views) - 1, MAX_VIEWS).round()]
    measured = np.zeros(len(points), dtype=np.int32)
    free = np.zeros(len(points), dtype=np.int32)
    for view in views:
        uv, depth = project_points(points, view.intrinsics, view.pose)
        with np.errstate(invalid="ignore"):
            shown = (depth >= min_depth) & (uv[:, 0] >= -0.5) & (uv[:, 0] < view.intrinsics.width - 0.5)
            shown &= (uv[:, 1] >= -0.5) & (uv[:, 1] < view.intrinsics.height - 0.5)
        cells = ((uv[shown, ::-1] + 0.5) // view.cell).astype(np.int64)
        nearest = np.zeros(len(points))
        nearest[shown] = view.nearest[cells[:, 0], cells[:, 1]]
        measured += nearest > 0
        free += (nearest > 0) & (depth < nearest - margin)
    return (measured > 0) & (2 * free >= measured)
