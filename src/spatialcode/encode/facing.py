"""Which way a fitted box faces: turn its +x axis to the object's front.

A fitted box's yaw is only known modulo 90° (:mod:`spatialcode.encode.boxfit`): any of the box's
four horizontal axis directions could be the front. :func:`orient_front` picks one by the facing
rule of the object's category (:mod:`spatialcode.tasks.facing`), from three kinds of evidence:

- *shape* (``tall_back``): the horizontal centroid of the object's highest points (the top
  ``top_share`` of its height) lies towards its back — a chair's back rest, a sofa's back, a
  bed's headboard, a toilet's tank. Its offset from the box centre, as a share of the half side
  along the box axis it leans on, is the evidence; the front is the opposite direction.
- *wall* (``wall_back``, ``screen``, and the others' fallback): a probe ``probe`` m beyond each
  side of the box; a side whose probe falls outside the room outline (``wall_margin`` m or more
  beyond its boundary) has a wall behind it. The front is opposite such a side; with several (a
  corner), the wider face (cabinets, shelves, counters are wider than deep) when it is
  ``wider_front`` times wider than the other, else the one that looks most towards the camera.
- *view* (the last fallback): the camera saw the object from where it stood (the mean camera
  position of its detections); the front is the box direction closest to that.

``screen`` objects (tv, monitor) face along their thin horizontal side: wall and view only pick
the sign. The confidence (0–1) says how clear the winning evidence was: shape by how far the
top points lean (``lean_full`` gives 1), wall 0.9 for one wall behind, in a corner 0.6 by the
wider face and 0.5 by the camera, view
``view_confidence`` times how squarely it points at the camera.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from spatialcode.core.errors import ValidationError
from spatialcode.geometry.box import Box3D
from spatialcode.tasks import facing


@dataclass(frozen=True)
class FacingConfig:
    """Settings of :func:`orient_front` (metres, shares of a side or of the height)."""

    enabled: bool = True       # turn boxes of objects with a front to face it (else keep the fitted yaw)
    top_share: float = 0.3     # tall_back: the top share of the height whose points locate the back
    min_lean: float = 0.15     # tall_back: least lean of those points (share of the half side) that counts
    lean_full: float = 0.6     # tall_back: a lean of this share or more gives confidence 1
    probe: float = 0.3         # wall: distance beyond a side where the room is looked for (m)
    wall_margin: float = 0.05  # wall: a probe this far outside the room outline has a wall behind it (m)
    view_confidence: float = 0.4  # view: the confidence when the front points straight at the camera
    wider_front: float = 1.15  # wall, in a corner: a front this much wider than the other is the front

    def __post_init__(self) -> None:
        for name in ("top_share", "lean_full", "probe"):
            if not 0 < getattr(self, name) <= (1.0 if name != "probe" else 5.0):
                raise ValidationError(name, f"out of range: {getattr(self, name)}")
        if self.wider_front < 1.0:
            raise ValidationError("wider_front", f"must be >= 1, got {self.wider_front}")
        for name in ("min_lean", "wall_margin", "view_confidence"):
            if not 0 <= getattr(self, name) <= 1.0:
                raise ValidationError(name, f"must be in [0, 1], got {getattr(self, name)}")


@dataclass(frozen=True)
class Facing:
    """A box turned to face its front: the ``box`` (+x = front), ``has_front``, the
    ``confidence`` (0–1, ``None`` without a front) and the ``evidence`` used (``shape``,
    ``wall``, ``view`` or ``none``)."""

    box: Box3D
    has_front: bool
    confidence: float | None
    evidence: str


def _directions(yaw: float) -> np.ndarray:
    """The box's four horizontal axis directions (4, 2): +x, +y, -x, -y of a box at ``yaw``."""
    angles = yaw + np.arange(4) * math.pi / 2
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _half_sides(box: Box3D) -> np.ndarray:
    """Half the side of ``box`` along each of its four directions (4,), metres."""
    sx, sy = box.size[0] / 2, box.size[1] / 2
    return np.array([sx, sy, sx, sy])


def turned(box: Box3D, k: int) -> Box3D:
    """``box`` (gravity-aligned) with its +x axis turned to its ``k``-th direction (k · 90°
    counter-clockwise); the sides follow, so the box covers the same space."""
    k %= 4
    yaw = box.yaw + k * math.pi / 2
    yaw = math.atan2(math.sin(yaw), math.cos(yaw))
    sx, sy, sz = box.size
    size = (sy, sx, sz) if k % 2 else (sx, sy, sz)
    return Box3D(box.center, size, (0.0, 0.0, yaw))


