"""The truths a reasoning is checked against, computed from a row's spatial code with the
solver's geometry (metres, square metres, degrees; floor plane for directions).

For the question's objects (each phrase resolved as :class:`~spatialcode.reason.tools.SpatialTools`
does: an instance name, or every instance of a category):

* lengths (m): every side of every instance; the closest-point distance of every pair of
  instances of different phrases (oriented boxes, as the solver measures); for relative
  direction and route planning also the floor-plane distance between those pairs' centres;
* areas (m²): the room's floor area when the code has one, else the estimate the solver and the
  prompt use (:func:`~spatialcode.reason.estimates.estimated_floor_area`);
* estimates (m) for an object the question names that the code has no box for, the ones the
  solver and the prompt state (:mod:`spatialcode.reason.estimates`): its category's typical size
  (object size), the typical distance to the code's other objects (absolute distance) — so a
  reasoning over an imperfect code that quotes them is not marked wrong;
* angles (degrees): relative direction — the bearing of the querying object (and 360 − it)
  and the headings (counter-clockwise from +x) from the observer to the facing and querying
  objects, first-seen instances as the solver uses; perspective direction (extension task) —
  the bearing from the anchor's own point of view and the anchor's facing. Route planning has
  no angle truths (its turns are checked as words).
* perspective (relative direction and route planning only): the observer and facing phrases the
  reasoning must name, the side vocabulary of the task, and the solver's side or turns when it
  answers from the code.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from spatialcode.geometry.distance import box_distance
from spatialcode.questions.labels import resolve_label
from spatialcode.questions.query import (
    AbsDistanceQuery,
    AppearanceOrderQuery,
    CountQuery,
    ObjectSizeQuery,
    PerspectiveDirectionQuery,
    Query,
    RelDirectionQuery,
    RelDistanceQuery,
    RoutePlanQuery,
)
from spatialcode.reason.directions import QUADRANTS, bearing_deg
from spatialcode.reason.estimates import estimated_floor_area, typical_distance, typical_size
from spatialcode.reason.solver import Solver, perspective_bearing_deg
from spatialcode.reason.tools import SpatialTools, ToolError
from spatialcode.rl.columns import RewardRow
from spatialcode.scene import SpatialCode, SpatialObject

_SOLVER = Solver()
_SIDES = {"easy": ("left", "right"), "medium": ("left", "right", "back"), "hard": QUADRANTS}
_TURNS = ("left", "right", "back")


@dataclass(frozen=True)
class PerspectiveFacts:
    """What the perspective check needs: the phrases (as in the question) the reasoning must
    name with their scene labels (``None`` when the code lacks them) — observer then facing
    object; the task's side ``vocabulary``; whether the sides are route ``turns``; and the
    solver's ``expected`` side (one word) or turns, ``None`` when it cannot answer."""

    named: tuple[tuple[str, str | None], ...]
    vocabulary: tuple[str, ...]
    turns: bool
    expected: tuple[str, ...] | None


@dataclass(frozen=True)
class SceneFacts:
    """The truths of one row (see the module docstring): the ``code``, its objects by
    lower-case instance ``names``, and the question's true ``lengths`` (m), ``areas`` (m²) and
    ``angles`` (degrees); ``perspective`` is ``None`` for tasks without an observer."""

    code: SpatialCode
    names: Mapping[str, SpatialObject]
    lengths: tuple[float, ...]
    areas: tuple[float, ...]
    angles: tuple[float, ...]
    perspective: PerspectiveFacts | None


def question_phrases(query: Query) -> tuple[str, ...]:
    """The object phrases a query names, in the question's order (``()`` for room size and
    unrecognised questions)."""
    match query:
        case CountQuery(category=category) | ObjectSizeQuery(category=category):
            return (category,)
        case AbsDistanceQuery():
            return (query.first, query.second)
        case RelDistanceQuery():
            return (query.target, *query.candidates)
        case RelDirectionQuery():
            return (query.standing, query.facing, query.querying)
        case RoutePlanQuery():
            return (query.start, query.facing, *(step.landmark for step in query.steps if step.landmark))
        case AppearanceOrderQuery():
            return query.categories
        case PerspectiveDirectionQuery():
            return (query.anchor, query.target)
    return ()


