"""Typed queries: what a question asks, independent of its wording.

Category names are kept as written in the question (lower-cased, single-spaced); matching them
to the labels of a scene is the reasoner's job (:mod:`spatialcode.questions.labels`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

from spatialcode import tasks

Direction = Literal["easy", "medium", "hard"]
PerspectiveLevel = Literal["left-right", "quadrant"]
Turn = Literal["left", "right", "back"]


@dataclass(frozen=True)
class Option:
    """One multiple-choice option: ``letter`` (``"A"``) and its ``text`` (``"left"``)."""

    letter: str
    text: str


@dataclass(frozen=True)
class CountQuery:
    """How many instances of ``category`` are in the scene."""

    category: str
    task: str = tasks.COUNTING


@dataclass(frozen=True)
class AbsDistanceQuery:
    """Closest-point distance between ``first`` and ``second``, answered in ``unit`` (m or cm)."""

    first: str
    second: str
    unit: str = "m"
    task: str = tasks.ABS_DISTANCE


@dataclass(frozen=True)
class ObjectSizeQuery:
    """Longest side of ``category``'s box, answered in ``unit`` (cm or m)."""

    category: str
    unit: str = "cm"
    task: str = tasks.OBJECT_SIZE


@dataclass(frozen=True)
class RoomSizeQuery:
    """Floor area of the room (m²)."""

    task: str = tasks.ROOM_SIZE


@dataclass(frozen=True)
class RelDistanceQuery:
    """Which of ``candidates`` is closest to (or, with ``farthest``, farthest from) ``target``."""

    target: str
    candidates: tuple[str, ...]
    farthest: bool = False
    options: tuple[Option, ...] = ()
    task: str = tasks.REL_DISTANCE


@dataclass(frozen=True)
class RelDirectionQuery:
    """Standing at ``standing`` and facing ``facing``, where is ``querying``?

    ``level`` ``easy``: left or right; ``medium``: left, right or back (back when the turn is at
    least ``back_threshold_deg``); ``hard``: front-left, front-right, back-left or back-right.
    """

    standing: str
    facing: str
    querying: str
    level: Direction
    back_threshold_deg: float = 135.0
    options: tuple[Option, ...] = ()
    task: str = tasks.REL_DIRECTION_MEDIUM


@dataclass(frozen=True)
class RouteStep:
    """One route action: ``"forward"`` to ``landmark`` (the phrase as written) or a ``"turn"`` to fill in."""

    action: Literal["forward", "turn"]
    landmark: str | None = None


@dataclass(frozen=True)
class RoutePlanQuery:
    """Start at ``start`` facing ``facing`` (or, with ``facing_away``, with one's back to it),
    reach ``goal`` by ``steps``; fill in the turns."""

    start: str
    facing: str
    goal: str
    steps: tuple[RouteStep, ...]
    facing_away: bool = False
    options: tuple[Option, ...] = ()
    task: str = tasks.ROUTE_PLANNING

    @property
    def turn_count(self) -> int:
        """Number of turns the question asks to fill in."""
        return sum(step.action == "turn" for step in self.steps)


@dataclass(frozen=True)
class AppearanceOrderQuery:
    """In which order do ``categories`` first appear in the video."""

    categories: tuple[str, ...]
    options: tuple[Option, ...] = ()
    task: str = tasks.APPEARANCE_ORDER


@dataclass(frozen=True)
class PerspectiveDirectionQuery:
    """Extension task (not VSI-Bench): from ``anchor``'s own point of view — standing at its
    centre, facing where it faces (its box's +x axis in the floor plane) — where is ``target``?

    ``level`` ``left-right``: left or right; ``quadrant``: front-left, front-right, back-left
    or back-right.
    """

    anchor: str
    target: str
    level: PerspectiveLevel = "left-right"
    options: tuple[Option, ...] = ()
    task: str = tasks.PERSPECTIVE_DIRECTION


@dataclass(frozen=True)
class UnrecognisedQuery:
    """A question no template matched; ``reason`` says why."""

    text: str
    reason: str = "unrecognised question"
    task: str | None = None
    options: tuple[Option, ...] = field(default=())


Query = Union[
    CountQuery,
    AbsDistanceQuery,
    ObjectSizeQuery,
    RoomSizeQuery,
    RelDistanceQuery,
    RelDirectionQuery,
    RoutePlanQuery,
    AppearanceOrderQuery,
    PerspectiveDirectionQuery,
    UnrecognisedQuery,
]
