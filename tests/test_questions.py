"""VSI-Bench wording → typed queries, for every template, plus unknown wording."""

from __future__ import annotations

import json
import time

import pytest

from spatialcode import tasks
from spatialcode.questions.labels import resolve_label
from spatialcode.questions.query import (
    AbsDistanceQuery,
    AppearanceOrderQuery,
    CountQuery,
    ObjectSizeQuery,
    Option,
    PerspectiveDirectionQuery,
    RelDirectionQuery,
    RelDistanceQuery,
    RoomSizeQuery,
    RoutePlanQuery,
    RouteStep,
    UnrecognisedQuery,
)
from spatialcode.questions.vsibench import parse_options, parse_question
from tests.fixtures import DEV_DATA, dev_data

STANDING = "If I am standing by the washing machine and facing the trash bin, "
HARD_TAIL = (
    "is the coat rack to my front-left, front-right, back-left, or back-right?\nThe directions refer to the quadrants of a "
    "Cartesian plane (if I am standing at the origin and facing along the positive y-axis)."
)
MEDIUM_TAIL = "is the tv to my left, right, or back?\nAn object is to my back if I would have to turn at least 120 degrees in order to face it."
ROUTE = (
    "You are a robot beginning at the black chair next to the trash bin and facing the table. You want to navigate to the "
    "black sofa. You will perform the following actions (Note: for each [please fill in], choose either 'turn back,' "
    "'turn left,' or 'turn right.'): 1. Go forward until the refridgerator. 2. [please fill in] 3. Go forward until the "
    "black sofa. You have reached the final destination."
)


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("How many trash bin(s) are in this room?", None, CountQuery("trash bin")),
        ("How many chairs are in the room?", None, CountQuery("chairs")),
        (
            "Measuring from the closest point of each object, what is the distance between the coat rack and the tv (in meters)?",
            None,
            AbsDistanceQuery("coat rack", "tv", "m"),
        ),
        (
            "What is the length of the longest dimension (length, width, or height) of the computer mouse, measured in centimeters?",
            None,
            ObjectSizeQuery("computer mouse", "cm"),
        ),
        (
            "What is the size of this room (in square meters)? \nIf multiple rooms are shown, estimate the size of the combined space.",
            None,
            RoomSizeQuery(),
        ),
        (
            "Measuring from the closest point of each object, which of these objects (chair, trash can, stove, sofa) is the closest to the tv?",
            ["A. chair", "B. trash can", "C. stove", "D. sofa"],
            RelDistanceQuery(
                "tv", ("chair", "trash can", "stove", "sofa"), False,
                (Option("A", "chair"), Option("B", "trash can"), Option("C", "stove"), Option("D", "sofa")),
            ),
        ),
        (
            STANDING + "is the table lamp to the left or the right of the trash bin?",
            ["A. left", "B. right"],
            RelDirectionQuery("washing machine", "trash bin", "table lamp", "easy", 135.0,
                              (Option("A", "left"), Option("B", "right")), tasks.REL_DIRECTION_EASY),
        ),
        (
            STANDING + MEDIUM_TAIL,
            ["A. back", "B. right", "C. left"],
            RelDirectionQuery("washing machine", "trash bin", "tv", "medium", 120.0,
                              (Option("A", "back"), Option("B", "right"), Option("C", "left")), tasks.REL_DIRECTION_MEDIUM),
        ),
        (
            STANDING + HARD_TAIL,
            ["A. back-right", "B. back-left", "C. front-right", "D. front-left"],
            RelDirectionQuery(
                "washing machine", "trash bin", "coat rack", "hard", 135.0,
                (Option("A", "back-right"), Option("B", "back-left"), Option("C", "front-right"), Option("D", "front-left")),
                tasks.REL_DIRECTION_HARD,
            ),
        ),
        (
            "What will be the first-time appearance order of the following categories in the video: laptop, trash bin, shoes, basket?",
            ["A. laptop, trash bin, shoes, basket", "B. basket, shoes, laptop, trash bin"],
            AppearanceOrderQuery(
                ("laptop", "trash bin", "shoes", "basket"),
                (Option("A", "laptop, trash bin, shoes, basket"), Option("B", "basket, shoes, laptop, trash bin")),
            ),
        ),
    ],
)
def test_templates_parse_to_typed_queries(text, options, expected):
    assert parse_question(text, options, expected.task) == expected
    assert parse_question(text, options) == expected  # the wording alone identifies the task


