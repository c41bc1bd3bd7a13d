"""Question generation: every generated question parses back, the solver answers it with the
stored ground truth, and the benchmark's selection rules hold (hand-made scenes only)."""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from dataclasses import replace

import numpy as np
import pytest

from spatialcode import tasks
from spatialcode.core.errors import ValidationError
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.distance import box_distance
from spatialcode.questions.labels import resolve_label
from spatialcode.questions.query import (
    AbsDistanceQuery,
    AppearanceOrderQuery,
    CountQuery,
    ObjectSizeQuery,
    PerspectiveDirectionQuery,
    RelDirectionQuery,
    RelDistanceQuery,
    RoutePlanQuery,
    UnrecognisedQuery,
)
from spatialcode.questions.vsibench import parse_question
from spatialcode.reason.directions import bearing_deg
from spatialcode.reason.solver import Solver, perspective_bearing_deg
from spatialcode.scene import Provenance, Room, Source, SpatialCode, SpatialObject
from spatialcode.synth.distractors import (
    LetterBalancer,
    numeric_choices,
    order_distractors,
    turn_distractors,
)
from spatialcode.synth.questions import (
    QuestionGenConfig,
    generate_questions,
    numeric_choice_variant,
)
from spatialcode.tasks.records import VSIQuestion

# label, centre (x, y, z), size, yaw (deg; the box +x axis is the object's front), first_seen (s)
ROOM_OBJECTS = [
    ("door", (0.05, 2.5, 1.0), (0.1, 0.9, 2.0), 0, 0.0),
    ("sofa", (3.0, 0.6, 0.4), (0.9, 2.0, 0.8), 90, 1.0),      # faces +y, towards the tv
    ("pillow", (2.5, 0.5, 0.7), (0.4, 0.4, 0.15), 90, 1.1),
    ("pillow", (3.5, 0.5, 0.7), (0.4, 0.4, 0.15), 90, 1.3),
    ("coffee table", (3.0, 1.9, 0.22), (1.2, 0.6, 0.45), 0, 2.0),
    ("rug", (3.0, 2.0, 0.01), (2.4, 1.6, 0.02), 0, 2.1),
    ("tv", (3.0, 4.85, 1.2), (0.08, 1.2, 0.7), -90, 3.2),     # faces −y, towards the sofa
    ("chair", (5.0, 1.5, 0.45), (0.5, 0.5, 0.9), 180, 4.5),
    ("chair", (5.0, 2.5, 0.45), (0.5, 0.5, 0.9), 180, 5.0),
    ("lamp", (0.5, 0.5, 0.8), (0.3, 0.3, 1.6), 0, 6.0),
    ("plant", (5.6, 4.5, 0.5), (0.4, 0.4, 1.0), 0, 7.1),
    ("bookshelf", (0.2, 3.6, 1.0), (0.35, 1.0, 2.0), 0, 8.0),  # faces +x
    ("desk", (1.4, 4.6, 0.38), (0.6, 1.2, 0.75), -90, 8.5),
    ("chair", (1.4, 3.9, 0.45), (0.5, 0.5, 0.9), 90, 9.0),
    ("monitor", (1.4, 4.75, 1.0), (0.05, 0.6, 0.4), -90, 9.1),
    ("window", (5.95, 3.0, 1.5), (0.1, 1.2, 1.2), 180, 10.0),
    ("trash bin", (5.6, 0.4, 0.2), (0.3, 0.3, 0.4), 0, 11.5),
    ("cabinet", (4.3, 4.75, 0.5), (0.45, 0.8, 1.0), -90, 12.5),
    ("stool", (4.2, 3.2, 0.25), (0.35, 0.35, 0.5), 0, 13.0),
    ("heater", (0.1, 1.2, 0.4), (0.1, 0.8, 0.6), 0, 14.0),
]


def room_scene(scale: float = 1.0, timed: bool = True, name: str = "living") -> SpatialCode:
    """The hand-made 20-object living room (6 × 5 m; ``scale`` stretches the floor plan)."""
    objects = [
        SpatialObject(
            id=i, label=label, first_seen=seen if timed else None,
            box=Box3D((x * scale, y * scale, z), size, (0.0, 0.0, math.radians(yaw))),
        )
        for i, (label, (x, y, z), size, yaw, seen) in enumerate(ROOM_OBJECTS)
    ]
    polygon = tuple((x * scale, y * scale) for x, y in ((0, 0), (6, 0), (6, 5), (0, 5)))
    return SpatialCode(objects=tuple(objects), room=Room(polygon=polygon), source=Source(dataset="handmade", scene_name=name))