def shape_evidence(box: Box3D, points: np.ndarray, config: FacingConfig) -> tuple[int, float] | None:
    """(front direction k, confidence) from where the highest points lean, or ``None`` when
    they do not lean clearly (``min_lean``) or there are too few (points (N, 3), metres)."""
    points = np.asarray(points, dtype=float).reshape(-1, 3)
    top = box.center[2] + box.size[2] / 2
    high = points[points[:, 2] >= top - config.top_share * box.size[2]]
    if len(high) < 5:
        return None
    offset = high[:, :2].mean(axis=0) - np.asarray(box.center[:2])
    lean = _directions(box.yaw) @ offset / np.maximum(_half_sides(box), 1e-6)
    back = int(np.argmax(lean))
    if lean[back] < config.min_lean:
        return None
    return (back + 2) % 4, float(min(1.0, lean[back] / config.lean_full))


def wall_evidence(box: Box3D, outline: shapely.Polygon | None, viewpoint: np.ndarray | None,
                  config: FacingConfig, allowed: tuple[int, ...] = (0, 1, 2, 3)) -> tuple[int, float] | None:
    """(front direction k, confidence) from the room outline's walls behind the box (only the
    ``allowed`` fronts), or ``None`` without an outline or with no wall behind any side."""
    if outline is None or outline.is_empty:
        return None
    directions = _directions(box.yaw)
    probes = np.asarray(box.center[:2]) + directions * (_half_sides(box) + config.probe)[:, None]
    outside = ~shapely.contains_xy(outline.buffer(config.wall_margin), probes[:, 0], probes[:, 1])
    fronts = [k for k in allowed if outside[(k + 2) % 4] and not outside[k]]
    if not fronts:
        return None
    if len(fronts) == 1:
        return fronts[0], 0.9
    widths = {k: box.size[1] if k % 2 == 0 else box.size[0] for k in fronts}  # the side a front faces across
    widest = max(fronts, key=widths.__getitem__)
    if widths[widest] > config.wider_front * min(widths.values()):  # furniture is wider than deep
        return widest, 0.6
    if viewpoint is None:
        return None
    to_camera = np.asarray(viewpoint[:2], dtype=float) - np.asarray(box.center[:2])
    return max(fronts, key=lambda k: float(directions[k] @ to_camera)), 0.5


def view_evidence(box: Box3D, viewpoint: np.ndarray | None, config: FacingConfig,
                  allowed: tuple[int, ...] = (0, 1, 2, 3)) -> tuple[int, float] | None:
    """(front direction k, confidence) towards the camera position ``viewpoint`` (m), or
    ``None`` without one (or when it stands on the box's centre)."""
    if viewpoint is None:
        return None
    to_camera = np.asarray(viewpoint[:2], dtype=float) - np.asarray(box.center[:2])
    length = float(np.hypot(*to_camera))
    if length < 1e-6:
        return None
    cosines = _directions(box.yaw) @ (to_camera / length)
    k = max(allowed, key=lambda j: float(cosines[j]))
    return k, float(config.view_confidence * max(0.0, cosines[k]))


def orient_front(box: Box3D, label: str, points: np.ndarray, outline: shapely.Polygon | None = None,
                 viewpoint: np.ndarray | None = None, config: FacingConfig | None = None) -> Facing:
    """``box`` (gravity-aligned, fitted to ``points`` (N, 3), metres) turned so that its +x axis
    is the front of the object ``label`` names, by the category's rule (see the module
    docstring); ``outline`` is the room's floor outline, ``viewpoint`` where the camera saw the
    object from (m). Objects without a front keep their box."""
    config = config or FacingConfig()
    rule = facing.facing_rule(label)
    if rule is None:
        return Facing(box, False, None, "none")
    if not config.enabled:
        return Facing(box, True, None, "none")
    allowed: tuple[int, ...] = (0, 1, 2, 3)
    if rule == facing.SCREEN:
        allowed = (0, 2) if box.size[0] <= box.size[1] else (1, 3)
    found: tuple[int, float] | None = None
    evidence = "none"
    if rule == facing.TALL_BACK:
        found, evidence = shape_evidence(box, points, config), "shape"
    if found is None:
        found, evidence = wall_evidence(box, outline, viewpoint, config, allowed), "wall"
    if found is None:
        found, evidence = view_evidence(box, viewpoint, config, allowed), "view"
    if found is None:
        return Facing(box, True, 0.0, "none")
    k, confidence = found
    return Facing(turned(box, k), True, round(confidence, 3), evidence)
