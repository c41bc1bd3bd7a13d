"""The catalogue of furniture and fixture categories used by the procedural scene generator.

Labels are categories of the shared vocabulary (:mod:`spatialcode.tasks.vocabulary`): VSI-Bench's,
plus cabinet and sink. Sizes are ``(depth, width, height)`` ranges in metres:
depth along the object's front (its box +x axis, the way it faces), width across it, height up.
They come from real furniture and were cross-checked against the medians of the benchmark's own
annotation boxes (``meta_info`` ``axesLengths``), e.g. chair 0.52 × 0.61 × 0.82, bed
1.50 × 2.17 × 0.67, door 0.10 × 0.97 × 2.04, stove (a cooktop) 0.55 × 0.65 × 0.06.
Categories the benchmark does not annotate (cabinet, sink) use common retail sizes; a few
deliberately differ from its boxes: windows and mirrors are thin panes (the annotations include
sills and frames, 0.13–0.23 m deep), a counter is a whole base unit 0.86–0.94 m high (annotated
as the worktop slab alone) and a microwave is 0.32–0.42 m deep (annotated boxes are partial).

Placement kinds (:data:`PLACEMENTS`):

- ``floor``: free-standing on the floor (z_min = 0), anywhere inside the room;
- ``against_wall``: on the floor with its back to a wall, front into the room;
- ``wall_mounted``: hung on a wall at ``mount`` height (bottom above the floor, m);
- ``ceiling``: hung from the ceiling (top at the ceiling);
- ``on_support``: resting on the top of one of ``supports`` (z_min = support's top);
- ``in_wall``: doors and windows, thin boxes in a wall, front into the room.

A variant may also name anchor categories (``near``) and how it relates to one (``relation``):
``beside`` (next to the anchor, backs aligned), ``front`` (in front of the anchor, facing it),
``above`` (on the wall above the anchor) or ``around`` (seats around a table, facing it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.tasks import vocabulary

ROOM_KINDS: tuple[str, ...] = ("bedroom", "living room", "kitchen", "office", "bathroom")
"""Room kinds the generator builds."""

PLACEMENTS: tuple[str, ...] = ("floor", "against_wall", "wall_mounted", "ceiling", "on_support", "in_wall")
"""How an object is placed (see the module docstring)."""

RELATIONS: tuple[str, ...] = ("beside", "front", "above", "around")
"""How an object relates to its anchor (see the module docstring)."""

ZONES: tuple[str, ...] = ("any", "back", "front")
"""Where on its support an ``on_support`` object goes: anywhere, the back or the front part."""

RGB = tuple[float, float, float]
Range = tuple[float, float]


def _check_range(value: Range, name: str, field_name: str, *, minimum: float = 0.0) -> None:
    lo, hi = value
    if not (minimum <= lo <= hi):
        raise ValidationError(f"{name}.{field_name}", f"expected {minimum} <= low <= high, got {value}")


@dataclass(frozen=True)
class Variant:
    """One way a category appears: sizes (m), placement and relations.

    ``depth``/``width``/``height`` are (low, high) ranges in metres; ``weight`` is the relative
    chance of choosing this variant; ``rooms`` limits it to some room kinds (``None``: any room
    that uses the category); ``mount`` is the (low, high) height of the bottom above the floor
    for ``wall_mounted`` and ``in_wall`` objects; ``supports`` are the categories an
    ``on_support`` object may rest on; ``near``/``relation`` name preferred anchor categories and
    the relation to them; ``keep_clear`` is the depth (m) of a zone in front of the object that
    no other object may enter (door swing, fridge access); ``free_yaw`` allows any heading;
    ``zone`` picks the part of the support's top; ``exterior`` restricts it to outside walls.
    """

    name: str
    depth: Range
    width: Range
    height: Range
    placement: str
    weight: float = 1.0
    rooms: tuple[str, ...] | None = None
    mount: Range | None = None
    supports: tuple[str, ...] = ()
    near: tuple[str, ...] = ()
    relation: str | None = None
    keep_clear: float = 0.0
    free_yaw: bool = False
    zone: str = "any"
    exterior: bool = False

    def __post_init__(self) -> None:
        for field_name in ("depth", "width", "height"):
            _check_range(getattr(self, field_name), self.name, field_name, minimum=1e-3)
        if self.placement not in PLACEMENTS:
            raise ValidationError(f"{self.name}.placement", f"expected one of {PLACEMENTS}, got {self.placement!r}")
        if self.placement in ("wall_mounted", "in_wall"):
            if self.mount is None:
                raise ValidationError(f"{self.name}.mount", f"required for placement {self.placement!r}")
            _check_range(self.mount, self.name, "mount")
        if self.placement == "on_support" and not self.supports:
            raise ValidationError(f"{self.name}.supports", "required for placement 'on_support'")
        if self.relation is not None and self.relation not in RELATIONS:
            raise ValidationError(f"{self.name}.relation", f"expected one of {RELATIONS}, got {self.relation!r}")
        if bool(self.near) != (self.relation is not None):
            raise ValidationError(f"{self.name}.relation", "give both near and relation, or neither")
        if self.zone not in ZONES:
            raise ValidationError(f"{self.name}.zone", f"expected one of {ZONES}, got {self.zone!r}")
        if self.rooms is not None and not set(self.rooms) <= set(ROOM_KINDS):
            raise ValidationError(f"{self.name}.rooms", f"unknown room kind in {self.rooms}")
        if self.weight <= 0 or self.keep_clear < 0:
            raise ValidationError(self.name, "weight must be > 0 and keep_clear >= 0")

    @property
    def max_footprint(self) -> float:
        """Largest floor footprint of this variant, m²."""
        return self.depth[1] * self.width[1]


@dataclass(frozen=True)
class Category:
    """A category: ``name`` (the label), its ``variants``, ``rooms`` (room kind → (min, max)
    instances per room) and a base colour ``palette`` (RGB in [0, 1]) for the renderer."""

    name: str
    variants: tuple[Variant, ...]
    rooms: Mapping[str, tuple[int, int]]
    palette: tuple[RGB, ...] = ((0.6, 0.6, 0.6),)

    def __post_init__(self) -> None:
        if not self.variants:
            raise ValidationError(f"{self.name}.variants", "needs at least one variant")
        rooms = {}
        for kind, (lo, hi) in dict(self.rooms).items():
            if kind not in ROOM_KINDS:
                raise ValidationError(f"{self.name}.rooms", f"unknown room kind {kind!r}")
            if not (0 <= lo <= hi):
                raise ValidationError(f"{self.name}.rooms.{kind}", f"expected 0 <= min <= max, got {(lo, hi)}")
            if not self.variants_for(kind):
                raise ValidationError(f"{self.name}.rooms.{kind}", "no variant may be used in this room kind")
            rooms[kind] = (int(lo), int(hi))
        object.__setattr__(self, "rooms", MappingProxyType(rooms))
        for rgb in self.palette:
            if len(rgb) != 3 or not all(0.0 <= c <= 1.0 for c in rgb):
                raise ValidationError(f"{self.name}.palette", f"expected RGB in [0, 1], got {rgb}")

    @property
    def placements(self) -> tuple[str, ...]:
        """The placement kinds of its variants (first variant's first)."""
        return tuple(dict.fromkeys(v.placement for v in self.variants))

    @property
    def size_range(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """``((min depth, min width, min height), (max depth, max width, max height))``, metres,
        over all variants."""
        lows = tuple(min(getattr(v, f)[0] for v in self.variants) for f in ("depth", "width", "height"))
        highs = tuple(max(getattr(v, f)[1] for v in self.variants) for f in ("depth", "width", "height"))
        return lows, highs  # type: ignore[return-value]

    def variants_for(self, room_kind: str) -> tuple[Variant, ...]:
        """The variants usable in a room of kind ``room_kind``."""
        return tuple(v for v in self.variants if v.rooms is None or room_kind in v.rooms)

    def count_range(self, room_kind: str) -> tuple[int, int]:
        """(min, max) instances in a room of kind ``room_kind``; (0, 0) when it does not occur."""
        return self.rooms.get(room_kind, (0, 0))


# --- the catalogue ------------------------------------------------------------------------------
BED, LIV, KIT, OFF, BATH = ROOM_KINDS
WOOD = ((0.55, 0.38, 0.22), (0.72, 0.55, 0.36), (0.36, 0.24, 0.15))
WHITE = ((0.92, 0.92, 0.9), (0.85, 0.86, 0.88))
METAL = ((0.75, 0.76, 0.78), (0.55, 0.56, 0.58))
DARK = ((0.1, 0.1, 0.11), (0.18, 0.18, 0.2))
FABRIC = ((0.45, 0.5, 0.6), (0.6, 0.3, 0.25), (0.7, 0.68, 0.6), (0.3, 0.45, 0.35))

_ON_FURNITURE = ("table", "cabinet", "nightstand", "counter")


_v = Variant


_ALL = (
    Category("door", (_v("door", (0.05, 0.1), (0.8, 0.95), (1.95, 2.1), "in_wall", mount=(0.0, 0.0), keep_clear=0.9,
                         exterior=True),),
             {BED: (1, 2), LIV: (1, 2), KIT: (1, 2), OFF: (1, 2), BATH: (1, 1)}, WHITE + WOOD[:1]),
    Category("window", (_v("window", (0.05, 0.1), (0.6, 1.8), (0.9, 1.5), "in_wall", mount=(0.8, 1.0), exterior=True),),
             {BED: (1, 2), LIV: (1, 3), KIT: (0, 2), OFF: (1, 3), BATH: (0, 1)}, ((0.7, 0.85, 0.95),)),
    Category("bed", (_v("single bed", (1.95, 2.1), (0.9, 1.2), (0.45, 0.8), "against_wall", weight=0.35),
                     _v("double bed", (2.0, 2.2), (1.4, 1.8), (0.5, 0.8), "against_wall", weight=0.65)),
             {BED: (1, 1)}, WHITE + FABRIC),
    Category("nightstand", (_v("nightstand", (0.35, 0.5), (0.4, 0.7), (0.5, 0.7), "against_wall", near=("bed",), relation="beside"),),
             {BED: (0, 2)}, WOOD + WHITE[:1]),
    Category("lamp", (_v("table lamp", (0.2, 0.35), (0.2, 0.35), (0.3, 0.65), "on_support", weight=0.65, free_yaw=True,
                         supports=("nightstand", "table", "cabinet")),
                      _v("floor lamp", (0.25, 0.45), (0.25, 0.45), (1.2, 1.8), "floor", weight=0.35, free_yaw=True)),
             {BED: (0, 2), LIV: (0, 2), OFF: (0, 1)}, ((0.95, 0.9, 0.75), (0.2, 0.2, 0.2), (0.8, 0.75, 0.6))),
    Category("cabinet", (_v("low cabinet", (0.4, 0.6), (0.6, 1.6), (0.5, 0.9), "against_wall", weight=0.6),
                         _v("tall cabinet", (0.5, 0.65), (0.8, 1.8), (1.8, 2.1), "against_wall", weight=0.4,
                            rooms=(BED, LIV, KIT, OFF), keep_clear=0.5)),
             {BED: (1, 2), LIV: (1, 2), KIT: (0, 2), OFF: (0, 2), BATH: (1, 1)}, WOOD + WHITE),
    Category("chair", (_v("chair", (0.45, 0.6), (0.45, 0.62), (0.78, 1.0), "floor", near=("table",), relation="around"),),
             {BED: (0, 2), LIV: (0, 3), KIT: (0, 4), OFF: (1, 4)}, WOOD + DARK + FABRIC),
    Category("stool", (_v("stool", (0.32, 0.45), (0.32, 0.45), (0.42, 0.75), "floor", near=("table", "counter"), relation="around"),),
             {LIV: (0, 1), KIT: (0, 3), OFF: (0, 1), BATH: (0, 1)}, WOOD + METAL),
    Category("table", (_v("desk", (0.55, 0.8), (1.0, 1.8), (0.72, 0.78), "against_wall", weight=0.4, rooms=(BED, LIV, OFF)),
                       _v("dining table", (0.75, 1.0), (0.9, 1.8), (0.72, 0.78), "floor", weight=0.3, rooms=(LIV, KIT, OFF)),
                       _v("coffee table", (0.45, 0.7), (0.8, 1.3), (0.38, 0.48), "floor", weight=1.2, rooms=(LIV,),
                          near=("sofa",), relation="front"),
                       _v("side table", (0.4, 0.55), (0.4, 0.55), (0.45, 0.6), "floor", weight=0.2, rooms=(LIV,),
                          near=("sofa",), relation="beside")),
             {BED: (0, 1), LIV: (1, 2), KIT: (0, 1), OFF: (1, 3)}, WOOD + WHITE[:1]),
    Category("counter", (_v("counter", (0.58, 0.65), (1.2, 2.6), (0.86, 0.94), "against_wall", near=("counter",), relation="beside"),),
             {KIT: (1, 3)}, WHITE + WOOD[:1]),
    Category("sofa", (_v("sofa", (0.8, 1.0), (1.5, 2.4), (0.7, 0.9), "against_wall"),),
             {LIV: (1, 2), OFF: (0, 1), BED: (0, 1)}, FABRIC),
    Category("tv", (_v("tv on stand", (0.05, 0.12), (0.8, 1.4), (0.45, 0.8), "on_support", weight=0.6,
                       supports=("cabinet",), zone="back"),
                    _v("wall tv", (0.04, 0.08), (0.8, 1.4), (0.45, 0.8), "wall_mounted", weight=0.4, mount=(1.0, 1.4),
                       near=("cabinet",), relation="above")),
             {LIV: (1, 1), BED: (0, 1)}, DARK),
    Category("toilet", (_v("toilet", (0.6, 0.75), (0.36, 0.45), (0.7, 0.82), "against_wall", keep_clear=0.45),),
             {BATH: (1, 1)}, WHITE),
    Category("sink", (_v("basin", (0.4, 0.55), (0.45, 0.7), (0.12, 0.22), "on_support", supports=("cabinet", "counter")),
                      _v("pedestal sink", (0.4, 0.55), (0.45, 0.65), (0.8, 0.9), "against_wall", weight=0.25, rooms=(BATH,)),
                      _v("sink unit", (0.55, 0.62), (0.6, 1.0), (0.86, 0.94), "against_wall", weight=0.1, rooms=(KIT,),
                         near=("counter",), relation="beside")),
             {BATH: (1, 2), KIT: (1, 1)}, WHITE + METAL[:1]),
    Category("bathtub", (_v("bathtub", (0.7, 0.8), (1.5, 1.8), (0.5, 0.6), "against_wall"),),
             {BATH: (0, 1)}, WHITE),
    Category("stove", (_v("cooktop", (0.5, 0.6), (0.55, 0.9), (0.03, 0.12), "on_support", weight=0.7, supports=("counter", "cabinet")),
                       _v("range", (0.6, 0.65), (0.5, 0.76), (0.85, 0.95), "against_wall", weight=0.3,
                          near=("counter",), relation="beside")),
             {KIT: (1, 1)}, DARK + METAL),
    Category("refrigerator", (_v("refrigerator", (0.6, 0.75), (0.55, 0.9), (1.5, 1.9), "against_wall", weight=0.85, rooms=(KIT,),
                                 near=("counter",), relation="beside", keep_clear=0.5),
                              _v("mini fridge", (0.5, 0.6), (0.45, 0.55), (0.8, 1.0), "against_wall", weight=0.15)),
             {KIT: (1, 1), OFF: (0, 1)}, WHITE + METAL),
    Category("microwave", (_v("microwave", (0.32, 0.42), (0.45, 0.6), (0.26, 0.35), "on_support", zone="back",
                              supports=("counter", "cabinet")),),
             {KIT: (0, 1)}, DARK + WHITE[:1] + METAL[:1]),
    Category("washer", (_v("washer", (0.55, 0.65), (0.6, 0.7), (0.82, 0.9), "against_wall", keep_clear=0.4,
                           near=("washer", "counter", "sink"), relation="beside"),),
             {KIT: (0, 1), BATH: (0, 1)}, WHITE),
    Category("monitor", (_v("monitor", (0.15, 0.25), (0.5, 0.7), (0.35, 0.55), "on_support", supports=("table",), zone="back"),),
             {OFF: (1, 4), BED: (0, 1)}, DARK),
    Category("keyboard", (_v("keyboard", (0.12, 0.2), (0.4, 0.46), (0.02, 0.04), "on_support", supports=("table",), zone="front"),),
             {OFF: (0, 3), BED: (0, 1)}, DARK + WHITE[:1]),
    Category("computer mouse", (_v("computer mouse", (0.1, 0.125), (0.06, 0.07), (0.03, 0.045), "on_support", supports=("table",),
                                   zone="front", free_yaw=True),),
             {OFF: (0, 3)}, DARK + WHITE[:1]),
    Category("laptop", (_v("open laptop", (0.22, 0.3), (0.3, 0.38), (0.2, 0.26), "on_support", supports=("table",), zone="front"),
                        _v("closed laptop", (0.22, 0.26), (0.3, 0.38), (0.015, 0.03), "on_support", free_yaw=True,
                           supports=("table", "bed", "sofa"))),
             {OFF: (0, 2), BED: (0, 1), LIV: (0, 1)}, METAL + DARK[:1]),
    Category("computer tower", (_v("tower", (0.4, 0.5), (0.18, 0.24), (0.38, 0.5), "floor", weight=0.6, near=("table",), relation="beside"),
                                _v("tower on desk", (0.4, 0.5), (0.18, 0.24), (0.38, 0.5), "on_support", weight=0.4,
                                   supports=("table",), zone="back")),
             {OFF: (0, 2), BED: (0, 1)}, DARK + METAL[:1]),
    Category("printer", (_v("printer", (0.35, 0.5), (0.4, 0.55), (0.2, 0.4), "on_support", supports=("table", "cabinet")),),
             {OFF: (0, 1)}, WHITE + DARK[:1]),
    Category("bookshelf", (_v("bookshelf", (0.28, 0.4), (0.6, 1.2), (1.0, 2.0), "against_wall"),),
             {LIV: (0, 2), OFF: (0, 2), BED: (0, 1)}, WOOD + WHITE[:1]),
    Category("trash bin", (_v("trash bin", (0.22, 0.38), (0.25, 0.45), (0.3, 0.7), "against_wall",
                              near=("table", "toilet", "sink", "counter", "cabinet"), relation="beside"),),
             {OFF: (1, 2), KIT: (1, 2), BATH: (0, 1), BED: (0, 1), LIV: (0, 1)}, DARK + METAL[:1] + ((0.2, 0.4, 0.7),)),
    Category("basket", (_v("basket", (0.25, 0.4), (0.3, 0.45), (0.15, 0.35), "floor", free_yaw=True),),
             {BED: (0, 1), LIV: (0, 1), BATH: (0, 1)}, ((0.76, 0.6, 0.4), (0.9, 0.88, 0.8))),
    Category("plant", (_v("potted plant", (0.15, 0.3), (0.15, 0.3), (0.2, 0.45), "on_support", weight=0.4, free_yaw=True,
                          supports=_ON_FURNITURE),
                       _v("floor plant", (0.3, 0.6), (0.3, 0.6), (0.6, 1.5), "floor", weight=0.6, free_yaw=True)),
             {LIV: (0, 3), OFF: (0, 2), BED: (0, 1), KIT: (0, 1), BATH: (0, 1)}, ((0.2, 0.5, 0.2), (0.3, 0.55, 0.25))),
    Category("pillow", (_v("pillow", (0.25, 0.45), (0.45, 0.7), (0.1, 0.2), "on_support", supports=("bed", "sofa"), zone="back"),),
             {BED: (1, 4), LIV: (0, 4)}, WHITE + FABRIC),
    Category("mirror", (_v("wall mirror", (0.02, 0.05), (0.45, 1.0), (0.6, 1.1), "wall_mounted", mount=(1.0, 1.4),
                           near=("sink",), relation="above"),),
             {BATH: (1, 1), BED: (0, 1)}, ((0.8, 0.85, 0.9),)),
    Category("whiteboard", (_v("whiteboard", (0.02, 0.06), (1.2, 2.4), (0.9, 1.3), "wall_mounted", mount=(0.8, 1.0)),),
             {OFF: (0, 1)}, WHITE),
    Category("clock", (_v("wall clock", (0.04, 0.08), (0.25, 0.4), (0.25, 0.4), "wall_mounted", mount=(1.7, 2.0)),),
             {LIV: (0, 1), KIT: (0, 1), OFF: (0, 1), BED: (0, 1)}, WHITE + DARK[:1]),
    Category("heater", (_v("heater", (0.08, 0.2), (0.6, 1.4), (0.4, 0.7), "against_wall"),),
             {BED: (0, 1), LIV: (0, 2), OFF: (0, 2), BATH: (0, 1)}, WHITE),
    Category("fireplace", (_v("fireplace", (0.4, 0.7), (1.2, 1.8), (0.9, 1.3), "against_wall"),),
             {LIV: (0, 1)}, ((0.6, 0.3, 0.25), (0.85, 0.85, 0.82))),
    Category("ceiling light", (_v("round light", (0.25, 0.6), (0.25, 0.6), (0.08, 0.25), "ceiling"),
                               _v("panel light", (0.3, 0.6), (0.6, 1.25), (0.04, 0.12), "ceiling")),
             {BED: (0, 2), LIV: (1, 3), KIT: (1, 2), OFF: (1, 4), BATH: (0, 2)}, WHITE),
    Category("backpack", (_v("backpack", (0.2, 0.35), (0.3, 0.45), (0.35, 0.55), "floor", free_yaw=True),),
             {OFF: (0, 2), BED: (0, 2), LIV: (0, 1)}, DARK + FABRIC[:2]),
    Category("suitcase", (_v("suitcase", (0.4, 0.5), (0.6, 0.75), (0.22, 0.32), "floor", free_yaw=True),),
             {BED: (0, 1)}, DARK + ((0.5, 0.1, 0.1),)),
    Category("telephone", (_v("telephone", (0.15, 0.25), (0.18, 0.3), (0.08, 0.15), "on_support", free_yaw=True,
                              supports=("table", "nightstand")),),
             {OFF: (0, 2), LIV: (0, 1)}, DARK + WHITE[:1]),
    Category("cup", (_v("cup", (0.07, 0.1), (0.07, 0.1), (0.08, 0.12), "on_support", free_yaw=True, supports=("table", "counter")),),
             {KIT: (0, 3), LIV: (0, 2), OFF: (0, 2)}, WHITE + ((0.7, 0.2, 0.2),)),
    Category("kettle", (_v("kettle", (0.15, 0.22), (0.18, 0.25), (0.2, 0.26), "on_support", free_yaw=True, supports=("counter",)),),
             {KIT: (0, 1)}, METAL + DARK[:1]),
)

CATEGORIES: Mapping[str, Category] = MappingProxyType({c.name: c for c in _ALL})
"""Every category by label, in placement-friendly catalogue order."""


def _check_catalogue() -> None:
    """Catalogue consistency: every label is a category of the shared vocabulary, and anchors and
    supports are categories of the catalogue too."""
    for cat in _ALL:
        if cat.name not in vocabulary.CATEGORIES:
            raise ValidationError(cat.name, "not a category of spatialcode.tasks.vocabulary")
        for variant in cat.variants:
            for other in (*variant.supports, *variant.near):
                if other not in CATEGORIES:
                    raise ValidationError(f"{cat.name}.{variant.name}", f"refers to unknown category {other!r}")


_check_catalogue()


def _normalise(name: str) -> str:
    return " ".join(str(name).lower().split())


def category(name: str) -> Category:
    """Return the catalogue entry for label ``name`` (case- and space-insensitive); raises
    :class:`SpatialCodeError` naming the known labels when there is none."""
    key = _normalise(name)
    if key not in CATEGORIES:
        raise SpatialCodeError(f"unknown category {name!r}; known: {', '.join(sorted(CATEGORIES))}")
    return CATEGORIES[key]


def categories_for_room(room_kind: str) -> tuple[Category, ...]:
    """Return the categories that occur in a room of kind ``room_kind`` (catalogue order)."""
    if room_kind not in ROOM_KINDS:
        raise SpatialCodeError(f"unknown room kind {room_kind!r}; known: {', '.join(ROOM_KINDS)}")
    return tuple(c for c in _ALL if room_kind in c.rooms)



def typical_longest_sides() -> dict[str, float]:
    """Each category's typical longest side, metres, rounded to the millimetre: the median over
    its variants of the largest of the midpoints of their depth, width and height ranges (the
    table :mod:`spatialcode.tasks.typical_sizes` ships)."""
    return {
        name: round(float(np.median([max(sum(v.depth), sum(v.width), sum(v.height)) / 2 for v in cat.variants])), 3)
        for name, cat in sorted(CATEGORIES.items())
    }


def smallest_longest_sides() -> dict[str, float]:
    """Each category's smallest longest side, metres: the least over its variants of the largest
    of the low ends of their depth, width and height ranges (the shortest such object the
    catalogue makes is at least this long; the table :mod:`spatialcode.tasks.typical_sizes` ships
    for the encoder's plausibility check)."""
    return {name: min(max(v.depth[0], v.width[0], v.height[0]) for v in cat.variants)
            for name, cat in sorted(CATEGORIES.items())}


#: Categories whose height is a scale reference (:func:`reference_heights`): they stand on the floor
#: (or in it: doors) and their height varies little — at most 25 % of its midpoint over all their
#: variants. Counters and microwaves also vary little here but are boxed differently by VSI-Bench's
#: annotations (the worktop slab alone, partial boxes: see the module docstring), so they are left out.
REFERENCE_HEIGHT_CATEGORIES: tuple[str, ...] = ("bathtub", "chair", "door", "sofa", "toilet", "washer")


def reference_heights() -> dict[str, tuple[float, float]]:
    """Each scale-reference category's height range (low, high) over its variants, metres (the
    table :mod:`spatialcode.tasks.typical_sizes` ships for scale calibration)."""
    out = {}
    for name in REFERENCE_HEIGHT_CATEGORIES:
        variants = CATEGORIES[name].variants
        out[name] = (min(v.height[0] for v in variants), max(v.height[1] for v in variants))
    return out