@pytest.fixture(scope="module")
def room() -> SpatialCode:
    return room_scene()


@pytest.fixture(scope="module")
def many(room) -> list[VSIQuestion]:
    """Generous caps: as many questions as the rules allow (up to 25 per task)."""
    return generate_questions(room, seed=3, config=QuestionGenConfig(max_per_task={t: 25 for t in tasks.ALL_TASKS}))


def _label(code: SpatialCode, phrase: str) -> str:
    labels = list(dict.fromkeys([*code.labels, *(code.object_counts or {})]))
    label = resolve_label(phrase, labels)
    assert label is not None, phrase
    return label


def _obj(code: SpatialCode, phrase: str) -> SpatialObject:
    objs = code.objects_with_label(_label(code, phrase))
    assert len(objs) == 1 and code.count(objs[0].label) == 1, f"{phrase} is not unique"
    return objs[0]


def _boundary_gap(bearing: float, boundaries) -> float:
    return min(abs((bearing - b + 180.0) % 360.0 - 180.0) for b in boundaries)


# -- the contract: parse back, solver answers with the stored ground truth ------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_question_parses_back_and_the_solver_agrees(room, seed):
    questions = generate_questions(room, seed)
    assert {q.question_type for q in questions} == set(tasks.ALL_TASKS)  # all 10 VSI types + the extension
    assert len({q.id for q in questions}) == len(questions)
    solver = Solver()
    for q in questions:
        assert (q.dataset, q.scene_name, q.pruned) == ("handmade", "living", False)
        assert isinstance(q.id, str) and q.id.startswith("living-")
        query = parse_question(q.question, q.options, q.question_type)
        assert not isinstance(query, UnrecognisedQuery) and query.task == q.question_type, q.question
        answer = solver.answer_question(room, q.question, q.options, q.question_type)
        assert answer.answered and answer.prediction == q.ground_truth, (q, answer)
        assert VSIQuestion.from_record(q.to_record()) == q


def test_generous_caps_all_verify(room, many):
    solver = Solver()
    for q in many:
        answer = solver.answer_question(room, q.question, q.options, q.question_type)
        assert answer.answered and answer.prediction == q.ground_truth
    counts = Counter(q.question_type for q in many)
    assert counts[tasks.ROOM_SIZE] == 1 and counts[tasks.COUNTING] == 2  # chair ×3, pillow ×2
    assert all(counts[t] == 25 for t in (tasks.REL_DIRECTION_EASY, tasks.REL_DIRECTION_HARD, tasks.PERSPECTIVE_DIRECTION))


def test_numeric_answers_at_benchmark_precision(many):
    for q in many:
        if q.question_type == tasks.COUNTING:
            assert q.ground_truth.isdigit() and int(q.ground_truth) >= 2
        elif q.question_type == tasks.OBJECT_SIZE:
            assert q.ground_truth.isdigit()  # integer centimetres
        elif q.question_type in (tasks.ABS_DISTANCE, tasks.ROOM_SIZE):
            assert len(q.ground_truth.split(".")[1]) == 1 and float(q.ground_truth) > 0  # 0.1 m / 0.1 m²
    room = next(q for q in many if q.question_type == tasks.ROOM_SIZE)
    assert room.ground_truth == "30.0"


# -- the benchmark's selection rules -------------------------------------------------------
def test_counting_only_repeated_and_geometry_only_unique(room, many):
    for q in many:
        query = parse_question(q.question, q.options, q.question_type)
        if isinstance(query, CountQuery):
            assert room.count(_label(room, query.category)) >= 2
        elif isinstance(query, ObjectSizeQuery):
            _obj(room, query.category)
        elif isinstance(query, AbsDistanceQuery):
            a, b = _obj(room, query.first), _obj(room, query.second)
            assert box_distance(a.box, b.box) >= 0.1
        elif isinstance(query, RelDirectionQuery):
            objs = [_obj(room, p) for p in (query.standing, query.facing, query.querying)]
            for x, y in ((0, 1), (0, 2), (1, 2)):
                assert 0.30 <= box_distance(objs[x].box, objs[y].box) <= 5.0
        elif isinstance(query, RoutePlanQuery):
            visited = [s.landmark for s in query.steps if s.action == "forward"]
            names = [query.start, *([] if visited[0] == query.facing else [query.facing]), *visited]  # may go to the facing object first
            assert len({_obj(room, n).id for n in names}) == len(names)
        elif isinstance(query, PerspectiveDirectionQuery):
            _obj(room, query.anchor), _obj(room, query.target)


