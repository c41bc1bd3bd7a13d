"""Procedural indoor scenes with exact ground truth: ``generate_scene(seed) -> SpatialCode``.

A scene is one room (rectangular or L-shaped) or two rooms joined by an opening, with doors and
windows in the walls and furniture from :mod:`spatialcode.synth.categories` placed the way people
furnish rooms (backs to walls, seats at tables facing them, lamps and screens on furniture).
Metres, z up, yaw counter-clockwise from +x; an object's box +x axis is its front.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.polygon import polygon_area
from spatialcode.scene import Provenance, Room, Source, SpatialCode, SpatialObject
from spatialcode.synth.categories import ROOM_KINDS
from spatialcode.synth.draw import Draw
from spatialcode.synth.layout import Layout, plan_items
from spatialcode.synth.rooms import FloorPlan, centroid, plan_floor

PRODUCER = "spatialcode.synth.generate"
ON_UNPLACEABLE = ("skip", "raise")


def _probability(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValidationError(name, f"must be a probability in [0, 1], got {value!r}")
    return float(value)


def _bounded(value: float, name: str, lo: float, hi: float, hint: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ValidationError(name, f"must be in [{lo}, {hi}] ({hint}), got {value!r}")
    return float(value)


@dataclass(frozen=True)
class SceneGenConfig:
    """Settings of :func:`generate_scene`.

    ``room_kinds``: kinds a scene's room is drawn from (and that a second room may be);
    ``l_shape_probability``: chance the (first) room is L-shaped;
    ``two_rooms_probability``: chance of a second room joined through an opening in a shared wall;
    ``room_height``: (low, high) ceiling height, m;
    ``area_scale``: multiplies every room kind's floor-area range (bathroom 4–9 m², bedroom 9–20,
    living room 15–35, kitchen 7–18, office 9–25);
    ``furniture_density``: multiplies the number of optional objects (0: only the essentials);
    ``min_clearance``: least distance, m, between any two objects' boxes (supports excepted);
    ``max_attempts``: candidate poses tried per object before giving up on it (later ones with
    smaller sizes from the category's range);
    ``on_unplaceable``: ``"skip"`` (leave out objects with no free spot and record them in the
    provenance as ``unplaced``) or ``"raise"`` (raise :class:`SpatialCodeError`);
    ``random_orientation``: rotate each finished scene by a random yaw about the centre of its
    outline's bounding box (the layout is the same as without it).
    """

    room_kinds: tuple[str, ...] = ROOM_KINDS
    l_shape_probability: float = 0.25
    two_rooms_probability: float = 0.15
    room_height: tuple[float, float] = (2.4, 3.0)
    area_scale: float = 1.0
    furniture_density: float = 1.0
    min_clearance: float = 0.05
    max_attempts: int = 40
    on_unplaceable: str = "skip"
    random_orientation: bool = False

    def __post_init__(self) -> None:
        kinds = (self.room_kinds,) if isinstance(self.room_kinds, str) else tuple(self.room_kinds)
        if not kinds:
            raise ValidationError("room_kinds", f"needs at least one of {', '.join(ROOM_KINDS)}")
        for k in kinds:
            if k not in ROOM_KINDS:
                raise ValidationError("room_kinds", f"unknown room kind {k!r}; use some of {', '.join(ROOM_KINDS)}")
        object.__setattr__(self, "room_kinds", tuple(dict.fromkeys(kinds)))
        for name in ("l_shape_probability", "two_rooms_probability"):
            object.__setattr__(self, name, _probability(getattr(self, name), name))
        try:
            lo, hi = (float(v) for v in self.room_height)
        except (TypeError, ValueError):
            raise ValidationError("room_height", f"expected (low, high) in metres, got {self.room_height!r}") from None
        if not 2.3 <= lo <= hi <= 5.0:
            raise ValidationError("room_height", f"expected 2.3 <= low <= high <= 5.0 m (doors are up to 2.1 m), got {(lo, hi)}")
        object.__setattr__(self, "room_height", (lo, hi))
        object.__setattr__(self, "area_scale", _bounded(self.area_scale, "area_scale", 0.25, 4.0, "1 = realistic areas"))
        object.__setattr__(self, "furniture_density", _bounded(self.furniture_density, "furniture_density", 0.0, 4.0,
                                                               "1 = typical, 0 = essentials only"))
        object.__setattr__(self, "min_clearance", _bounded(self.min_clearance, "min_clearance", 0.0, 0.5,
                                                           "metres between boxes; 0.05 is typical"))
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) or not 1 <= self.max_attempts <= 10_000:
            raise ValidationError("max_attempts", f"must be an integer in [1, 10000], got {self.max_attempts!r}")
        if self.on_unplaceable not in ON_UNPLACEABLE:
            raise ValidationError("on_unplaceable", f"must be one of {ON_UNPLACEABLE}, got {self.on_unplaceable!r}")
        if not isinstance(self.random_orientation, bool):
            raise ValidationError("random_orientation", f"must be true or false, got {self.random_orientation!r}")

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready dict (tuples as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


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
        objects.append(SpatialObject(id=len(objects), label=p.label, box=box))
    polygon = tuple(turn(x, y, 0.0)[:2] for x, y in plan.polygon)
    room = Room(polygon=polygon, area=polygon_area(polygon), center=(*centroid(polygon), plan.height / 2), height=plan.height)
    record = {**config.to_dict(), "seed": seed, "kind": kind, "rooms": [r.kind for r in plan.rooms], "unplaced": unplaced}
    return SpatialCode(
        objects=tuple(objects),
        room=room,
        source=Source(dataset="synthetic", scene_name=f"synth_{seed:06d}"),
        provenance=Provenance.from_config(PRODUCER, record, __version__),
    )

