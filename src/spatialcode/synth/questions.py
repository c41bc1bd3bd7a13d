"""Generate VSI-Bench-style questions with verified answers from any SpatialCode.

``generate_questions(code, seed, config)`` writes questions in VSI-Bench's own wording (so
:func:`~spatialcode.questions.vsibench.parse_question` reads them back) and official schema
(:class:`~spatialcode.tasks.records.VSIQuestion`) for the 8 VSI tasks — counting, absolute
distance, object size, room size, relative distance, relative direction (easy, medium, hard),
route planning, appearance order — and the extension task ``object_perspective_direction``.

The answer key is the exact solver: every question is parsed back, its object phrases must
resolve to the intended labels, and ``Solver().answer_question(code, question, options,
question_type)`` must answer it from the code (no fallback, no "cannot answer"); the ground truth
*is* that answer (the option letter, or the number as the solver writes it: 0.1 m, 1 cm,
0.1 m², integer counts). For multiple choice the solver first names the right option, the
options are then arranged to put it at the scene's least-used letter, and a second solver call
must return exactly that letter. The generator's own geometry only filters out ambiguous cases
(and must agree with the solver, else the question is dropped).

Selection rules follow how VSI-Bench built its questions:

* counting — categories with at least 2 instances (the declared count when the source gives one);
* object size, absolute distance, relative direction, route planning, perspective — only
  *unique* objects (exactly one instance, with its box);
* absolute distance — dropped below ``min_abs_distance_m`` (a 0.0 m answer cannot be scored by
  mean relative accuracy);
* relative distance — a unique target and 4 distinct candidate categories (every instance
  boxed; a candidate's distance is the minimum over its instances); dropped when the two closest
  candidates are within 0.15 m of each other (0.30 m when the room's floor area exceeds 40 m²);
* relative direction — pairwise closest-point distances of the three objects in [0.30, 5.0] m;
  dropped when the bearing is within 10° of a decision boundary (easy: 0°/180°; medium:
  0°/180° and 135°/225°; hard: multiples of 90°);
* appearance order — 4 categories (every instance boxed with a ``first_seen``) whose first
  appearances are at least 1 s apart; options are the right order and 3 other permutations;
* route planning — start, facing object, 1–3 turns over distinct unique landmarks, turns as
  the solver computes them; dropped when a turn is within 15° of a left/right/back boundary
  (0° or ±135°) or a leg is shorter than ``route_min_leg_m``. Two VSI layouts are drawn: "1. Go
  forward until the {facing}" first (the facing object counts as the first landmark), or
  "1. [please fill in]" first;
* perspective (extension) — an anchor with a front (its ``has_front``, else its category's
  facing rule in :mod:`spatialcode.tasks.facing`; none from producers whose boxes carry no front,
  such as VSI-Bench's annotations) and a unique target 0.30–5.0 m from it; dropped within 10° of a
  boundary (left/right: 0°/180°; quadrant: multiples of 90°).

Ids are strings ``f"{scene_name}-{k}"`` (k = 0, 1, … in output order), unique within the scene
and across scenes with distinct names; ``dataset`` is the code's source dataset or
``"synthetic"``; ``pruned`` is ``False``. Output is grouped by task in ``config.tasks`` order,
each task capped by ``config.max_per_task`` (a seeded random subset of the valid questions);
the same code, seed and config always give the same questions.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spatialcode import tasks
from spatialcode.core.errors import ValidationError
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
    RoomSizeQuery,
    RoutePlanQuery,
    UnrecognisedQuery,
)
from spatialcode.questions.vsibench import normalise_phrase, parse_question
from spatialcode.reason.answer import Answer
from spatialcode.reason.directions import (
    QUADRANTS,
    bearing_deg,
    left_or_right,
    left_right_or_back,
    quadrant,
    turn_between,
)
from spatialcode.reason.solver import Solver, perspective_bearing_deg
from spatialcode.scene import SpatialCode, SpatialObject
from spatialcode.synth.distractors import (
    LetterBalancer,
    arrange,
    lettered,
    numeric_choices,
    order_distractors,
    turn_distractors,
)
from spatialcode.tasks import facing
from spatialcode.tasks.records import VSIQuestion
from spatialcode.tasks.vocabulary import normal_name

__all__ = [
    "DEFAULT_MAX_PER_TASK",
    "QuestionGenConfig",
    "generate_questions",
    "numeric_choice_variant",
    "numeric_choices",
]

#: Questions per task and scene, at most (VSI-Bench averages ~18 questions per scene in all).
DEFAULT_MAX_PER_TASK: dict[str, int] = {
    tasks.COUNTING: 3,
    tasks.ABS_DISTANCE: 4,
    tasks.OBJECT_SIZE: 4,
    tasks.ROOM_SIZE: 1,
    tasks.REL_DISTANCE: 4,
    tasks.REL_DIRECTION_EASY: 3,
    tasks.REL_DIRECTION_MEDIUM: 3,
    tasks.REL_DIRECTION_HARD: 3,
    tasks.ROUTE_PLANNING: 3,
    tasks.APPEARANCE_ORDER: 3,
    tasks.PERSPECTIVE_DIRECTION: 4,
}

ROOM_SIZE_TEXT = (
    "What is the size of this room (in square meters)? \nIf multiple rooms are shown, estimate the size of the combined space."
)
ROUTE_NOTE = "(Note: for each [please fill in], choose either 'turn back,' 'turn left,' or 'turn right.')"
MEDIUM_TAIL = (
    "to my left, right, or back?\nAn object is to my back if I would have to turn at least 135 degrees in order to face it."
)
HARD_TAIL = (
    "to my front-left, front-right, back-left, or back-right?\nThe directions refer to the quadrants of a Cartesian plane "
    "(if I am standing at the origin and facing along the positive y-axis)."
)
_CHOICES = "\x00choices\x00"  # stands for the candidate list, written in option order


@dataclass(frozen=True)
class QuestionGenConfig:
    """Settings of :func:`generate_questions` (distances in metres, angles in degrees, times in s).

    ``tasks``: which tasks to generate, in output order (default: VSI-Bench's 10 question types
    and the perspective extension; ``tasks.VSI_TASKS`` for VSI-Bench only). ``max_per_task``:
    caps, merged over :data:`DEFAULT_MAX_PER_TASK`. The other fields are the selection rules
    of the module docstring; ``no_front_producers``: codes made by these producers
    (``provenance.producer``) get no perspective questions, their box axes carrying no front
    (VSI-Bench's annotations); ``perspective_levels`` picks the perspective variants
    (``"left-right"``, ``"quadrant"``); ``attempts_per_question`` bounds the random draws of the
    sampled tasks (relative distance, route planning, appearance order) per question wanted.
    """

    tasks: tuple[str, ...] = tasks.ALL_TASKS
    max_per_task: Mapping[str, int] = field(default_factory=dict)
    rel_distance_margin_m: float = 0.15
    rel_distance_margin_large_room_m: float = 0.30
    large_room_area_m2: float = 40.0
    direction_distance_m: tuple[float, float] = (0.30, 5.0)
    direction_margin_deg: float = 10.0
    route_turns: tuple[int, int] = (1, 3)
    route_turn_margin_deg: float = 15.0
    route_min_leg_m: float = 0.5
    appearance_min_gap_s: float = 1.0
    min_abs_distance_m: float = 0.1
    no_front_producers: tuple[str, ...] = ("vsibench-meta",)
    perspective_levels: tuple[str, ...] = ("left-right", "quadrant")
    attempts_per_question: int = 200

    def __post_init__(self) -> None:
        object.__setattr__(self, "tasks", tuple(dict.fromkeys(tasks.check_task(t, "tasks") for t in self.tasks)))
        caps = dict(DEFAULT_MAX_PER_TASK)
        for name, cap in dict(self.max_per_task).items():
            tasks.check_task(name, "max_per_task")
            if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
                raise ValidationError(f"max_per_task.{name}", f"expected an integer >= 0, got {cap!r}")
            caps[name] = cap
        object.__setattr__(self, "max_per_task", caps)
        low, high = self.route_turns
        if not 1 <= low <= high:
            raise ValidationError("route_turns", f"expected 1 <= min <= max, got {self.route_turns!r}")
        for level in self.perspective_levels:
            if level not in ("left-right", "quadrant"):
                raise ValidationError("perspective_levels", f"expected 'left-right' or 'quadrant', got {level!r}")

    def cap(self, task: str) -> int:
        """The most questions of ``task`` per scene."""
        return self.max_per_task.get(task, 0)


@dataclass(frozen=True)
class _Draft:
    """A candidate question before verification.

    ``text`` may hold :data:`_CHOICES` (replaced by the options in order, for relative distance);
    ``phrases`` are the object names in the order the parsed query lists them (``_CHOICES``
    again stands for the options); ``label_of`` maps each name to the label it must resolve to;
    ``options`` are the option texts in no particular order (``None`` for numeric tasks);
    ``expected`` is the generator's own answer text, which the solver must confirm.
    """

    task: str
    text: str
    phrases: tuple[str, ...]
    label_of: Mapping[str, str]
    options: tuple[str, ...] | None = None
    expected: str | None = None
    min_value: float | None = None


def _near(bearing: float, boundaries: Sequence[float], margin: float) -> bool:
    """True when ``bearing`` is within ``margin`` degrees of any boundary (circularly)."""
    return any(abs((bearing - b + 180.0) % 360.0 - 180.0) < margin for b in boundaries)


def _phrases(query: Query) -> tuple[str, ...] | None:
    """The object phrases of a parsed query, in a fixed order (``None`` for unknown types)."""
    if isinstance(query, (CountQuery, ObjectSizeQuery)):
        return (query.category,)
    if isinstance(query, AbsDistanceQuery):
        return (query.first, query.second)
    if isinstance(query, RoomSizeQuery):
        return ()
    if isinstance(query, RelDistanceQuery):
        return (query.target, *query.candidates)
    if isinstance(query, RelDirectionQuery):
        return (query.standing, query.facing, query.querying)
    if isinstance(query, RoutePlanQuery):
        return (query.start, query.facing, query.goal, *(s.landmark or "" for s in query.steps if s.action == "forward"))
    if isinstance(query, AppearanceOrderQuery):
        return query.categories
    if isinstance(query, PerspectiveDirectionQuery):
        return (query.anchor, query.target)
    return None


class _Scene:
    """What the generator needs to know about one code: categories, unique objects, distances."""

    def __init__(self, code: SpatialCode) -> None:
        self.code = code
        # the solver's label list: labels with boxes, then labels the source only counted
        self.labels = list(dict.fromkeys([*code.labels, *(code.object_counts or {})]))
        spellings: dict[str, list[str]] = {}
        for label in self.labels:
            spellings.setdefault(normal_name(label), []).append(label)
        # one label per written name; names several labels share ("Chair", "chair") are left out
        self.categories = [labels[0] for labels in spellings.values() if len(labels) == 1]
        self.boxes = {label: code.objects_with_label(label) for label in self.categories}
        self.counts = {label: code.count(label) for label in self.categories}
        #: categories whose every instance has a box
        self.boxed = [label for label in self.categories if self.boxes[label] and self.counts[label] == len(self.boxes[label])]
        #: the one object of each category that has exactly one instance, boxed
        self.unique = [self.boxes[label][0] for label in self.boxed if self.counts[label] == 1]
        self.area = code.room.floor_area() if code.room is not None else None
        self._distances: dict[tuple[int, int], float] = {}

    def distance(self, a: SpatialObject, b: SpatialObject) -> float:
        """Closest-point distance of two objects' boxes (m), cached."""
        key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
        if key not in self._distances:
            self._distances[key] = box_distance(a.box, b.box)
        return self._distances[key]

    def label_distance(self, target: SpatialObject, label: str) -> float:
        """Minimum closest-point distance (m) from ``target`` to any instance of ``label``."""
        return min(self.distance(target, other) for other in self.boxes[label] if other.id != target.id)


class _Generator:
    """One scene's generation run: drafts per task, verification, letter balancing."""

    def __init__(self, code: SpatialCode, seed: int, config: QuestionGenConfig) -> None:
        self.code = code
        self.seed = seed
        self.config = config
        self.scene = _Scene(code)
        self.solver = Solver()
        self.balancer = LetterBalancer()
        self.dataset = code.source.dataset or "synthetic"
        self.scene_name = code.source.scene_name or "scene"

    # -- driver ----------------------------------------------------------------------------
    def run(self) -> list[VSIQuestion]:
        records: list[tuple[str, str, tuple[str, ...] | None, str]] = []
        drafters = {
            tasks.COUNTING: self._counting,
            tasks.ABS_DISTANCE: self._abs_distance,
            tasks.OBJECT_SIZE: self._object_size,
            tasks.ROOM_SIZE: self._room_size,
            tasks.REL_DISTANCE: self._rel_distance,
            tasks.REL_DIRECTION_EASY: lambda rng, cap: self._rel_direction("easy", rng),
            tasks.REL_DIRECTION_MEDIUM: lambda rng, cap: self._rel_direction("medium", rng),
            tasks.REL_DIRECTION_HARD: lambda rng, cap: self._rel_direction("hard", rng),
            tasks.ROUTE_PLANNING: self._route,
            tasks.APPEARANCE_ORDER: self._appearance_order,
            tasks.PERSPECTIVE_DIRECTION: self._perspective,
        }
        for task in self.config.tasks:
            cap = self.config.cap(task)
            if cap == 0:
                continue
            rng = np.random.default_rng([self.seed % 2**63, zlib.crc32(task.encode())])
            made = 0
            seen: set[str] = set()
            for draft in drafters[task](rng, cap):
                record = self._emit(draft, rng)
                if record is None or record[1] in seen:
                    continue
                seen.add(record[1])
                records.append(record)
                made += 1
                if made >= cap:
                    break
        return [
            VSIQuestion(
                id=f"{self.scene_name}-{k}", dataset=self.dataset, scene_name=self.scene_name, question_type=task,
                question=text, options=options, ground_truth=truth, pruned=False,
            )
            for k, (task, text, options, truth) in enumerate(records)
        ]

    def _verify(self, draft: _Draft, text: str, options: tuple[str, ...] | None, phrases: Sequence[str]) -> Answer | None:
        """The solver's answer when the question parses back to its task with every phrase
        resolving to its intended label and the code answers it; else ``None``."""
        query = parse_question(text, options, draft.task)
        if isinstance(query, UnrecognisedQuery) or query.task != draft.task:
            return None
        parsed = _phrases(query)
        if parsed is None or [normalise_phrase(p) for p in parsed] != [normalise_phrase(p) for p in phrases]:
            return None
        for phrase in phrases:
            if resolve_label(phrase, self.scene.labels) != draft.label_of[phrase]:
                return None
        answer = self.solver.answer(query, self.code)
        return answer if answer.answered and answer.prediction else None

    def _emit(self, draft: _Draft, rng: np.random.Generator) -> tuple[str, str, tuple[str, ...] | None, str] | None:
        """Verify a draft and return ``(task, question, options, ground_truth)``, or ``None``."""
        def expand(order: Sequence[str]) -> tuple[str, tuple[str, ...]]:
            text = draft.text.replace(_CHOICES, ", ".join(order))
            phrases: list[str] = []
            for phrase in draft.phrases:
                phrases.extend(order if phrase == _CHOICES else [phrase])
            return text, tuple(phrases)

        if draft.options is None:
            text, phrases = expand(())
            answer = self._verify(draft, text, None, phrases)
            if answer is None or (draft.min_value is not None and float(answer.value) < draft.min_value):
                return None
            return draft.task, text, None, answer.prediction
        # multiple choice: the solver names the right option, which then goes to a balanced letter
        provisional = list(draft.options)
        text, phrases = expand(provisional)
        first = self._verify(draft, text, lettered(provisional), phrases)
        if first is None:
            return None
        right = provisional["ABCDEFGHIJ".index(first.prediction)]
        if draft.expected is not None and normal_name(right) != normal_name(draft.expected):
            return None  # the generator's geometry and the solver disagree: not a clean case
        n = len(provisional)
        index = self.balancer.pick(n, rng)
        ordered = arrange(right, [o for o in provisional if o != right], index, rng)
        text, phrases = expand(ordered)
        options = lettered(ordered)
        final = self._verify(draft, text, options, phrases)
        letter = "ABCDEFGHIJ"[index]
        if final is None or final.prediction != letter:
            return None
        self.balancer.commit(n, index)
        return draft.task, text, options, letter

    # -- numeric tasks ---------------------------------------------------------------------
    def _counting(self, rng: np.random.Generator, cap: int) -> Iterator[_Draft]:
        labels = [label for label in self.scene.categories if self.scene.counts[label] >= 2]
        for i in rng.permutation(len(labels)):
            label = labels[i]
            name = normal_name(label)
            yield _Draft(tasks.COUNTING, f"How many {name}(s) are in this room?", (name,), {name: label})

    def _object_size(self, rng: np.random.Generator, cap: int) -> Iterator[_Draft]:
        unique = self.scene.unique
        for i in rng.permutation(len(unique)):
            name = normal_name(unique[i].label)
            text = f"What is the length of the longest dimension (length, width, or height) of the {name}, measured in centimeters?"
            yield _Draft(tasks.OBJECT_SIZE, text, (name,), {name: unique[i].label}, min_value=0.5)

    def _room_size(self, rng: np.random.Generator, cap: int) -> Iterator[_Draft]:
        if self.scene.area is not None and self.scene.area > 0:
            yield _Draft(tasks.ROOM_SIZE, ROOM_SIZE_TEXT, (), {})

    def _abs_distance(self, rng: np.random.Generator, cap: int) -> Iterator[_Draft]:
        pairs = list(itertools.combinations(self.scene.unique, 2))
        for i in rng.permutation(len(pairs)):
            a, b = pairs[i] if rng.random() < 0.5 else pairs[i][::-1]
            if self.scene.distance(a, b) < self.config.min_abs_distance_m:
                continue
            na, nb = normal_name(a.label), normal_name(b.label)
            text = f"Measuring from the closest point of each object, what is the distance between the {na} and the {nb} (in meters)?"
            yield _Draft(tasks.ABS_DISTANCE, text, (na, nb), {na: a.label, nb: b.label}, min_value=self.config.min_abs_distance_m)

    # -- multiple-choice tasks -------------------------------------------------------------
    def _rel_distance(self, rng: np.random.Generator, cap: int) -> Iterator[_Draft]:
        scene, config = self.scene, self.config
        large = scene.area is not None and scene.area > config.large_room_area_m2
        margin = config.rel_distance_margin_large_room_m if large else config.rel_distance_margin_m
        if not scene.unique:
            return
        tried: set[tuple[int, tuple[str, ...]]] = set()
        for _ in range(config.attempts_per_question * cap):
            target = scene.unique[int(rng.integers(len(scene.unique)))]
            others = [label for label in scene.boxed if label != target.label]
            if len(others) < 4:
                continue
            picked = tuple(sorted(others[i] for i in rng.choice(len(others), size=4, replace=False)))
            if (target.id, picked) in tried:
                continue
            tried.add((target.id, picked))
            distances = sorted((scene.label_distance(target, label), label) for label in picked)
            if distances[1][0] - distances[0][0] < margin:
                continue
            tn = normal_name(target.label)
            names = [normal_name(label) for label in picked]
            text = f"Measuring from the closest point of each object, which of these objects ({_CHOICES}) is the closest to the {tn}?"
            yield _Draft(
                tasks.REL_DISTANCE, text, (tn, _CHOICES), {tn: target.label, **dict(zip(names, picked))},
                options=tuple(names), expected=normal_name(distances[0][1]),
            )

    def _triples_in_range(self, rng: np.random.Generator) -> Iterator[tuple[SpatialObject, SpatialObject, SpatialObject]]:
        low, high = self.config.direction_distance_m
        unique = self.scene.unique
        triples = list(itertools.permutations(range(len(unique)), 3))
        for k in rng.permutation(len(triples)):
            s, f, q = (unique[i] for i in triples[k])
            if all(low <= self.scene.distance(x, y) <= high for x, y in ((s, f), (s, q), (f, q))):
                yield s, f, q

    def _rel_direction(self, level: str, rng: np.random.Generator) -> Iterator[_Draft]:
        task = {"easy": tasks.REL_DIRECTION_EASY, "medium": tasks.REL_DIRECTION_MEDIUM, "hard": tasks.REL_DIRECTION_HARD}[level]
        boundaries = {"easy": (0.0, 180.0), "medium": (0.0, 180.0, 135.0, 225.0), "hard": (0.0, 90.0, 180.0, 270.0)}[level]
        for s, f, q in self._triples_in_range(rng):
            try:
                bearing = bearing_deg(s.box.center_array, f.box.center_array, q.box.center_array)
            except ValueError:
                continue
            if _near(bearing, boundaries, self.config.direction_margin_deg):
                continue
            ns, nf, nq = normal_name(s.label), normal_name(f.label), normal_name(q.label)
            stand = f"If I am standing by the {ns} and facing the {nf}, is the {nq} "
            if level == "easy":
                text, options, expected = stand + f"to the left or the right of the {nf}?", ("left", "right"), left_or_right(bearing)
            elif level == "medium":
                text, options, expected = stand + MEDIUM_TAIL, ("left", "right", "back"), left_right_or_back(bearing, 135.0)
            else:
                text, options, expected = stand + HARD_TAIL, QUADRANTS, quadrant(bearing)
            label_of = {ns: s.label, nf: f.label, nq: q.label}
            yield _Draft(task, text, (ns, nf, nq), label_of, options=tuple(options), expected=expected)

    def _route(self, rng: np.random.Generator, cap: int) -> Iterator[_Draft]:
        unique, config = self.scene.unique, self.config
        back = self.solver.config.route_back_threshold_deg
        low, high = config.route_turns
        tried: set[tuple[Any, ...]] = set()
        for _ in range(config.attempts_per_question * cap):
            n_turns = int(rng.integers(low, high + 1))
            forward_first = bool(rng.random() < 0.5)
            if len(unique) < n_turns + 2:
                continue
            objs = [unique[i] for i in rng.choice(len(unique), size=n_turns + 2, replace=False)]
            key = (forward_first, *(o.id for o in objs))
            if key in tried:
                continue
            tried.add(key)
            turns = self._route_turns(objs, forward_first, back)
            if turns is None:
                continue
            start, facing = normal_name(objs[0].label), normal_name(objs[1].label)
            visited = objs[1:] if forward_first else objs[2:]
            steps: list[str] = []
            for k, obj in enumerate(visited):
                if k > 0 or not forward_first:
                    steps.append("[please fill in]")
                steps.append(f"Go forward until the {normal_name(obj.label)}")
            listed = " ".join(f"{i}. {step}" for i, step in enumerate(steps, start=1))
            goal = normal_name(visited[-1].label)
            text = (
                f"You are a robot beginning at the {start} facing the {facing}. You want to navigate to the {goal}. "
                f"You will perform the following actions {ROUTE_NOTE}: {listed}. You have reached the final destination."
            )
            label_of = {normal_name(o.label): o.label for o in objs}
            phrases = (start, facing, goal, *(normal_name(o.label) for o in visited))
            right = ", ".join(f"Turn {t.title()}" for t in turns)
            wrong = [", ".join(f"Turn {t.title()}" for t in other) for other in turn_distractors(turns, rng)]
            yield _Draft(tasks.ROUTE_PLANNING, text, phrases, label_of, options=(right, *wrong), expected=right)

    def _route_turns(self, objs: Sequence[SpatialObject], forward_first: bool, back: float) -> list[str] | None:
        """Turns of the route through ``objs`` (start, facing, then the visited landmarks), or
        ``None`` when a leg is too short or a turn is near a boundary."""
        config = self.config
        points = [o.box.center_array[:2] for o in objs]
        heading = points[1] - points[0]
        if np.hypot(*heading) < config.route_min_leg_m:
            return None
        position = points[1] if forward_first else points[0]
        turns = []
        for point in points[2:]:
            leg = point - position
            if np.hypot(*leg) < config.route_min_leg_m:
                return None
            turn, signed = turn_between(heading, leg, back)
            if abs(signed) < config.route_turn_margin_deg or abs(abs(signed) - back) < config.route_turn_margin_deg:
                return None
            turns.append(turn)
            heading, position = leg, point
        return turns

    def _appearance_order(self, rng: np.random.Generator, cap: int) -> Iterator[_Draft]:
        scene, config = self.scene, self.config
        times: dict[str, float] = {}
        for label in scene.boxed:
            seen = [o.first_seen for o in scene.boxes[label]]
            if all(t is not None for t in seen):
                times[label] = min(seen)  # type: ignore[type-var]
        labels = list(times)
        if len(labels) < 4:
            return
        tried: set[tuple[str, ...]] = set()
        for _ in range(config.attempts_per_question * cap):
            picked = [labels[i] for i in rng.choice(len(labels), size=4, replace=False)]
            key = tuple(sorted(picked))
            if key in tried:
                continue
            tried.add(key)
            order = sorted(picked, key=times.__getitem__)
            if any(times[b] - times[a] < config.appearance_min_gap_s for a, b in itertools.pairwise(order)):
                continue
            names = [normal_name(label) for label in picked]
            right = [normal_name(label) for label in order]
            text = f"What will be the first-time appearance order of the following categories in the video: {', '.join(names)}?"
            options = (", ".join(right), *(", ".join(o) for o in order_distractors(right, rng)))
            yield _Draft(
                tasks.APPEARANCE_ORDER, text, tuple(names), dict(zip(names, picked)), options=options, expected=options[0]
            )

    def _perspective(self, rng: np.random.Generator, cap: int) -> Iterator[_Draft]:
        config = self.config
        if self.code.provenance.producer in config.no_front_producers:
            return
        low, high = config.direction_distance_m
        anchors = [o for o in self.scene.unique if _has_front(o)]
        pairs = [(a, t, level) for a in anchors for t in self.scene.unique if t.id != a.id for level in config.perspective_levels]
        for k in rng.permutation(len(pairs)):
            anchor, target, level = pairs[k]
            if not low <= self.scene.distance(anchor, target) <= high:
                continue
            try:
                bearing = perspective_bearing_deg(anchor.box, target.box.center_array)
            except ValueError:
                continue
            boundaries = (0.0, 180.0) if level == "left-right" else (0.0, 90.0, 180.0, 270.0)
            if _near(bearing, boundaries, config.direction_margin_deg):
                continue
            na, nt = normal_name(anchor.label), normal_name(target.label)
            ask = f"From the {na}'s point of view (facing where it faces), is the {nt} to its "
            if level == "left-right":
                text, options, expected = ask + "left or right?", ("left", "right"), left_or_right(bearing)
            else:
                text, options, expected = ask + "front-left, front-right, back-left, or back-right?", QUADRANTS, quadrant(bearing)
            yield _Draft(
                tasks.PERSPECTIVE_DIRECTION, text, (na, nt), {na: anchor.label, nt: target.label},
                options=tuple(options), expected=expected,
            )


def _has_front(obj: SpatialObject) -> bool:
    """True when ``obj`` has a front — as its code says (``has_front``), else by its category
    (:func:`spatialcode.tasks.facing.has_front`) — and its box's +x axis is mostly horizontal
    (tilted at most 45° out of the floor plane)."""
    front = obj.has_front if obj.has_front is not None else facing.has_front(obj.label)
    return front and bool(np.hypot(*obj.box.rotation_matrix[:2, 0]) >= math.sqrt(0.5))


def generate_questions(code: SpatialCode, seed: int, config: QuestionGenConfig | None = None) -> list[VSIQuestion]:
    """VSI-Bench-style questions about ``code`` with ground truths verified by the exact solver.

    Returns official-schema :class:`VSIQuestion` records (ids ``f"{scene_name}-{k}"``,
    ``pruned=False``), grouped by task in ``config.tasks`` order; the same ``code``, ``seed``
    and ``config`` give the same list. Tasks the code cannot support (no room area, no
    ``first_seen``, too few unique objects) simply yield nothing. See the module docstring for
    the selection rules.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValidationError("seed", f"expected an integer, got {seed!r}")
    return _Generator(code, int(seed), config or QuestionGenConfig()).run()


def numeric_choice_variant(question: VSIQuestion, rng: np.random.Generator, index: int | None = None) -> dict[str, Any]:
    """A multiple-choice form of a numeric question, as a plain record (the official schema
    gives numeric tasks no options, so this is not a :class:`VSIQuestion`).

    Returns the question's record with ``options`` (the answer and 3 :func:`numeric_choices`
    distractors, ascending, written at the answer's precision), ``ground_truth`` = the answer's
    letter (at ``index`` when given, else wherever it falls in ascending order) and
    ``ground_truth_value`` = the original number. Raises ``ValueError`` when no distractors fit
    (a count of 2, say) or the question is not numeric.
    """
    if question.is_multiple_choice or question.ground_truth is None:
        raise ValueError(f"question {question.id!r} is not a numeric question with a ground truth")
    truth = question.ground_truth
    decimals = len(truth.split(".")[1]) if "." in truth else 0
    value = float(truth)
    values = numeric_choices(value, rng, decimals=decimals)
    texts = [f"{v:.{decimals}f}" for v in values]
    if index is None:
        ordered = sorted([*texts, truth], key=float)
    else:
        ordered = texts[:index] + [truth] + texts[index:]
    record = question.to_record()
    record.update(options=list(lettered(ordered)), ground_truth="ABCD"[ordered.index(truth)], ground_truth_value=truth)
    return record