@pytest.mark.parametrize(("scale", "margin"), [(1.0, 0.15), (1.5, 0.30)])  # 30 m² and 67.5 m² rooms
def test_relative_distance_margin(scale, margin):
    code = room_scene(scale)
    questions = generate_questions(code, 5, QuestionGenConfig(tasks=(tasks.REL_DISTANCE,), max_per_task={tasks.REL_DISTANCE: 30}))
    assert len(questions) >= 10
    for q in questions:
        query = parse_question(q.question, q.options, q.question_type)
        assert isinstance(query, RelDistanceQuery) and len(set(query.candidates)) == 4 and len(q.options) == 4
        target = _obj(code, query.target)
        distances = sorted(
            min(box_distance(target.box, o.box) for o in code.objects_with_label(_label(code, c))) for c in query.candidates
        )
        assert distances[1] - distances[0] >= margin
        assert [o.split(". ", 1)[1] for o in q.options] == list(query.candidates)  # options listed as asked


def test_direction_questions_keep_away_from_boundaries(room, many):
    boundaries = {
        tasks.REL_DIRECTION_EASY: (0, 180), tasks.REL_DIRECTION_MEDIUM: (0, 135, 180, 225), tasks.REL_DIRECTION_HARD: (0, 90, 180, 270),
    }
    checked = Counter()
    for q in many:
        query = parse_question(q.question, q.options, q.question_type)
        if isinstance(query, RelDirectionQuery):
            s, f, t = (_obj(room, p).box.center_array for p in (query.standing, query.facing, query.querying))
            assert _boundary_gap(bearing_deg(s, f, t), boundaries[q.question_type]) >= 10.0
        elif isinstance(query, PerspectiveDirectionQuery):
            bearing = perspective_bearing_deg(_obj(room, query.anchor).box, _obj(room, query.target).box.center_array)
            assert _boundary_gap(bearing, (0, 180) if query.level == "left-right" else (0, 90, 180, 270)) >= 10.0
        else:
            continue
        checked[q.question_type] += 1
    assert len(checked) == 4


def test_route_turns_keep_away_from_boundaries(room, many):
    routes = [q for q in many if q.question_type == tasks.ROUTE_PLANNING]
    assert len(routes) >= 10
    turn_counts = set()
    for q in routes:
        query = parse_question(q.question, q.options, q.question_type)
        assert isinstance(query, RoutePlanQuery)
        centre = {name: _obj(room, name).box.center_array[:2] for name in (query.start, query.facing)}
        position, heading = centre[query.start], centre[query.facing] - centre[query.start]
        for step in query.steps:
            if step.action == "forward":
                point = _obj(room, step.landmark).box.center_array[:2]
                leg = point - position
                angle = math.degrees(math.atan2(heading[0] * leg[1] - heading[1] * leg[0], heading @ leg))
                if not np.allclose(leg, heading):  # a leg after a turn (the first leg may go straight to the facing object)
                    assert abs(angle) >= 15.0 and abs(abs(angle) - 135.0) >= 15.0
                position, heading = point, leg
        turn_counts.add(query.turn_count)
        assert len(q.options) == (3 if query.turn_count == 1 else 4) and len(set(q.options)) == len(q.options)
        assert all(o.split(". ", 1)[1].count("Turn") == query.turn_count for o in q.options)
    assert turn_counts == {1, 2, 3}


def test_appearance_order_gaps_and_options(room, many):
    orders = [q for q in many if q.question_type == tasks.APPEARANCE_ORDER]
    assert orders
    for q in orders:
        query = parse_question(q.question, q.options, q.question_type)
        assert isinstance(query, AppearanceOrderQuery) and len(query.categories) == 4
        times = sorted(min(o.first_seen for o in room.objects_with_label(_label(room, c))) for c in query.categories)
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
        texts = [o.split(". ", 1)[1] for o in q.options]
        assert len(texts) == 4 == len(set(texts)) and all(sorted(t.split(", ")) == sorted(query.categories) for t in texts)


