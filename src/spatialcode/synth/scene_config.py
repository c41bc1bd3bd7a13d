"""The settings of a generated scene (:func:`~spatialcode.synth.generate.generate_scene`): room
kinds and shapes, ceiling heights, floor areas, furniture density and clearances."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from spatialcode.core.errors import ValidationError
from spatialcode.synth.categories import ROOM_KINDS

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
    """Settings of :func:`~spatialcode.synth.generate.generate_scene`.

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
