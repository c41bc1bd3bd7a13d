"""The exact geometric solver: answers a typed query from a SpatialCode.

Definitions (DESIGN.md, matching how VSI-Bench built its ground truth):

* counting — the scene's declared count for the label (authoritative when the source gave one),
  else the number of boxes with that label; a label absent from the code counts 0.
* object size — longest side of the box (with several instances: the first-seen one), in the
  unit the question asks for (cm for the VSI template).
* absolute distance — closest points of the two oriented boxes, minimum over instance pairs.
* room size — the room's floor area (m²).
* relative distance — the candidate whose minimum closest-point distance to the target is
  smallest (largest for "farthest").
* relative direction — floor plane, observer at the centre of the standing object, forward
  towards the centre of the facing object, bearing of the querying object's centre; easy:
  left/right by the sign of the cross product; medium: back when the turn is at least the
  question's threshold (135°); hard: the quadrant. With several instances: the first-seen one.
* route planning — walk centre to centre (nearest instance of each landmark); each turn to fill
  in is the turn from the current heading to the next leg (back from 135°).
* appearance order — categories sorted by their earliest ``first_seen``.
* perspective direction (extension task, not VSI-Bench) — floor plane, observer at the centre
  of the anchor object facing where it faces: forward is its box's local +x axis (the object's
  front, :class:`~spatialcode.scene.SpatialObject`) projected onto the floor, i.e. its yaw;
  bearing of the target's centre; left/right by the sign of the cross product, or the quadrant.
  With several instances: the first-seen one. An anchor the code says has no front
  (``has_front`` false) cannot be answered about.

Numbers are written at the precision the benchmark states its answers (``SolverConfig``).
When the code cannot answer (no box for an object, no room area, no ``first_seen``,
unrecognised wording) the answer says why. For multiple choice only, a documented prior then
fills in the prediction and the answer is marked ``fallback``: the consistent option when the
code still rules options out (relative distance among the boxed candidates; route turns that
could be computed; appearance order among the objects seen, when at least two were), else the
first option — an uninformed, chance-level choice. A code without a room answers room size
with the hull of its objects' footprints (``SolverConfig.room_from_objects``), said in the
derivation.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from spatialcode.core.errors import ValidationError
from spatialcode.geometry.box import Box3D
from spatialcode.questions.labels import CodeLabels
from spatialcode.questions.query import (
    AbsDistanceQuery,
    AppearanceOrderQuery,
    CountQuery,
    ObjectSizeQuery,
    Option,
    PerspectiveDirectionQuery,
    Query,
    RelDirectionQuery,
    RelDistanceQuery,
    RoomSizeQuery,
    RoutePlanQuery,
    UnrecognisedQuery,
)
from spatialcode.questions.vsibench import normalise_phrase, parse_question
from spatialcode.reason.answer import Answer
from spatialcode.reason.directions import (
    bearing_deg,
    left_or_right,
    left_right_or_back,
    quadrant,
    turn_between,
)
from spatialcode.reason.estimates import estimated_floor_area, instance_distance, typical_distance, typical_size
from spatialcode.reason.fragments import one_box_per_object
from spatialcode.scene import SpatialCode, SpatialObject

_UNIT_SCALE = {"m": 1.0, "cm": 100.0, "mm": 1000.0, "ft": 1.0 / 0.3048, "in": 1.0 / 0.0254}


@dataclass(frozen=True)
class SolverConfig:
    """Settings of the exact solver.

    ``decimals``: decimals written per answer unit (``None`` = full precision); the defaults are
    the precision of VSI-Bench's ground truth (0.1 m, 1 cm, 0.1 m²). ``fallback``: let multiple
    choice fall back to the documented prior when the code cannot answer (else the prediction
    is empty). ``route_back_threshold_deg``: a route turn of at least this many degrees is "back".
    ``room_from_objects``: a code without a room (a real encoder's, say) answers the room's size
    with the area of the convex hull of its objects' footprints, an estimate the derivation names
    (fitted on nothing: in the synthetic world a room measures 1.02 × that hull, median of 300).
    ``estimate_missing``: a numeric question about an object the code has no box for (a real
    encoder misses some) is answered with an estimate of :mod:`spatialcode.reason.estimates`,
    marked ``fallback`` with the reason — an object's size by its category's typical longest side,
    a distance as the median closest-point distance from the other named object to the code's
    other objects (the missing object assumed placed like them; with both missing, the median
    over all pairs of the code's objects). ``merge_overlapping``: a share in (0, 1] — same-label
    boxes whose shared volume is at least that share of the smaller one's are one object at
    question time (counting, distances, nearest, directions; the most confident box stands for
    them, :mod:`spatialcode.reason.fragments`), for encoders that fragment or duplicate objects;
    ``None`` (the default) counts boxes as they are.
    """

    decimals: dict[str, int | None] = field(default_factory=lambda: {"count": 0, "m": 1, "cm": 0, "mm": 0, "ft": 1, "in": 0, "m2": 1})
    fallback: bool = True
    route_back_threshold_deg: float = 135.0
    room_from_objects: bool = True
    estimate_missing: bool = True
    merge_overlapping: float | None = None

    def __post_init__(self) -> None:
        if self.merge_overlapping is not None and not 0.0 < self.merge_overlapping <= 1.0:
            raise ValidationError("merge_overlapping", f"a share in (0, 1] or null, got {self.merge_overlapping}")


class _CannotAnswer(Exception):
    """Raised inside the solver when the code lacks what a query needs; carries the reason."""


class _Scene(CodeLabels):
    """Per-call view of a SpatialCode: label lookup and instance lists; with ``merge_share``,
    same-label boxes that overlap by that share are one object (:mod:`~spatialcode.reason.fragments`)."""

    def __init__(self, code: SpatialCode, merge_share: float | None = None) -> None:
        super().__init__(code)
        self.merge_share = merge_share

    def objects(self, phrase: str) -> list[SpatialObject]:
        found = super().objects(phrase)
        return found if self.merge_share is None else one_box_per_object(found, self.merge_share)

    def instances(self, phrase: str) -> tuple[str, list[SpatialObject]]:
        label = self.label(phrase)
        if label is None:
            raise _CannotAnswer(f"no box for {phrase!r}")
        return label, self.objects(label)


def _format_number(value: float, decimals: int | None) -> str:
    if decimals is None:
        return repr(float(value))
    if decimals == 0:
        return str(int(round(value)))
    return f"{value:.{decimals}f}"


def _describe(obj: SpatialObject) -> str:
    cx, cy, cz = obj.box.center
    return f"{obj.label}#{obj.id} centre ({cx:.2f}, {cy:.2f}, {cz:.2f})"


def _min_distance(a: Sequence[SpatialObject], b: Sequence[SpatialObject]) -> tuple[float, SpatialObject, SpatialObject]:
    """:func:`~spatialcode.reason.estimates.instance_distance`, or the reason the solver cannot answer."""
    best = instance_distance(a, b)
    if best is None:
        raise _CannotAnswer("no pair of distinct objects to measure")
    return best


def perspective_bearing_deg(anchor: Box3D, target: np.ndarray) -> float:
    """Bearing (degrees in [0, 360), counter-clockwise) of the world point ``target`` seen from
    the centre of ``anchor`` facing where it faces: forward is the box's local +x axis projected
    onto the floor plane. Raises ``ValueError`` when that axis is vertical (no horizontal front)
    or the target is at the anchor's centre in the floor plane."""
    centre = anchor.center_array
    return bearing_deg(centre, centre + anchor.rotation_matrix[:, 0], np.asarray(target, dtype=float))


def _option_letter(options: Sequence[Option], wanted: str) -> str | None:
    key = " ".join(wanted.lower().split())
    for option in options:
        if " ".join(option.text.lower().split()) == key:
            return option.letter
    return None


class Solver:
    """Exact geometric reasoner over a SpatialCode (see the module docstring for definitions)."""

    name = "solver"

    def __init__(self, config: SolverConfig | None = None) -> None:
        self.config = config or SolverConfig()

    # -- public API ------------------------------------------------------------------------
    def answer_question(
        self, code: SpatialCode, question: str, options: Sequence[str] | None = None, question_type: str | None = None
    ) -> Answer:
        """Parse ``question`` (VSI-Bench wording) and answer it from ``code``."""
        return self.answer(parse_question(question, options, question_type), code)

    def answer(self, query: Query, code: SpatialCode) -> Answer:
        """Answer a parsed query from ``code``; never raises for missing objects or wording."""
        if isinstance(query, UnrecognisedQuery):
            return self._cannot(query.options, f"cannot answer: {query.reason}", ())
        handler = {
            CountQuery: self._count,
            AbsDistanceQuery: self._abs_distance,
            ObjectSizeQuery: self._object_size,
            RoomSizeQuery: self._room_size,
            RelDistanceQuery: self._rel_distance,
            RelDirectionQuery: self._rel_direction,
            RoutePlanQuery: self._route,
            AppearanceOrderQuery: self._appearance_order,
            PerspectiveDirectionQuery: self._perspective_direction,
        }[type(query)]
        steps: list[str] = []
        try:
            return handler(query, _Scene(code, self.config.merge_overlapping), steps)  # type: ignore[operator]
        except _CannotAnswer as reason:
            return self._cannot(getattr(query, "options", ()), f"cannot answer: {reason}", tuple(steps))

    # -- helpers ---------------------------------------------------------------------------
    def _number(self, value: float, unit: str, steps: list[str]) -> Answer:
        text = _format_number(value, self.config.decimals.get(unit))
        return Answer(prediction=text, derivation=tuple(steps), value=float(value))

    def _estimate(self, value: float, unit: str, reason: str, steps: list[str]) -> Answer:
        """A number estimated without the box the question needs: scored like an answer, marked
        ``fallback`` with the reason the code could not answer."""
        answer = self._number(value, unit, steps)
        return Answer(prediction=answer.prediction, cannot_answer=f"cannot answer: {reason}", fallback=True,
                      derivation=answer.derivation, value=answer.value)

    def _choice(self, options: Sequence[Option], wanted: str, steps: list[str]) -> Answer:
        letter = _option_letter(options, wanted)
        if letter is None:
            raise _CannotAnswer(f"the answer {wanted!r} is not among the options")
        steps.append(f"answer: {wanted} → option {letter}")
        return Answer(prediction=letter, derivation=tuple(steps), value=wanted)

    def _cannot(self, options: Sequence[Option], reason: str, steps: tuple[str, ...], prior: str | None = None) -> Answer:
        if options and self.config.fallback:
            letter = prior or options[0].letter
            why = "prior: the option consistent with what the code determines" if prior else "prior: first option (uninformed)"
            return Answer(prediction=letter, cannot_answer=reason, fallback=True, derivation=steps + (why,))
        return Answer(prediction="", cannot_answer=reason, derivation=steps)

    # -- tasks -----------------------------------------------------------------------------
    def _count(self, q: CountQuery, scene: _Scene, steps: list[str]) -> Answer:
        label = scene.label(q.category)
        if label is None:
            steps.append(f"no {q.category!r} in the code → 0")
            return self._number(0, "count", steps)
        boxes = len(scene.code.objects_with_label(label))
        n = scene.code.count(label) if scene.merge_share is None or scene.code.object_counts else len(scene.objects(label))
        merged = "" if scene.merge_share is None else f", overlapping same-label boxes merged at {scene.merge_share:g}"
        steps.append(f"{label}: {n} ({boxes} boxes{merged}; the count declared by the source wins when given)")
        return self._number(n, "count", steps)

    def _abs_distance(self, q: AbsDistanceQuery, scene: _Scene, steps: list[str]) -> Answer:
        a, b = scene.objects(q.first), scene.objects(q.second)
        if not a or not b:
            reason = f"no box for {', '.join(repr(p) for p, objs in ((q.first, a), (q.second, b)) if not objs)}"
            if not self.config.estimate_missing:
                raise _CannotAnswer(reason)
            estimate = typical_distance(scene.code, a or b)
            if estimate is None:
                raise _CannotAnswer("too few other objects in the code to estimate the distance")
            steps.append(f"estimate: {estimate[1]}, {estimate[0]:.3f} m")
            return self._estimate(estimate[0] * _UNIT_SCALE[q.unit], q.unit, reason, steps)
        d, x, y = _min_distance(a, b)
        steps.append(f"closest points of {_describe(x)} and {_describe(y)}: {d:.3f} m (min over {len(a)}×{len(b)} pairs)")
        return self._number(d * _UNIT_SCALE[q.unit], q.unit, steps)

    def _object_size(self, q: ObjectSizeQuery, scene: _Scene, steps: list[str]) -> Answer:
        objs = scene.objects(q.category)
        if not objs:
            reason = f"no box for {q.category!r}"
            typical = typical_size(q.category) if self.config.estimate_missing else None
            if typical is None:
                raise _CannotAnswer(reason)
            steps.append(f"no box for {q.category!r}: the typical longest side of a {typical[1]}, {typical[0]:.3f} m")
            return self._estimate(typical[0] * _UNIT_SCALE[q.unit], q.unit, reason, steps)
        label = objs[0].label
        obj = objs[0]
        sides = ", ".join(f"{s:.3f}" for s in obj.box.size)
        steps.append(f"{_describe(obj)} sides ({sides}) m → longest {obj.box.longest_side:.3f} m")
        if len(objs) > 1:
            steps.append(f"{len(objs)} instances of {label}: using the first seen")
        return self._number(obj.box.longest_side * _UNIT_SCALE[q.unit], q.unit, steps)

    def _room_size(self, q: RoomSizeQuery, scene: _Scene, steps: list[str]) -> Answer:
        area = scene.code.room.floor_area() if scene.code.room else None
        if area is None and self.config.room_from_objects and (area := estimated_floor_area(scene.code)) is not None:
            steps.append(f"no room in the code: floor area estimated as the hull of the {len(scene.code.objects)} "
                         "objects' footprints (in the synthetic world a room measures 1.02× that hull, median)")
        if not area:
            raise _CannotAnswer("no room area or floor polygon in the code"
                                + ("" if self.config.room_from_objects else " (estimating it from the objects is off)"))
        steps.append(f"floor area {area:.2f} m²")
        return self._number(area, "m2", steps)

    def _rel_distance(self, q: RelDistanceQuery, scene: _Scene, steps: list[str]) -> Answer:
        target_label, targets = scene.instances(q.target)
        if not targets:
            raise _CannotAnswer(f"no box for {q.target!r}")
        distances: dict[str, float] = {}
        missing = []
        for candidate in q.candidates:
            objs = scene.objects(candidate)
            if not objs:
                missing.append(candidate)
                continue
            distances[candidate] = _min_distance(targets, objs)[0]
            steps.append(f"{candidate} ↔ {target_label}: {distances[candidate]:.3f} m")
        pick = max if q.farthest else min
        if missing:
            reason = f"cannot answer: no box for {', '.join(repr(m) for m in missing)}"
            prior = _option_letter(q.options, pick(distances, key=distances.__getitem__)) if distances else None
            return self._cannot(q.options, reason, tuple(steps), prior)
        return self._choice(q.options, pick(distances, key=distances.__getitem__), steps)

    def _centre(self, scene: _Scene, phrase: str, steps: list[str]) -> np.ndarray:
        label, objs = scene.instances(phrase)
        if not objs:
            raise _CannotAnswer(f"no box for {phrase!r}")
        if len(objs) > 1:
            steps.append(f"{len(objs)} instances of {label}: using the first seen")
        steps.append(_describe(objs[0]))
        return objs[0].box.center_array

    def _rel_direction(self, q: RelDirectionQuery, scene: _Scene, steps: list[str]) -> Answer:
        observer = self._centre(scene, q.standing, steps)
        facing = self._centre(scene, q.facing, steps)
        target = self._centre(scene, q.querying, steps)
        try:
            bearing = bearing_deg(observer, facing, target)
        except ValueError:
            raise _CannotAnswer("the objects coincide in the floor plane") from None
        steps.append(f"bearing of {q.querying} from {q.standing} facing {q.facing}: {bearing:.1f}° counter-clockwise")
        if q.level == "easy":
            wanted = left_or_right(bearing)
        elif q.level == "medium":
            wanted = left_right_or_back(bearing, q.back_threshold_deg)
        else:
            wanted = quadrant(bearing)
        return self._choice(q.options, wanted, steps)

    def _route(self, q: RoutePlanQuery, scene: _Scene, steps: list[str]) -> Answer:
        turns: list[str | None] = []
        reason = None
        try:
            position = self._centre(scene, q.start, steps)
            heading = self._centre(scene, q.facing, steps) - position
            if q.facing_away:
                heading = -heading
            if np.hypot(*heading[:2]) < 1e-6:
                raise _CannotAnswer(f"cannot tell which way {q.facing!r} is from {q.start!r}")
        except _CannotAnswer as err:
            reason, heading, position = str(err), None, None
        pending = False
        for step in q.steps:
            if step.action == "turn":
                if pending:
                    turns.append(None)
                pending = True
                continue
            target = None
            if heading is not None:
                objs = scene.objects(step.landmark or "")
                if objs:
                    nearest = min(objs, key=lambda o: float(np.linalg.norm(o.box.center_array[:2] - position[:2])))
                    target = nearest.box.center_array
                else:
                    reason = reason or f"no box for {step.landmark!r}"
            leg = None if target is None else target - position
            if leg is not None and np.hypot(*leg[:2]) < 1e-6:
                leg = None
            if pending:
                if leg is None:
                    turns.append(None)
                else:
                    turn, angle = turn_between(heading, leg, self.config.route_back_threshold_deg)
                    steps.append(f"turn {turn} ({angle:+.0f}°) towards {step.landmark}")
                    turns.append(turn)
                pending = False
            if leg is None:
                heading = position = None
            else:
                steps.append(f"forward to {step.landmark} at ({target[0]:.2f}, {target[1]:.2f}), {np.hypot(*leg[:2]):.2f} m")
                heading, position = leg, target
        if pending:
            turns.append(None)
            reason = reason or "the route ends with a turn and no leg after it"
        wanted = ", ".join(f"turn {t}" if t else "?" for t in turns)
        if None not in turns and reason is None:
            return self._choice(q.options, wanted, steps)
        consistent = [o for o in q.options if _turns_match(o.text, turns)]
        prior = consistent[0].letter if consistent and any(turns) else None
        steps.append(f"turns determined: {wanted}")
        return self._cannot(q.options, f"cannot answer: {reason or 'a route leg has zero length'}", tuple(steps), prior)

    def _appearance_order(self, q: AppearanceOrderQuery, scene: _Scene, steps: list[str]) -> Answer:
        times: dict[str, float] = {}
        unknown = []
        for category in q.categories:
            objs = scene.objects(category)
            seen = [o.first_seen for o in objs if o.first_seen is not None]
            if not seen:
                unknown.append(f"no box for {category!r}" if not objs else f"no first_seen for {category!r}")
                continue
            times[category] = min(seen)
            steps.append(f"{category} first seen at {times[category]:.2f} s")
        order = sorted(times, key=times.__getitem__)
        if unknown:  # the options that agree best with the order of the objects that were seen
            prior = max(q.options, key=lambda o: _order_agreement(o.text, order)).letter if len(order) > 1 else None
            return self._cannot(q.options, f"cannot answer: {'; '.join(unknown)}", tuple(steps), prior)
        wanted = ", ".join(order)
        if _option_letter(q.options, wanted) is None:
            best = max(q.options, key=lambda o: _order_agreement(o.text, order))
            steps.append(f"order {wanted} is not an option; closest option by pairwise order: {best.letter}")
            return Answer(prediction=best.letter, derivation=tuple(steps), value=wanted)
        return self._choice(q.options, wanted, steps)


    def _perspective_direction(self, q: PerspectiveDirectionQuery, scene: _Scene, steps: list[str]) -> Answer:
        label, anchors = scene.instances(q.anchor)
        if not anchors:
            raise _CannotAnswer(f"no box for {q.anchor!r}")
        if len(anchors) > 1:
            steps.append(f"{len(anchors)} instances of {label}: using the first seen")
        anchor = anchors[0]
        if anchor.has_front is False:
            raise _CannotAnswer(f"the code says the {q.anchor} has no front (a symmetric object: its box's yaw is arbitrary)")
        front = anchor.box.rotation_matrix[:2, 0]
        sure = "" if anchor.facing_confidence is None else f", facing confidence {anchor.facing_confidence:.2f}"
        steps.append(f"{_describe(anchor)} faces {np.degrees(np.arctan2(front[1], front[0])):.1f}° (its box +x axis{sure})")
        target = self._centre(scene, q.target, steps)
        try:
            bearing = perspective_bearing_deg(anchor.box, target)
        except ValueError:
            raise _CannotAnswer(f"the {q.anchor} has no horizontal front or the {q.target} is at its centre") from None
        steps.append(f"bearing of {q.target} from the {q.anchor}'s point of view: {bearing:.1f}° counter-clockwise")
        wanted = left_or_right(bearing) if q.level == "left-right" else quadrant(bearing)
        return self._choice(q.options, wanted, steps)


def _turns_match(option_text: str, turns: Sequence[str | None]) -> bool:
    said = [normalise_phrase(t) for t in option_text.split(",")]
    return len(said) == len(turns) and all(t is None or s == f"turn {t}" for s, t in zip(said, turns))


def _order_agreement(option_text: str, order: Sequence[str]) -> int:
    said = [normalise_phrase(t) for t in option_text.split(",")]
    rank = {name: i for i, name in enumerate(said)}
    return sum(
        1 for a, b in itertools.combinations(order, 2) if a in rank and b in rank and rank[a] < rank[b]
    )


def answer(code: SpatialCode, question: str, options: Sequence[str] | None = None, question_type: str | None = None) -> Answer:
    """Answer one VSI-Bench-style question about ``code`` with the default exact solver."""
    return Solver().answer_question(code, question, options, question_type)