def test_answer_letters_are_balanced(many):
    by_count: dict[int, Counter] = defaultdict(Counter)
    for q in many:
        if q.options is not None:
            by_count[len(q.options)][q.ground_truth] += 1
    assert set(by_count) == {2, 3, 4}
    for n, letters in by_count.items():
        counts = [letters[chr(ord("A") + i)] for i in range(n)]
        assert min(counts) > 0 and max(counts) - min(counts) <= 1, (n, counts)


def test_deterministic_per_seed(room):
    first = [q.to_record() for q in generate_questions(room, 11)]
    assert first == [q.to_record() for q in generate_questions(room_scene(), 11)]
    assert first != [q.to_record() for q in generate_questions(room, 12)]


def test_caps_and_task_selection(room):
    config = QuestionGenConfig(tasks=(tasks.OBJECT_SIZE, tasks.REL_DIRECTION_HARD), max_per_task={tasks.OBJECT_SIZE: 2})
    questions = generate_questions(room, 0, config)
    assert Counter(q.question_type for q in questions) == {tasks.OBJECT_SIZE: 2, tasks.REL_DIRECTION_HARD: 3}
    assert [q.question_type for q in questions] == [tasks.OBJECT_SIZE] * 2 + [tasks.REL_DIRECTION_HARD] * 3
    assert generate_questions(room, 0, QuestionGenConfig(tasks=tasks.VSI_TASKS)) == [
        q for q in generate_questions(room, 0) if q.question_type != tasks.PERSPECTIVE_DIRECTION
    ]
    with pytest.raises(ValidationError, match="tasks"):
        QuestionGenConfig(tasks=("object_teleportation",))
    with pytest.raises(ValidationError, match="max_per_task"):
        QuestionGenConfig(max_per_task={tasks.COUNTING: -1})


# -- what a code cannot support ------------------------------------------------------------
def test_empty_and_partial_scenes():
    assert generate_questions(SpatialCode(), 0) == []
    only_room = generate_questions(SpatialCode(room=Room(area=12.34), source=Source(scene_name="bare")), 0)
    assert [(q.question_type, q.ground_truth, q.dataset, q.id) for q in only_room] == [
        (tasks.ROOM_SIZE, "12.3", "synthetic", "bare-0")
    ]
    untimed = generate_questions(room_scene(timed=False), 0)
    assert untimed and tasks.APPEARANCE_ORDER not in {q.question_type for q in untimed}
    boxes_only = SpatialCode(objects=room_scene().objects)  # no room, no source
    kinds = {q.question_type for q in generate_questions(boxes_only, 0)}
    assert tasks.ROOM_SIZE not in kinds and tasks.COUNTING in kinds
    assert all(q.scene_name == "scene" for q in generate_questions(boxes_only, 0))


def test_declared_counts_decide_counting_and_uniqueness():
    code = room_scene()
    declared = SpatialCode(objects=code.objects, room=code.room, source=code.source,
                           object_counts={**{label: code.count(label) for label in code.labels}, "sofa": 2, "shower": 3})
    questions = generate_questions(declared, 0, QuestionGenConfig(max_per_task={t: 40 for t in tasks.ALL_TASKS}))
    counted = {q.question.split("How many ")[1].split("(s)")[0]: q.ground_truth for q in questions if q.question_type == tasks.COUNTING}
    assert counted == {"chair": "3", "pillow": "2", "sofa": "2", "shower": "3"}
    assert not any("sofa" in q.question for q in questions if q.question_type != tasks.COUNTING)