def _instances(tools: SpatialTools, phrase: str) -> list[SpatialObject]:
    try:
        return tools.instances(phrase)
    except ToolError:
        return []


def _heading_deg(vector: np.ndarray) -> float:
    """Counter-clockwise angle (degrees in [0, 360)) of a floor-plane vector from +x."""
    return math.degrees(math.atan2(vector[1], vector[0])) % 360.0


def _lengths(groups: Sequence[Sequence[SpatialObject]], centres: bool) -> tuple[float, ...]:
    unique = {obj.id: obj for group in groups for obj in group}
    sides = [side for obj in unique.values() for side in obj.box.size]
    pairs = {frozenset((x.id, y.id)): (x, y) for g, h in itertools.combinations(groups, 2) for x in g for y in h if x.id != y.id}
    distances = [box_distance(x.box, y.box) for x, y in pairs.values()]
    if centres:
        distances += [float(np.hypot(*(x.box.center_array - y.box.center_array)[:2])) for x, y in pairs.values()]
    return tuple(sides + distances)


def _estimates(query: Query, code: SpatialCode, groups: Sequence[Sequence[SpatialObject]]) -> tuple[float, ...]:
    """The estimates (m) for a size or a distance whose object has no box (none otherwise)."""
    if isinstance(query, ObjectSizeQuery) and not groups[0]:
        typical = typical_size(query.category)
        return () if typical is None else (typical[0],)
    if isinstance(query, AbsDistanceQuery) and not all(groups):
        estimate = typical_distance(code, groups[0] or groups[1])
        return () if estimate is None else (estimate[0],)
    return ()


def _angles(query: Query, groups: Sequence[Sequence[SpatialObject]]) -> tuple[float, ...]:
    if not isinstance(query, (RelDirectionQuery, PerspectiveDirectionQuery)) or not all(groups):
        return ()
    try:
        if isinstance(query, RelDirectionQuery):
            observer, facing, target = (group[0].box.center_array for group in groups)
            bearing = bearing_deg(observer, facing, target)
            return bearing, 360.0 - bearing, _heading_deg(facing - observer), _heading_deg(target - observer)
        anchor, target = groups[0][0].box, groups[1][0].box.center_array
        bearing = perspective_bearing_deg(anchor, target)
        return bearing, 360.0 - bearing, _heading_deg(anchor.rotation_matrix[:, 0]), _heading_deg(target - anchor.center_array)
    except ValueError:  # objects that coincide in the floor plane: no direction
        return ()


def _perspective(query: Query, code: SpatialCode) -> PerspectiveFacts | None:
    if not isinstance(query, (RelDirectionQuery, RoutePlanQuery)):
        return None
    answer = _SOLVER.answer(query, code)
    named = (query.standing, query.facing) if isinstance(query, RelDirectionQuery) else (query.start, query.facing)
    labelled = tuple((phrase, resolve_label(phrase, code.labels)) for phrase in named)
    if isinstance(query, RelDirectionQuery):
        expected = (str(answer.value),) if answer.answered else None
        return PerspectiveFacts(labelled, _SIDES[query.level], False, expected)
    turns = tuple(t.strip().removeprefix("turn ").strip() for t in str(answer.value).split(",")) if answer.answered else None
    return PerspectiveFacts(labelled, _TURNS, True, turns)


@functools.lru_cache(maxsize=512)
def scene_facts(row: RewardRow) -> SceneFacts:
    """The truths of ``row``'s question in ``row``'s code (cached: a GRPO group shares its row)."""
    code = row.code
    tools = SpatialTools(code)
    groups = [_instances(tools, phrase) for phrase in question_phrases(row.query)]
    area = code.room.floor_area() if code.room is not None else None
    area = estimated_floor_area(code) if area is None else area
    return SceneFacts(
        code=code,
        names={name.lower(): obj for name, obj in tools.names.items()},
        lengths=_lengths(groups, centres=isinstance(row.query, (RelDirectionQuery, RoutePlanQuery)))
        + _estimates(row.query, code, groups),
        areas=() if area is None else (area,),
        angles=_angles(row.query, groups),
        perspective=_perspective(row.query, code),
    )
