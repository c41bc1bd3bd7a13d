"""Procedural indoor scenes with exact ground truth: ``generate_scene(seed) -> SpatialCode``.

A scene is one room (rectangular or L-shaped) or two rooms joined by an opening, with doors and
windows in the walls and furniture from :mod:`spatialcode.synth.categories` placed the way people
furnish rooms (backs to walls, seats at tables facing them, lamps and screens on furniture).
Metres, z up, yaw counter-clockwise from +x; an object's box +x axis is its front.
"""

from __future__ import annotations

import math

from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.polygon import polygon_area
from spatialcode.scene import Provenance, Room, Source, SpatialCode, SpatialObject
from spatialcode.synth.categories import ROOM_KINDS
from spatialcode.synth.draw import Draw
from spatialcode.synth.layout import Layout, plan_items
from spatialcode.synth.rooms import FloorPlan, centroid, plan_floor
from spatialcode.synth.scene_config import SceneGenConfig
from spatialcode.tasks.facing import has_front

PRODUCER = "spatialcode.synth.generate"
def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValidationError("seed", f"must be a non-negative integer, got {seed!r}")
    return seed


def _check_kind(kind: str | None) -> str | None:
    if kind is None:
        return None
    key = " ".join(str(kind).lower().replace("_", " ").split())
    if key not in ROOM_KINDS:
        raise ValidationError("kind", f"unknown room kind {kind!r}; use one of {', '.join(ROOM_KINDS)}")
    return key


def _unplaced_error(seed: int, plan: FloorPlan, unplaced: dict[str, int], attempts: int) -> SpatialCodeError:
    what = ", ".join(f"{label} ×{n}" for label, n in unplaced.items())
    rooms = " + ".join(room.kind for room in plan.rooms)
    return SpatialCodeError(
        f"seed {seed}: no free spot for {sum(unplaced.values())} object(s) ({what}) in the {plan.area:.1f} m² {rooms} "
        f"after {attempts} attempts each; lower furniture_density or min_clearance, raise area_scale, "
        "or set on_unplaceable='skip'"
    )


def _rotation(draw: Draw, plan: FloorPlan, enabled: bool):
    """A function (x, y, yaw) → (x, y, yaw) turning the scene by a random yaw about the centre
    of its outline's bounding box (identity when ``enabled`` is False)."""
    if not enabled:
        return lambda x, y, yaw: (x, y, yaw)
    angle = draw.uniform(-math.pi, math.pi)
    c, s = math.cos(angle), math.sin(angle)
    x0, y0 = min(p[0] for p in plan.polygon), min(p[1] for p in plan.polygon)
    x1, y1 = max(p[0] for p in plan.polygon), max(p[1] for p in plan.polygon)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2

    def turn(x: float, y: float, yaw: float) -> tuple[float, float, float]:
        dx, dy = x - cx, y - cy
        return cx + c * dx - s * dy, cy + s * dx + c * dy, yaw + angle

    return turn


def generate_scene(seed: int, config: SceneGenConfig | None = None, kind: str | None = None) -> SpatialCode:
    """Return a procedural indoor scene as ground-truth :class:`SpatialCode`.

    ``seed`` (≥ 0) fixes everything: the same seed and config give identical JSON. ``kind``
    picks the (first) room's kind (one of :data:`ROOM_KINDS`); ``None`` draws it from
    ``config.room_kinds``. Boxes are in metres (z up, floor at z = 0, box +x = the object's
    front), object ids run 0..n-1 in placement order, ``first_seen`` is left unset. The room
    polygon is counter-clockwise; ``room.area`` is its area (m²) and ``room.height`` the ceiling
    height (m). The provenance records the config, seed, requested kind, the kinds of the rooms
    built (``rooms``) and the objects left out for lack of space (``unplaced``, label → count).
    Raises :class:`ValidationError` for a bad seed or kind, and :class:`SpatialCodeError` when
    objects do not fit and ``config.on_unplaceable == "raise"``.
    """
    from spatialcode.core.version import __version__

    config = config or SceneGenConfig()
    seed, kind = _check_seed(seed), _check_kind(kind)
    draw = Draw(seed)
    first_kind = kind or draw.choice(config.room_kinds)
    plan = plan_floor(draw, first_kind, config)
    layout = Layout(draw, plan, config.min_clearance, config.max_attempts)
    items = []
    for index, room in enumerate(plan.rooms):
        items += [(key, index, cat) for key, cat in plan_items(draw, room.kind, config.furniture_density, joined=index > 0)]
    items.sort(key=lambda item: item[:2])
    for _, index, cat in items:
        layout.place(cat, index)
    unplaced = dict(sorted(layout.unplaced.items()))
    if unplaced and config.on_unplaceable == "raise":
        raise _unplaced_error(seed, plan, unplaced, config.max_attempts)

    turn = _rotation(draw, plan, config.random_orientation)
    objects = []
    for p in (p for p in layout.placed if not p.keepout):
        x, y, yaw = turn(p.prism.x, p.prism.y, p.prism.yaw)
        box = p.prism.to_box()
        box = Box3D((x, y, box.center[2]), box.size, (0.0, 0.0, math.atan2(math.sin(yaw), math.cos(yaw))))
        objects.append(SpatialObject(id=len(objects), label=p.label, box=box, has_front=has_front(p.label)))
    polygon = tuple(turn(x, y, 0.0)[:2] for x, y in plan.polygon)
    room = Room(polygon=polygon, area=polygon_area(polygon), center=(*centroid(polygon), plan.height / 2), height=plan.height)
    record = {**config.to_dict(), "seed": seed, "kind": kind, "rooms": [r.kind for r in plan.rooms], "unplaced": unplaced}
    return SpatialCode(
        objects=tuple(objects),
        room=room,
        source=Source(dataset="synthetic", scene_name=f"synth_{seed:06d}"),
        provenance=Provenance.from_config(PRODUCER, record, __version__),
    )