# -- perspective taking (extension task) ---------------------------------------------------
@pytest.mark.parametrize(("yaw", "side", "quadrant"), [(0, "left", "front-left"), (90, "right", "front-right")])
def test_perspective_answers_by_hand(yaw, side, quadrant):
    """A chair at the origin facing +x (yaw 0) or +y (yaw 90); a lamp at (2, 1)."""
    code = SpatialCode(objects=(
        SpatialObject(0, "chair", Box3D((0, 0, 0.45), (0.5, 0.5, 0.9), (0, 0, math.radians(yaw))), first_seen=0.0),
        SpatialObject(1, "lamp", Box3D((2, 1, 0.8), (0.3, 0.3, 1.6)), first_seen=1.0),
    ))
    config = QuestionGenConfig(tasks=(tasks.PERSPECTIVE_DIRECTION,))
    questions = generate_questions(code, 0, config)
    assert {q.question for q in questions} == {
        "From the chair's point of view (facing where it faces), is the lamp to its left or right?",
        "From the chair's point of view (facing where it faces), is the lamp to its front-left, front-right, back-left, or back-right?",
    }
    for q in questions:
        truth = next(o.split(". ", 1)[1] for o in q.options if o.startswith(q.ground_truth + "."))
        assert truth == (side if len(q.options) == 2 else quadrant)
        assert q.question_type == tasks.PERSPECTIVE_DIRECTION


def test_perspective_only_for_objects_with_a_front(room, many):
    anchors = {parse_question(q.question, q.options).anchor for q in many if q.question_type == tasks.PERSPECTIVE_DIRECTION}
    assert anchors and anchors <= {"sofa", "tv", "bookshelf", "desk", "monitor", "cabinet", "door"}
    narrow = QuestionGenConfig(tasks=(tasks.PERSPECTIVE_DIRECTION,), perspective_levels=("quadrant",))
    only_tv = room.with_objects(replace(o, has_front=o.label == "tv") for o in room.objects)  # the code says who has a front
    questions = generate_questions(only_tv, 0, narrow)
    assert questions and all(q.question.startswith("From the tv's") and len(q.options) == 4 for q in questions)
    annotated = SpatialCode(objects=room.objects, provenance=Provenance(producer="vsibench-meta"))  # box axes carry no front
    assert generate_questions(annotated, 0, QuestionGenConfig(tasks=(tasks.PERSPECTIVE_DIRECTION,))) == []


# -- distractors ---------------------------------------------------------------------------
@pytest.mark.parametrize(("gt", "decimals"), [(2.3, 1), (0.4, 1), (213.0, 0), (17.5, 1), (5.0, 0), (1.23456, None)])
def test_numeric_choices(gt, decimals):
    rng = np.random.default_rng(0)
    for _ in range(20):
        values = numeric_choices(gt, rng, decimals=decimals)
        assert len(values) == 3
        for i, v in enumerate(values):
            assert 0.25 * gt - 1e-9 <= v <= 1.75 * gt + 1e-9
            assert all(abs(v - w) >= 0.2 * gt * (1 - 1e-9) for w in [gt, *values[:i], *values[i + 1:]])
            if decimals == 0:
                assert v == int(v)


def test_numeric_choices_impossible_cases():
    with pytest.raises(ValueError):
        numeric_choices(2, np.random.default_rng(0), decimals=0)  # only 1 and 3 are in range
    with pytest.raises(ValueError):
        numeric_choices(0.0, np.random.default_rng(0))


def test_numeric_choice_variant(room):
    size = next(q for q in generate_questions(room, 0) if q.question_type == tasks.OBJECT_SIZE)
    record = numeric_choice_variant(size, np.random.default_rng(0))
    assert len(record["options"]) == 4 and record["ground_truth_value"] == size.ground_truth
    assert f"{record['ground_truth']}. {size.ground_truth}" in record["options"]
    placed = numeric_choice_variant(size, np.random.default_rng(0), index=2)
    assert placed["ground_truth"] == "C"
    with pytest.raises(ValueError):
        numeric_choice_variant(next(q for q in generate_questions(room, 0) if q.options), np.random.default_rng(0))


def test_option_helpers():
    rng = np.random.default_rng(0)
    orders = order_distractors(["a", "b", "c", "d"], rng)
    assert len(orders) == 3 and ["a", "b", "c", "d"] not in orders and len({tuple(o) for o in orders}) == 3
    assert sorted(map(tuple, turn_distractors(["left"], rng))) == [("back",), ("right",)]
    assert len(turn_distractors(["left", "back"], rng)) == 3
    balancer = LetterBalancer()
    for _ in range(9):
        balancer.commit(3, balancer.pick(3, rng))
    assert balancer.counts[3] == [3, 3, 3]