def test_route_plan_parses_steps_and_landmarks():
    query = parse_question(ROUTE, ["A. Turn Right", "B. Turn Left", "C. Turn Back"], tasks.ROUTE_PLANNING)
    assert isinstance(query, RoutePlanQuery)
    assert (query.start, query.facing, query.goal) == ("black chair next to the trash bin", "table", "black sofa")
    assert query.steps == (RouteStep("forward", "refridgerator"), RouteStep("turn"), RouteStep("forward", "black sofa"))
    assert query.turn_count == 1 and not query.facing_away
    away = parse_question(
        ROUTE.replace("beginning at the black chair next to the trash bin and facing the table", "beginning by the fridge, with your back to the fridge"),
        ["A. Turn Right"],
    )
    assert isinstance(away, RoutePlanQuery) and away.facing_away and away.start == "fridge"


def test_unknown_wording_is_a_result_not_an_exception():
    query = parse_question("How tall is the ceiling?")
    assert isinstance(query, UnrecognisedQuery) and query.reason == "unrecognised question"
    mismatch = parse_question("How many chair(s) are in this room?", question_type=tasks.ROOM_SIZE)
    assert isinstance(mismatch, UnrecognisedQuery) and "object_counting" in mismatch.reason
    no_options = parse_question(STANDING + "is the tv to the left or the right of the trash bin?")
    assert isinstance(no_options, UnrecognisedQuery) and "needs its options" in no_options.reason


PERSPECTIVE = "From the sofa's point of view (facing where it faces), is the floor lamp to its "


def test_perspective_template_parses_to_its_extension_task():
    lr = parse_question(PERSPECTIVE + "left or right?", ["A. left", "B. right"], tasks.PERSPECTIVE_DIRECTION)
    assert lr == PerspectiveDirectionQuery("sofa", "floor lamp", "left-right", (Option("A", "left"), Option("B", "right")))
    quad = parse_question(PERSPECTIVE + "front-left, front-right, back-left, or back-right?", ["A. back-left", "B. front-left"])
    assert isinstance(quad, PerspectiveDirectionQuery) and quad.level == "quadrant" and quad.task == tasks.PERSPECTIVE_DIRECTION
    assert parse_question("From the tv's perspective, is the bed to its left or right?", ["A. left", "B. right"]).anchor == "tv"
    assert isinstance(parse_question(PERSPECTIVE + "left or right?"), UnrecognisedQuery)  # multiple choice needs options
    wrong_type = parse_question(PERSPECTIVE + "left or right?", ["A. left", "B. right"], tasks.REL_DIRECTION_EASY)
    assert isinstance(wrong_type, UnrecognisedQuery)
    # an extension task: a valid question_type, multiple choice, never one of the 8 scored VSI tasks
    assert tasks.check_task(tasks.PERSPECTIVE_DIRECTION) == tasks.PERSPECTIVE_DIRECTION
    assert tasks.is_multiple_choice(tasks.PERSPECTIVE_DIRECTION) and tasks.is_extension(tasks.PERSPECTIVE_DIRECTION)
    assert tasks.PERSPECTIVE_DIRECTION not in tasks.SCORED_TASKS and tasks.PERSPECTIVE_DIRECTION not in tasks.VSI_TASKS
    assert len(tasks.VSI_TASKS) == 10 and set(tasks.ALL_TASKS) == {*tasks.VSI_TASKS, tasks.PERSPECTIVE_DIRECTION}


def test_options_in_several_spellings():
    assert parse_options(["A. left", "(B) right", "C) back", "front"]) == (
        Option("A", "left"), Option("B", "right"), Option("C", "back"), Option("D", "front"),
    )


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("chair", "chair"),
        ("chairs", "chair"),
        ("trash can", "trash bin"),
        ("refridgerator", "refrigerator"),
        ("black chair next to the trash bin", "chair"),
        ("headphone on the table opposite", "headphones"),
        ("coat rack", "coat hanger"),
        ("table lamp", "table lamp"),
        ("lamps", "lamp"),
        ("foot of the bed", None),
        ("wall", None),
    ],
)
def test_resolve_label(phrase, expected):
    labels = ["chair", "trash bin", "table", "refrigerator", "headphones", "tv", "coat hanger", "door", "table lamp", "lamp"]
    assert resolve_label(phrase, labels) == expected


