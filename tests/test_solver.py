"""The exact solver on a hand-built scene whose answers are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from spatialcode.geometry.box import Box3D
from spatialcode.reason.directions import (
    bearing_deg,
    left_right_or_back,
    quadrant,
    turn_between,
)
from spatialcode.reason.solver import Solver, SolverConfig
from spatialcode.scene import Room, SpatialCode, SpatialObject

STAND = "If I am standing by the sofa and facing the tv, "
EASY = ["A. left", "B. right"]
MEDIUM = ["A. left", "B. right", "C. back"]
HARD = ["A. front-left", "B. front-right", "C. back-left", "D. back-right"]
MEDIUM_TAIL = "to my left, right, or back?\nAn object is to my back if I would have to turn at least 135 degrees in order to face it."
HARD_TAIL = "to my front-left, front-right, back-left, or back-right?\nThe directions refer to the quadrants of a Cartesian plane."


def ask(code: SpatialCode, question: str, options=None, **config):
    return Solver(SolverConfig(**config) if config else None).answer_question(code, question, options)


def test_bearing_is_counter_clockwise_from_forward():
    o, f = np.zeros(3), np.array([0.0, 1.0, 0.0])
    assert bearing_deg(o, f, np.array([-1.0, 0.0, 0.0])) == pytest.approx(90.0)   # left
    assert bearing_deg(o, f, np.array([1.0, 0.0, 5.0])) == pytest.approx(270.0)   # right; z ignored
    assert left_right_or_back(134.9) == "left" and left_right_or_back(135.0) == "back"
    assert left_right_or_back(224.9) == "back" and left_right_or_back(225.0) == "right"
    assert [quadrant(a) for a in (10, 100, 190, 280)] == ["front-left", "back-left", "back-right", "front-right"]
    assert turn_between(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == ("left", pytest.approx(90.0))
    with pytest.raises(ValueError):
        bearing_deg(o, o, f)


def test_numeric_tasks(cross_scene):
    assert ask(cross_scene, "How many chair(s) are in this room?").prediction == "2"
    assert ask(cross_scene, "How many piano(s) are in this room?").prediction == "0"
    size = "What is the length of the longest dimension (length, width, or height) of the sofa, measured in centimeters?"
    assert ask(cross_scene, size).prediction == "50"
    assert ask(cross_scene, size.replace("centimeters", "meters")).prediction == "0.5"
    dist = "Measuring from the closest point of each object, what is the distance between the sofa and the tv (in meters)?"
    answer = ask(cross_scene, dist)  # 3.5 m apart in y, 0.1 m in z (sofa top 0.65, tv bottom 0.75)
    assert answer.prediction == "3.5" and answer.value == pytest.approx(np.hypot(3.5, 0.1))
    assert any("closest points" in step for step in answer.derivation)
    assert ask(cross_scene, dist, decimals={"m": None}).prediction == repr(float(np.hypot(3.5, 0.1)))
    # several instances: minimum over pairs (chairs at x = −3 and x = +3, lamp at (−2, 2))
    chair_lamp = dist.replace("sofa", "chair").replace("tv", "lamp")
    assert ask(cross_scene, chair_lamp).value == pytest.approx(np.hypot(0.5, 2.0))
    room = "What is the size of this room (in square meters)?"
    assert ask(cross_scene, room).prediction == "72.0"


def test_missing_objects_say_so(cross_scene):
    dist = "Measuring from the closest point of each object, what is the distance between the sofa and the shower (in meters)?"
    answer = ask(cross_scene, dist, estimate_missing=False)
    assert answer.prediction == "" and answer.cannot_answer == "cannot answer: no box for 'shower'" and not answer.fallback
    estimate = ask(cross_scene, dist)  # a number estimated without the shower's box: said, and marked fallback
    assert estimate.prediction and estimate.fallback and estimate.cannot_answer == "cannot answer: no box for 'shower'"
    size = "What is the length of the longest dimension (length, width, or height) of the shower, measured in centimeters?"
    assert ask(cross_scene, size).prediction == "" and ask(cross_scene, size).cannot_answer == "cannot answer: no box for 'shower'"
    no_room = SpatialCode(objects=cross_scene.objects)
    estimated = ask(no_room, "What is the size of this room (in square meters)?")  # estimated, and said so
    assert estimated.cannot_answer is None and "no room in the code" in estimated.derivation[0]
    unknown = ask(cross_scene, "How tall is the ceiling?")
    assert unknown.cannot_answer == "cannot answer: unrecognised question" and unknown.prediction == ""


def test_relative_distance(cross_scene):
    q = "Measuring from the closest point of each object, which of these objects (sofa, lamp, door, trash bin) is the closest to the tv?"
    options = ["A. sofa", "B. lamp", "C. door", "D. trash bin"]
    assert ask(cross_scene, q, options).prediction == "B"
    assert ask(cross_scene, q.replace("closest to", "farthest from"), options).prediction == "D"
    missing = ask(cross_scene, q.replace("door", "shower"), ["A. sofa", "B. lamp", "C. shower", "D. trash bin"])
    assert missing.fallback and missing.cannot_answer == "cannot answer: no box for 'shower'"
    assert missing.prediction == "B"  # the closest among the boxed candidates
    no_fallback = ask(cross_scene, q.replace("door", "shower"), ["A. sofa", "B. lamp", "C. shower", "D. trash bin"], fallback=False)
    assert no_fallback.prediction == "" and not no_fallback.fallback


@pytest.mark.parametrize(
    ("querying", "easy", "medium", "hard"),
    [
        ("lamp", "A", "A", "A"),     # 45°: front-left
        ("plant", "B", "B", "B"),    # 315°: front-right
        ("door", "A", "C", "C"),     # 135°: back-left, and back (turn ≥ 135°)
        ("window", "B", "B", "D"),   # 225°: back-right, but right (back needs < 225°)
        ("trash bin", "B", "C", "D"),  # 180°: straight back; easy by the cross-product sign (0 → right)
    ],
)
def test_relative_direction(cross_scene, querying, easy, medium, hard):
    assert ask(cross_scene, STAND + f"is the {querying} to the left or the right of the tv?", EASY).prediction == easy
    assert ask(cross_scene, STAND + f"is the {querying} {MEDIUM_TAIL}", MEDIUM).prediction == medium
    assert ask(cross_scene, STAND + f"is the {querying} {HARD_TAIL}", HARD).prediction == hard


def test_relative_direction_uses_the_answer_letters_as_given(cross_scene):
    shuffled = ["A. back", "B. left", "C. right"]
    assert ask(cross_scene, STAND + f"is the lamp {MEDIUM_TAIL}", shuffled).prediction == "B"


ROUTE = (
    "You are a robot beginning at the sofa and facing the tv. You want to navigate to the chair. You will perform the "
    "following actions (Note: for each [please fill in], choose either 'turn back,' 'turn left,' or 'turn right.'): "
    "1. [please fill in] 2. Go forward until the lamp 3. [please fill in] 4. Go forward until the chair. "
    "You have reached the final destination."
)
ROUTE_OPTIONS = ["A. Turn Right, Turn Left", "B. Turn Left, Turn Left", "C. Turn Back, Turn Left", "D. Turn Left, Turn Right"]


def test_route_planning(cross_scene):
    answer = ask(cross_scene, ROUTE, ROUTE_OPTIONS)
    assert answer.prediction == "B" and answer.answered
    # an unknown landmark: the first turn is still known, so the prior keeps only consistent options
    partial = ask(cross_scene, ROUTE.replace("until the chair", "until the wall"), ROUTE_OPTIONS)
    assert partial.fallback and partial.cannot_answer == "cannot answer: no box for 'wall'"
    assert partial.prediction == "B"


def test_appearance_order(cross_scene):
    q = "What will be the first-time appearance order of the following categories in the video: tv, sofa, lamp, door?"
    options = ["A. tv, sofa, lamp, door", "B. door, tv, sofa, lamp", "C. sofa, door, tv, lamp", "D. lamp, tv, door, sofa"]
    assert ask(cross_scene, q, options).prediction == "B"
    untimed = ask(cross_scene, q.replace("lamp", "chair"), [o.replace("lamp", "chair") for o in options])
    # chair has no first_seen: the option agreeing with the order of the other three (door, tv, sofa) — B
    assert untimed.fallback and untimed.prediction == "B" and "consistent" in untimed.derivation[-1]
    assert untimed.cannot_answer == "cannot answer: no first_seen for 'chair'"
    # only one of the four known: nothing to order, the uninformed first option
    lone = ask(cross_scene, q.replace("lamp", "chair").replace("sofa", "piano").replace("tv", "harp"),
               ["A. harp, piano, chair, door", "B. door, harp, piano, chair"])
    assert lone.prediction == "A" and "uninformed" in lone.derivation[-1]
    assert lone.cannot_answer == "cannot answer: no box for 'harp'; no box for 'piano'; no first_seen for 'chair'"


def test_counted_objects_without_boxes(cross_scene):
    code = SpatialCode(objects=cross_scene.objects, object_counts={"shower": 1, "chair": 3})
    assert ask(code, "How many shower(s) are in this room?").prediction == "1"
    assert ask(code, "How many chair(s) are in this room?").prediction == "3"  # declared count wins
    dist = "Measuring from the closest point of each object, what is the distance between the sofa and the shower (in meters)?"
    assert ask(code, dist).cannot_answer == "cannot answer: no box for 'shower'" and ask(code, dist).fallback


PERSPECTIVE = "From the sofa's point of view (facing where it faces), is the {} to its "
QUADRANT_OPTIONS = ["A. front-left", "B. front-right", "C. back-left", "D. back-right"]


@pytest.mark.parametrize(
    ("yaw_deg", "target", "side", "quadrant_letter"),
    [
        # the sofa at the origin faces +x (yaw 0): +y is its left
        (0, "lamp", "A", "C"),       # (−2, 2): bearing 135° → left, back-left
        (0, "plant", "A", "A"),      # (2, 2): 45° → left, front-left
        (0, "window", "B", "B"),     # (2, −2): 315° → right, front-right
        (0, "door", "B", "D"),       # (−2, −2): 225° → right, back-right
        # turned to face +y (yaw 90): +x is now its right
        (90, "lamp", "A", "A"),      # 45° → left, front-left
        (90, "plant", "B", "B"),     # 315° → right, front-right
        (90, "window", "B", "D"),    # 225° → right, back-right
        (90, "door", "A", "C"),      # 135° → left, back-left
    ],
)
def test_perspective_direction(cross_scene, yaw_deg, target, side, quadrant_letter):
    sofa = cross_scene.objects_with_label("sofa")[0]
    turned = SpatialObject(sofa.id, "sofa", Box3D(sofa.box.center, sofa.box.size, (0.0, 0.0, np.radians(yaw_deg))), sofa.first_seen)
    code = cross_scene.with_objects([turned if o.id == sofa.id else o for o in cross_scene.objects])
    left_right = ask(code, PERSPECTIVE.format(target) + "left or right?", EASY)
    assert left_right.prediction == side and left_right.answered
    assert any("faces" in step for step in left_right.derivation)
    quad = PERSPECTIVE.format(target) + "front-left, front-right, back-left, or back-right?"
    assert ask(code, quad, QUADRANT_OPTIONS).prediction == quadrant_letter


def test_perspective_direction_without_a_horizontal_front(cross_scene):
    sofa = cross_scene.objects_with_label("sofa")[0]
    tipped = SpatialObject(sofa.id, "sofa", Box3D(sofa.box.center, sofa.box.size, (0.0, np.pi / 2, 0.0)))  # +x points down
    code = cross_scene.with_objects([tipped if o.id == sofa.id else o for o in cross_scene.objects])
    answer = ask(code, PERSPECTIVE.format("lamp") + "left or right?", EASY, fallback=False)
    assert answer.prediction == "" and "no horizontal front" in answer.cannot_answer
    missing = ask(cross_scene, PERSPECTIVE.format("piano") + "left or right?", EASY, fallback=False)
    assert missing.cannot_answer == "cannot answer: no box for 'piano'"


# --------------------------------------------------------------------------------------------
# One hand-built case per branch a planted bug went through unnoticed (answers worked out by hand)
# --------------------------------------------------------------------------------------------


def _box(i: int, label: str, x: float, y: float, size=(0.5, 0.5, 0.5), first_seen: float | None = None) -> SpatialObject:
    return SpatialObject(i, label, Box3D((x, y, size[2] / 2), size), first_seen)


def test_sizes_and_directions_use_the_first_seen_of_several_instances():
    """Two chairs, listed late one first: the code keeps objects in first-appearance order and the
    solver measures the first-seen chair (id 1, seen at 1 s: 0.8 m) — not the other (id 0, 5 s:
    1.2 m). Standing by the first-seen chair at (0, 0) facing the tv at (0, 4), the lamp at
    (−2, 2) is on the left: forward (0, 4) × to-lamp (−2, 2) = 0·2 − 4·(−2) = 8 > 0. From the other
    chair at (0, 6) it would be on the right: (0, −2) × (−2, −4) = 0·(−4) − (−2)·(−2) = −4 < 0."""
    code = SpatialCode(objects=(
        _box(0, "chair", 0.0, 6.0, (1.2, 0.5, 0.9), first_seen=5.0),
        _box(1, "chair", 0.0, 0.0, (0.8, 0.5, 0.7), first_seen=1.0),
        _box(2, "tv", 0.0, 4.0, (1.0, 0.1, 0.6), first_seen=2.0),
        _box(3, "lamp", -2.0, 2.0, first_seen=3.0),
    ))
    size = "What is the length of the longest dimension (length, width, or height) of the chair, measured in centimeters?"
    assert ask(code, size).prediction == "80"
    direction = "If I am standing by the chair and facing the tv, is the lamp to the left or the right of the tv?"
    assert ask(code, direction, EASY).prediction == "A"


def test_a_route_begun_with_ones_back_to_an_object_heads_away_from_it():
    """Start at the sofa (0, 0) with one's back to the tv (0, 4): heading (0, −4), south. The lamp
    at (3, 0) is east: from south, east is a quarter turn counter-clockwise — turn left (facing
    the tv it would be turn right). At the lamp, heading east, the chair at (3, 3) is north:
    another quarter turn counter-clockwise — turn left."""
    code = SpatialCode(objects=(_box(0, "sofa", 0, 0, first_seen=0.0), _box(1, "tv", 0, 4, first_seen=1.0),
                                _box(2, "lamp", 3, 0, first_seen=2.0), _box(3, "chair", 3, 3, first_seen=3.0)))
    route = ROUTE.replace("at the sofa and facing the tv", "at the sofa with your back to the tv")
    options = ["A. Turn Right, Turn Left", "B. Turn Left, Turn Left", "C. Turn Back, Turn Right", "D. Turn Left, Turn Right"]
    answer = ask(code, route, options)
    assert answer.prediction == "B" and answer.answered
    assert ask(code, route.replace("with your back to the tv", "and facing the tv"), options).prediction == "A"


def test_an_appearance_order_missing_from_the_options_takes_the_option_agreeing_on_most_pairs(cross_scene):
    """First seen: door 0 s, tv 0.5 s, sofa 1 s, lamp 2 s — the order door, tv, sofa, lamp is not
    offered. Of the 6 pairs each option orders as the truth does: A (lamp, sofa, tv, door) 0;
    B (tv, door, sofa, lamp) 5 — all but door/tv; C (door, lamp, tv, sofa) 4 — not tv/lamp nor
    sofa/lamp; D (sofa, tv, lamp, door) 2 — tv/lamp and sofa/lamp. So B."""
    q = "What will be the first-time appearance order of the following categories in the video: tv, sofa, lamp, door?"
    options = ["A. lamp, sofa, tv, door", "B. tv, door, sofa, lamp", "C. door, lamp, tv, sofa", "D. sofa, tv, lamp, door"]
    answer = ask(cross_scene, q, options)
    assert answer.prediction == "B" and answer.value == "door, tv, sofa, lamp" and not answer.fallback
    assert any("not an option" in step for step in answer.derivation)


def test_room_size_without_a_room_is_estimated_from_the_objects_hull():
    """Worked by hand: unit boxes at (0, 0), (4, 0) and (0, 3): their footprints' hull has the
    corners (−0.5, −0.5), (4.5, −0.5), (4.5, 0.5), (0.5, 3.5), (−0.5, 3.5) — 14.0 m² by the
    shoelace formula."""
    from spatialcode.reason.solver import Solver, SolverConfig

    boxes = [Box3D((x, y, 0.5), (1.0, 1.0, 1.0)) for x, y in ((0, 0), (4, 0), (0, 3))]
    code = SpatialCode(objects=tuple(SpatialObject(i, "box", b) for i, b in enumerate(boxes)))
    question = "What is the size of this room (in square meters)? If multiple rooms are shown, estimate the size of the combined space."
    answer = Solver().answer_question(code, question)
    assert answer.prediction == "14.0" and "hull" in " ".join(answer.derivation)
    off = Solver(SolverConfig(room_from_objects=False)).answer_question(code, question)
    assert off.prediction == "" and "estimating it from the objects is off" in off.cannot_answer
    two = SpatialCode(objects=code.objects[:2])
    assert Solver().answer_question(two, question).cannot_answer == "cannot answer: no room area or floor polygon in the code"
    with_room = SpatialCode(objects=code.objects, room=Room(area=30.0))
    assert Solver().answer_question(with_room, question).prediction == "30.0"


def _row(*placed: tuple[str, float, float]) -> SpatialCode:
    """Unit cubes on the floor: (label, x, y) each."""
    return SpatialCode(objects=tuple(SpatialObject(i, label, Box3D((x, y, 0.5), (1.0, 1.0, 1.0)))
                                     for i, (label, x, y) in enumerate(placed)))


def test_a_distance_to_an_object_without_a_box_is_the_median_distance_to_the_other_objects():
    """Worked by hand: unit cubes along x — table at 0 (and a second table far off at y = 20),
    chair at 3, bed at 5, lamp at 12. Closest-point distances from the tables to the chair, bed
    and lamp: 2, 4, 11 → median 4.0 (the second table is the table's own kind, not an "other"
    object: counted, the median would be 7.5). With neither object boxed, the median over the 10
    pairs of the five objects."""
    code = _row(("table", 0, 0), ("chair", 3, 0), ("bed", 5, 0), ("lamp", 12, 0), ("table", 0, 20))
    q = "Measuring from the closest point of each object, what is the distance between the {} and the {} (in meters)?"
    one = ask(code, q.format("door", "table"))
    assert one.prediction == "4.0" and one.fallback and one.cannot_answer == "cannot answer: no box for 'door'"
    assert any(step.startswith("estimate: median closest-point distance from table") for step in one.derivation)
    # pairs along x: table-chair 2, table-bed 4, table-lamp 11, chair-bed 1, chair-lamp 8,
    # bed-lamp 6; the far table (19 m off in y) to the table 19, to the others √(dx² + 19²)
    far = [19.0, float(np.hypot(2, 19)), float(np.hypot(4, 19)), float(np.hypot(11, 19))]
    both = ask(code, q.format("door", "shower"))
    assert both.value == pytest.approx(float(np.median([2, 4, 11, 1, 8, 6, *far])))
    assert both.cannot_answer == "cannot answer: no box for 'door', 'shower'"
    assert ask(code, q.format("door", "table"), estimate_missing=False).prediction == ""
    alone = _row(("table", 0, 0))
    assert ask(alone, q.format("door", "table")).cannot_answer == "cannot answer: too few other objects in the code to estimate the distance"


def test_the_size_of_an_object_without_a_box_is_its_category_typical_longest_side():
    """A door is 1.95–2.10 m high in the synthetic catalogue (its longest side): typical 2.025 m,
    written in centimetres as the question asks; plural and other names resolve to the category."""
    code = _row(("table", 0, 0))
    q = "What is the length of the longest dimension (length, width, or height) of the {}, measured in centimeters?"
    door = ask(code, q.format("door"))
    assert door.value == pytest.approx(202.5) and door.fallback and door.cannot_answer == "cannot answer: no box for 'door'"
    assert "typical longest side of a door" in door.derivation[0]
    assert ask(code, q.format("doors")).value == pytest.approx(202.5)
    assert ask(code, q.format("door"), estimate_missing=False).prediction == ""
    assert ask(code, q.format("table")).value == pytest.approx(100.0) and not ask(code, q.format("table")).fallback


def test_overlapping_same_label_boxes_are_one_object_when_asked():
    """Hand-worked: chair A (1 × 1 × 1 m at x = 0) and its fragment B (0.5 × 1 × 1 m at x = 0.2:
    all of B's 0.5 m³ inside A), a chair C at x = 7 (3 m from the table), a table at x = 3 (faces at
    2.5 and 3.5).
    Counted as boxes: 3 chairs; with merge_overlapping=0.5: 2 (A and B are one). The more
    confident box stands for a group — B (0.9) over A (none) — so the chair–table distance is
    from A's face at x = 0.5 (2.00 m) as boxes, from B's face at x = 0.45 (2.05 m) merged."""
    from spatialcode.core.errors import ValidationError

    a = SpatialObject(0, "chair", Box3D((0.0, 0.0, 0.5), (1.0, 1.0, 1.0)))
    b = SpatialObject(1, "chair", Box3D((0.2, 0.0, 0.5), (0.5, 1.0, 1.0)), confidence=0.9)
    c = SpatialObject(2, "chair", Box3D((7.0, 0.0, 0.5), (1.0, 1.0, 1.0)))
    table = SpatialObject(3, "table", Box3D((3.0, 0.0, 0.5), (1.0, 1.0, 1.0)))
    code = SpatialCode(objects=(a, b, c, table))
    count = "How many chair(s) are in this room?"
    distance = "Measuring from the closest point of each object, what is the distance between the chair and the table (in meters)?"
    as_boxes = Solver(SolverConfig(decimals={"count": 0, "m": 2}))
    merged = Solver(SolverConfig(decimals={"count": 0, "m": 2}, merge_overlapping=0.5))
    assert as_boxes.answer_question(code, count).prediction == "3"
    assert merged.answer_question(code, count).prediction == "2"
    assert as_boxes.answer_question(code, distance).prediction == "2.00"
    assert merged.answer_question(code, distance).prediction == "2.05"
    # a share the fragment does not reach keeps them apart (B's 0.5 m³ is all inside A: share 1.0)
    assert Solver(SolverConfig(merge_overlapping=1.0)).answer_question(code, count).prediction == "2"
    d = SpatialObject(4, "chair", Box3D((0.8, 0.0, 0.5), (1.0, 1.0, 1.0)))  # shares 0.2 m³ of A's 1 m³
    near = SpatialCode(objects=(a, d, table))
    assert Solver(SolverConfig(merge_overlapping=0.5)).answer_question(near, count).prediction == "2"
    assert Solver(SolverConfig(merge_overlapping=0.15)).answer_question(near, count).prediction == "1"
    with pytest.raises(ValidationError, match="merge_overlapping"):
        SolverConfig(merge_overlapping=1.5)