DEV_QUESTIONS = DEV_DATA / "questions.jsonl"


def test_every_dev_question_parses():
    """Every question of the dev half parses into a typed query of its own task (all 2,714 of them)."""
    dev_data(DEV_QUESTIONS, "questions")
    rows = [json.loads(line) for line in DEV_QUESTIONS.read_text().splitlines() if line.strip()]
    assert len(rows) == 2714
    unparsed = []
    for row in rows:
        query = parse_question(row["question"], row["options"], row["question_type"])
        if isinstance(query, UnrecognisedQuery) or query.task != row["question_type"]:
            unparsed.append((row["id"], getattr(query, "reason", query.task)))
    assert unparsed == []


def _repeat(piece: str, chars: int) -> str:
    return (piece * (chars // len(piece) + 1))[:chars]


@pytest.mark.parametrize(
    ("opening", "piece", "chars"),
    [
        # each template's delimiter repeated and its ending missing: the shapes backtracking blows up on
        # (before: from ~3 s to ~30 s each here, growing with the square or the cube of the length)
        ("What is the distance between the ", "x and the ", 40_000),
        ("If I am standing by the ", "a and facing the b, is the ", 8_000),
        ("You are a robot beginning at the ", "a, facing the b. you want to navigate to the ", 8_000),
        ("From the ", "a's point of view, is the ", 80_000),
    ],
)
def test_long_questions_parse_in_linear_time(opening, piece, chars):
    start = time.perf_counter()
    assert isinstance(parse_question(opening + _repeat(piece, chars) + " (in meters) nope"), UnrecognisedQuery)
    assert time.perf_counter() - start < 1.0


def test_a_long_phrase_resolves_in_linear_time_to_its_head_noun():
    # the head noun spans the most words of any label: a bound one word short would fall back to the
    # earliest label named ("chair"); before, trying every suffix of 60,000 characters took ~10 s
    phrase = "chair " + _repeat("very ", 60_000) + " small round side table"
    start = time.perf_counter()
    assert resolve_label(phrase, ["chair", "small round side table"]) == "small round side table"
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(("phrase", "labels", "label"), [
    ("bookshelf", ["bookshelves"], "bookshelves"), ("bookshelves", ["bookshelf"], "bookshelf"),
    ("shelf", ["shelves"], "shelves"), ("shelves", ["shelf"], "shelf"), ("chairs", ["chair"], "chair"),
])
def test_plurals_in_f_and_ves_resolve(phrase, labels, label):
    from spatialcode.questions.labels import resolve_label

    assert resolve_label(phrase, labels) == label


def test_code_labels_name_boxes_and_counted_labels_without_boxes():
    # one helper serves the solver, the tools and the prompts: "trash can" finds the two trash-bin
    # boxes by the vocabulary; "chairs" resolves to the label the source only counted, which names
    # no box (not to the armchair's boxes); a phrase naming nothing gives no boxes
    from spatialcode.geometry.box import Box3D
    from spatialcode.questions.labels import CodeLabels
    from spatialcode.scene import SpatialCode, SpatialObject

    bins = [SpatialObject(i, "trash bin", Box3D((float(i), 0.0, 0.2), (0.3, 0.3, 0.4))) for i in (1, 2)]
    armchair = SpatialObject(3, "armchair", Box3D((0.0, 2.0, 0.4), (0.8, 0.8, 0.8)))
    labels = CodeLabels(SpatialCode(objects=(bins[0], armchair, bins[1]), object_counts={"chair": 2}))
    assert labels.labels == ("trash bin", "armchair", "chair")
    assert labels.objects("the trash can") == bins
    assert labels.label("chairs") == "chair"
    assert labels.objects("chairs") == []
    assert labels.objects("armchair") == [armchair]
    assert labels.label("piano") is None and labels.objects("piano") == []
