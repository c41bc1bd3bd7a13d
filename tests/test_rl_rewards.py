"""The spatial rubric reward for GRPO: format, accuracy and the rubric items (grounding,
perspective, quantities, consistency) scored against a small hand-made scene, their weighted
combination, the TRL calling convention, and clear errors for bad columns and settings."""

from __future__ import annotations

import math

import pytest

from spatialcode.core.config import build_config, config_dict
from spatialcode.core.errors import ValidationError
from spatialcode.geometry.box import Box3D
from spatialcode.rl.columns import RewardRow
from spatialcode.rl.completion import format_score
from spatialcode.rl.config import ITEMS, RewardConfig
from spatialcode.rl.reading import mentions, quantities, stated_sides, stated_turns
from spatialcode.rl.rewards import SpatialRubricReward, accuracy_reward, combine, format_reward, reward_breakdown
from spatialcode.rl.rubric import rubric_breakdown
from spatialcode.scene import Room, Source, SpatialCode, SpatialObject


def scene() -> SpatialCode:
    """Axis-aligned boxes (m). Standing at the sofa (0, 0) facing the tv (0, 4): the lamp
    (-2, 3) is front-left (bearing 33.7°), the table (-2, -1) left (116.6°). Sofa ↔ tv closest
    points: 3.95 − 0.45 = 3.5 m. Route sofa → lamp → tv: turn left, then turn right."""
    def obj(i: int, label: str, centre, size, seen: float) -> SpatialObject:
        return SpatialObject(i, label, Box3D(centre, size), seen)

    return SpatialCode(objects=(
        obj(0, "sofa", (0, 0, 0.4), (2.0, 0.9, 0.8), 1.0),
        obj(1, "tv", (0, 4, 1.0), (1.2, 0.1, 0.7), 2.0),
        obj(2, "lamp", (-2, 3, 0.8), (0.4, 0.4, 1.6), 3.0),
        obj(3, "chair", (2, 2, 0.45), (0.5, 0.5, 0.9), 4.0),
        obj(4, "chair", (2, -2, 0.45), (0.5, 0.5, 0.9), 5.0),
        obj(5, "table", (-2, -1, 0.4), (1.2, 0.8, 0.75), 6.0),
    ), room=Room(area=30.0), source=Source(dataset="test", scene_name="rl"))


CODE = scene().to_json()
QUADRANT_OPTIONS = ["A. front-left", "B. front-right", "C. back-left", "D. back-right"]
ROWS = {
    "dist": dict(question="Measuring from the closest point of each object, what is the distance between the sofa and the tv "
                          "(in meters)?", options=None, question_type="object_abs_distance", ground_truth="3.5"),
    "size": dict(question="What is the length of the longest dimension (length, width, or height) of the sofa, measured in "
                          "centimeters?", options=[], question_type="object_size_estimation", ground_truth="200"),
    "room": dict(question="What is the size of this room (in square meters)? If multiple rooms are shown, estimate the size of "
                          "the combined space.", options=None, question_type="room_size_estimation", ground_truth="30"),
    "hard": dict(question="If I am standing by the sofa and facing the tv, is the lamp to my front-left, front-right, back-left, "
                          "or back-right? The directions refer to the quadrants of a Cartesian plane (if I am standing at the "
                          "origin and facing along the positive y-axis).", options=QUADRANT_OPTIONS,
                 question_type="object_rel_direction_hard", ground_truth="A"),
    "easy": dict(question="If I am standing by the sofa and facing the tv, is the table to the left or the right of the tv?",
                 options=["A. left", "B. right"], question_type="object_rel_direction_easy", ground_truth="A"),
    "route": dict(question="You are a robot beginning at the sofa facing the tv. You want to navigate to the tv. You will "
                           "perform the following actions (Note: for each [please fill in], choose either 'turn back,' 'turn "
                           "left,' or 'turn right.'): 1. [please fill in] 2. Go forward until the lamp. 3. [please fill in] "
                           "4. Go forward until the tv. You have reached the final destination.",
                  options=["A. Turn Left, Turn Right", "B. Turn Right, Turn Left", "C. Turn Back, Turn Left",
                           "D. Turn Left, Turn Back"], question_type="route_planning", ground_truth="A"),
    "order": dict(question="What will be the first-time appearance order of the following categories in the video: tv, lamp, "
                           "sofa?", options=["A. tv, lamp, sofa", "B. sofa, tv, lamp", "C. lamp, sofa, tv", "D. sofa, lamp, tv"],
                  question_type="obj_appearance_order", ground_truth="B"),
}


def row(name: str) -> dict:
    return {**ROWS[name], "code": CODE}


def columns(names: list[str]) -> dict[str, list]:
    """TRL-style keyword columns (one list per column) for the rows ``names``."""
    return {key: [row(n)[key] for n in names] for key in ("question", "options", "question_type", "ground_truth", "code")}


DIST_RIGHT = ("<think>sofa_1 is at (0, 0, 0.4) and tv_1 at (0, 4, 1.0). The closest faces are at 0.45 and 3.95 along y, so "
              "the distance is 3.5 m.</think><answer>3.5</answer>")
HARD_RIGHT = ("<think>I stand at sofa_1 (0, 0, 0.4) facing tv_1 (0, 4, 1.0). lamp_1 is at (-2, 3, 0.8): the cross product is "
              "positive, a bearing of about 34°, so the lamp is to my front-left.</think><answer>A</answer>")
HARD_WRONG = HARD_RIGHT.replace("front-left.</think><answer>A", "front-right.</think><answer>B")
ROUTE_RIGHT = ("<think>Start at sofa_1 facing tv_1. The lamp is ahead on the left, so turn left and walk to the lamp. At the "
               "lamp the tv is to the right, so turn right. Answer: turn left, turn right.</think><answer>A</answer>")
NA = None  # not applicable

# (row, completion, expected items; "reward" with the default weights 0.1/0.5/0.1/0.1/0.1/0.1)
CASES = {
    "distance: all right": ("dist", DIST_RIGHT, dict(format=1.0, accuracy=1.0, grounding=1.0, perspective=NA, quantities=1.0,
                                                    consistency=1.0, reward=1.0)),
    "distance: an invented name (its triple is not checked)": (
        "dist", "<think>sofa_1 is at (0, 0, 0.4) and tv_3 at (0, 4, 1.0), so the distance is 3.5 m.</think><answer>3.5</answer>",
        dict(grounding=2 / 3)),
    "distance: a wrong centre": (
        "dist", "<think>sofa_1 is at (0, 0, 0.4) and tv_1 at (0, 5, 1.0), so the distance is 3.5 m.</think><answer>3.5</answer>",
        dict(grounding=0.75)),
    "distance: a centre within tolerance": (
        "dist", "<think>sofa_1 is at (0, 0, 0.4) and tv_1 at (0.03, 4.04, 1): 3.5 m apart.</think><answer>3.5</answer>",
        dict(grounding=1.0)),
    "distance: sides in another order, in cm": (
        "dist", "<think>tv_1 measures 10 x 120 x 70 cm; the gap to the sofa is 3.5 m.</think><answer>3.5</answer>",
        dict(grounding=1.0, quantities=1.0)),
    "distance: plain labels, one wrong centre": (
        "dist", "<think>The sofa (0, 0, 0.4) and the tv (0, 2, 1.0) are 3.5 m apart.</think><answer>3.5</answer>",
        dict(grounding=0.5)),
    "distance: one quantity wrong, answer off": (
        "dist", "<think>sofa_1 is 2.0 m wide and the gap to tv_1 is 3.0 m.</think><answer>3.0</answer>",
        dict(accuracy=0.8, grounding=1.0, quantities=0.5, consistency=1.0, reward=0.75 / 0.9)),
    "distance: no quantity, no number": (
        "dist", "<think>The sofa and the tv are far apart.</think><answer>3.5</answer>",
        dict(grounding=NA, quantities=0.0, consistency=0.0, reward=0.6 / 0.8)),
    "distance: centre-to-centre is not the distance asked": (
        "dist", "<think>The centres of sofa_1 and tv_1 are 4.0 m apart; the distance is 3.5 m.</think><answer>3.5</answer>",
        dict(quantities=0.5)),
    "distance: answer contradicts the reasoning": (
        "dist", "<think>sofa_1 and tv_1: the distance is 3.5 m.</think><answer>4</answer>",
        dict(accuracy=0.8, quantities=1.0, consistency=0.0)),
    "distance: the reasoning in cm, the answer in m": (
        "dist", "<think>The gap between sofa_1 and tv_1 is 350 cm.</think><answer>3.5</answer>",
        dict(quantities=1.0, consistency=1.0)),
    "distance: unparseable": ("dist", "I do not know.", dict(format=0.0, accuracy=0.0, grounding=NA, quantities=0.0,
                                                             consistency=0.0, reward=0.0)),
    "size: metres in the reasoning, cm in the answer": (
        "size", "<think>sofa_1 has sides 2.0 x 0.9 x 0.8 m; the longest is 2.0 m.</think><answer>200</answer>",
        dict(accuracy=1.0, grounding=1.0, quantities=1.0, consistency=1.0)),
    "size: a number without unit still converts for consistency": (
        "size", "<think>The longest side of sofa_1 is 2.0</think><answer>200</answer>",
        dict(quantities=0.0, consistency=1.0)),
    "room: right area": ("room", "<think>The floor area is 30 m².</think><answer>30</answer>",
                         dict(accuracy=1.0, grounding=NA, perspective=NA, quantities=1.0, consistency=1.0, reward=1.0)),
    "room: wrong area": ("room", "<think>About 25 square meters.</think><answer>25</answer>",
                         dict(accuracy=0.7, quantities=0.0, consistency=1.0)),
    "quadrant: all right": ("hard", HARD_RIGHT, dict(format=1.0, accuracy=1.0, grounding=1.0, perspective=1.0, quantities=1.0,
                                                     consistency=1.0, reward=1.0)),
    "quadrant: wrong side": ("hard", HARD_WRONG, dict(accuracy=0.0, perspective=2 / 3, quantities=1.0, consistency=1.0,
                                                      reward=0.4 + 0.1 * 2 / 3)),
    "quadrant: observer not named": (
        "hard", "<think>lamp_1 is at (-2, 3, 0.8), left of tv_1, so it is front-left.</think><answer>A</answer>",
        dict(grounding=1.0, perspective=2 / 3)),
    "quadrant: centre distances count for directions": (
        "hard", HARD_RIGHT.replace("lamp_1 is at", "lamp_1, 3.6 m from the sofa's centre, is at"), dict(quantities=1.0)),
    "quadrant: wrong bearing": ("hard", HARD_RIGHT.replace("34°", "60 degrees"), dict(quantities=0.0, perspective=1.0)),
    "quadrant: answer is not the reasoning's": ("hard", HARD_RIGHT.replace("<answer>A", "<answer>B"),
                                                dict(accuracy=0.0, consistency=0.0)),
    "quadrant: an earlier sentence weighs another option": (
        "hard", "<think>Is the lamp front-right of me? No: standing at sofa_1 facing tv_1 it has x < 0. So it is front-left."
                "</think><answer>A</answer>", dict(perspective=1.0, consistency=1.0)),
    "quadrant: the last statement names two options": (
        "hard", "<think>Facing the tv from the sofa, the lamp is ahead. It could be front-left or front-right.</think>"
                "<answer>A</answer>", dict(consistency=0.0, perspective=2 / 3)),
    "left/right: right": (
        "easy", "<think>Standing at the sofa facing the tv, table_1 at (-2, -1, 0.4) has a positive cross product, so it is on "
                "the left.</think><answer>A</answer>",
        dict(accuracy=1.0, grounding=1.0, perspective=1.0, quantities=NA, consistency=1.0, reward=1.0)),
    "left/right: wrong": (
        "easy", "<think>Standing at the sofa facing the tv, table_1 at (-2, -1, 0.4) has a negative cross product, so it is on "
                "the right.</think><answer>B</answer>",
        dict(accuracy=0.0, perspective=2 / 3, quantities=NA, consistency=1.0, reward=(0.3 + 0.1 * 2 / 3) / 0.9)),
    "route: right turns": ("route", ROUTE_RIGHT, dict(accuracy=1.0, perspective=1.0, quantities=NA, consistency=1.0, reward=1.0)),
    "route: turns swapped": (
        "route", ROUTE_RIGHT.replace("turn left", "TURN_L").replace("turn right", "turn left").replace("TURN_L", "turn right")
                            .replace("<answer>A", "<answer>B"),
        dict(accuracy=0.0, perspective=2 / 3, consistency=1.0)),
    "route: only the first turn stated": (
        "route", "<think>Start at sofa_1 facing tv_1. First turn left to face the lamp.</think><answer>A</answer>",
        dict(perspective=(1 + 1 + 0.5) / 3, consistency=0.0)),
    "appearance order: no quantities, no observer": (
        "order", "<think>tv_1 first seen at 2.0 s, lamp_1 at 3.0 s, sofa_1 at 1.0 s: sofa, tv, lamp.</think><answer>B</answer>",
        dict(accuracy=1.0, grounding=1.0, perspective=NA, quantities=NA, consistency=1.0, reward=1.0)),
}


@pytest.mark.parametrize(("name", "completion", "expected"), list(CASES.values()), ids=list(CASES))
def test_items_of_realistic_completions(name, completion, expected):
    got = reward_breakdown(completion, row(name))
    assert set(got) == {"format", "accuracy", "grounding", "perspective", "quantities", "consistency", "reward"}
    for item, value in expected.items():
        assert got[item] == (None if value is None else pytest.approx(value)), item
    rubric = rubric_breakdown(completion, row(name))
    assert rubric == {k: got[k] for k in ("grounding", "perspective", "quantities", "consistency")}


def test_chat_message_completions_score_as_their_text():
    chat = [{"role": "assistant", "content": HARD_RIGHT}]
    assert reward_breakdown(chat, row("hard")) == reward_breakdown(HARD_RIGHT, row("hard"))
    parts = [{"role": "assistant", "content": [{"type": "text", "text": DIST_RIGHT}]}]
    assert SpatialRubricReward()([parts], **columns(["dist"])) == [1.0]


def test_trl_convention_one_float_per_completion_extra_kwargs_ignored():
    reward = SpatialRubricReward()
    names = ["dist", "hard", "hard"]
    completions = [DIST_RIGHT, HARD_RIGHT, HARD_WRONG]
    extra = dict(prompts=["p"] * 3, completion_ids=[[1], [2], [3]], trainer_state=object(), id=["a", "b", "c"])
    assert reward.__name__ == "spatial_rubric"
    assert reward(completions, **columns(names), **extra) == pytest.approx([1.0, 1.0, 0.4 + 0.1 * 2 / 3])
    assert format_reward(completions, **columns(names), **extra) == [1.0, 1.0, 1.0]
    assert accuracy_reward([*completions, "<answer>3.0</answer>"], **columns([*names, "dist"]), **extra) == [1.0, 1.0, 0.0, 0.8]
    logged = reward.breakdowns(completions, **columns(names))
    assert [b["perspective"] for b in logged] == [None, 1.0, pytest.approx(2 / 3)]


@pytest.mark.parametrize(("name", "completion", "ungated", "gated"), [
    ("hard", HARD_WRONG, 0.4 + 0.1 * 2 / 3, 0.1),  # a wrong option: format credit only
    ("hard", HARD_RIGHT, 1.0, 1.0),
    ("dist", "<think>sofa_1 is 2.0 m wide and the gap to tv_1 is 3.0 m.</think><answer>3.0</answer>", 0.75 / 0.9, 0.7 / 0.9),
])
def test_gating_scales_rubric_credit_by_accuracy(name, completion, ungated, gated):
    assert reward_breakdown(completion, row(name))["reward"] == pytest.approx(ungated)
    gate = RewardConfig(gate_rubric_on_correct=True)
    assert SpatialRubricReward(gate)([completion], **columns([name])) == [pytest.approx(gated)]


@pytest.mark.parametrize(("items", "weights", "expected"), [
    (dict(format=1.0, accuracy=0.0, grounding=None, perspective=None, quantities=None, consistency=1.0), {}, (0.1 + 0.1) / 0.7),
    (dict(format=0.0, accuracy=1.0, grounding=0.5, perspective=None, quantities=0.0, consistency=0.0),
     dict(format_weight=0, accuracy_weight=1, grounding_weight=1, quantities_weight=0, consistency_weight=0), 0.75),
    (dict(format=1.0, accuracy=1.0, grounding=1.0, perspective=None, quantities=1.0, consistency=1.0),
     # nothing with a weight applies
     dict(format_weight=0, accuracy_weight=0, grounding_weight=0, quantities_weight=0, consistency_weight=0), 0.0),
])
def test_items_not_applicable_drop_out_and_weights_renormalise(items, weights, expected):
    assert combine(items, RewardConfig(**weights)) == pytest.approx(expected)


def test_custom_weights_through_the_callable():
    config = build_config(RewardConfig, dict(format_weight=0, accuracy_weight=1, grounding_weight=0, perspective_weight=3,
                                         quantities_weight=0, consistency_weight=0))
    # distance: perspective does not apply → accuracy alone; quadrant wrong: (0·1 + 3·2/3) / 4
    assert SpatialRubricReward(config)([DIST_RIGHT, HARD_WRONG], **columns(["dist", "hard"])) == [1.0, pytest.approx(0.5)]
    assert build_config(RewardConfig, config_dict(config)) == config


@pytest.mark.parametrize(("settings", "field"), [
    (dict(accuracy_weight=-1), "accuracy_weight"),
    (dict(format_weight=float("nan")), "format_weight"),
    (dict(grounding_weight=True), "grounding_weight"),
    (dict(quantities_weight="0.1"), "quantities_weight"),
    (dict(relative_tolerance=1.5), "relative_tolerance"),
    (dict(angle_tolerance_deg=-1), "angle_tolerance_deg"),
    (dict(gate_rubric_on_correct="yes"), "gate_rubric_on_correct"),
    ({f"{item}_weight": 0 for item in ITEMS}, "weights"),
    (dict(acuracy_weight=1), "acuracy_weight"),
])
def test_config_validation_names_the_setting(settings, field):
    with pytest.raises(ValidationError) as err:
        build_config(RewardConfig, settings)
    assert err.value.field == field


def _bad_bbox_code() -> str:
    return CODE.replace('"bbox_3d": [0.0, 0.0, 0.4, 2.0, 0.9, 0.8, 0.0, 0.0, 0.0]', '"bbox_3d": [0.0, 0.0, 0.4]')


@pytest.mark.parametrize(("change", "field", "message"), [
    (lambda c: c.pop("code"), "code", "missing column"),
    (lambda c: c.update(code=["{not json"]), "code", "not valid JSON"),
    (lambda c: c.update(code=[_bad_bbox_code()]), "code.objects[0].bbox_3d", "expected 9 numbers"),
    (lambda c: c.update(ground_truth=["3.5", "4"]), "ground_truth", "expected a list of 1 values"),
    (lambda c: c.update(question_type=["object_distance"]), "question_type", "unknown task"),
    (lambda c: c.update(ground_truth=["far"]), "ground_truth", "expected a number"),
    (lambda c: c.update(options=[["A. 3.5", "B. 4"]]), "options", "answered with a number"),
])
def test_bad_columns_raise_a_validation_error_naming_the_column(change, field, message):
    cols = columns(["dist"])
    change(cols)
    with pytest.raises(ValidationError) as err:
        SpatialRubricReward()([DIST_RIGHT], **cols)
    assert err.value.field == field and message in str(err.value)


def test_bad_multiple_choice_rows_and_completions():
    with pytest.raises(ValidationError, match="^options: .*multiple choice"):
        RewardRow.from_mapping({**row("hard"), "options": None})
    with pytest.raises(ValidationError, match="^ground_truth: expected one of the option letters"):
        RewardRow.from_mapping({**row("hard"), "ground_truth": "E"})
    with pytest.raises(ValidationError, match="^completions: "):
        format_reward([42])


@pytest.mark.parametrize(("text", "score"), [
    ("<think>The sofa is 3.5 m away.</think><answer>3.5</answer>", 1.0),
    ("\n<think>reasoning</think>\n<answer>B</answer>\n<|im_end|>", 1.0),
    ("Sure! <think>reasoning</think><answer>B</answer>", 0.5),
    ("<think>reasoning</think><answer>B</answer> I hope this helps.", 0.5),
    ("<think>reasoning</think> so: <answer>B</answer>", 0.5),
    ("<think> </think><answer>B</answer>", 0.25),
    ("<answer>B</answer>", 0.25),
    ("<think>a</think><answer>A</answer><answer>B</answer>", 0.25),
    ("<answer>B</answer><think>reasoning</think>", 0.25),
    ("<think>reasoning</think><answer>B", 0.0),
    ("<think>reasoning</think><answer> </answer>", 0.0),
    ("B", 0.0),
])
def test_format_ladder(text, score):
    assert format_score(text) == score


@pytest.mark.parametrize(("text", "expected"), [
    ("sofa_1 is 2.1 m long, 150 cm wide, covers 3 m² and turns 45°", [("length", 2.1), ("length", 1.5), ("area", 3.0),
                                                                       ("angle", 45.0)]),
    ("centre (1.0 m, 2.0 m, 0.4 m), size 2 x 1 x 0.5 m", []),  # triples are grounding, not quantities
    ("at x = 1.2 m, dining_chair_2 m", []),  # axis values and the digits of names
    ("a 2-3 m gap, 1.5 in front", [("length", 2.5)]),  # a range's middle; "in" is not inches
])
def test_reading_quantities(text, expected):
    assert [(q.kind, pytest.approx(q.value)) for q in quantities(text)] == expected


def test_reading_mentions_sides_and_turns():
    found = mentions("The dining chairs, dining_chair_2 and sofa_9 near the sofa.", ["dining_chair_2", "sofa_1"],
                     ["dining chair", "sofa"])
    assert [(m.kind, m.key) for m in found] == [("label", "dining chair"), ("name", "dining_chair_2"), ("invented", "sofa_9"),
                                                ("label", "sofa")]
    assert stated_sides("ahead, then behind, front left, rear-right, left-hand") == ["front", "back", "front-left", "back-right"]
    assert stated_turns("Turn around, then turn to the left and turns right.") == ["back", "left", "right"]


def test_angles_compare_around_the_full_turn():
    """From the sofa (0, 0) the tv lies at (9.998, −0.175): heading atan2(−0.175, 9.998) = −1°,
    i.e. 359°. Facing it, the lamp at (0, 3) has bearing 90° − (−1°) = 91°. The question's true
    angles: 91°, 360° − 91° = 269°, 359° and 90° (the lamp's heading). A reasoning that says
    1° (for 359°) is 2° off around the circle, within the 5° tolerance; 10° is 11° off."""
    tilt = math.radians(-1.0)
    code = SpatialCode(objects=(
        SpatialObject(0, "sofa", Box3D((0, 0, 0.4), (0.8, 0.8, 0.8)), 0.0),
        SpatialObject(1, "tv", Box3D((10 * math.cos(tilt), 10 * math.sin(tilt), 1.0), (0.1, 1.2, 0.7)), 1.0),
        SpatialObject(2, "lamp", Box3D((0, 3, 0.8), (0.4, 0.4, 1.6)), 2.0),
    ))
    row = dict(question="If I am standing by the sofa and facing the tv, is the lamp to the left or the right of the tv?",
               options=["A. left", "B. right"], question_type="object_rel_direction_easy", ground_truth="A",
               code=code.to_json())

    def quantities_item(angle: str) -> float | None:
        completion = f"<think>The tv is at {angle} from the sofa, so the lamp is on the left.</think><answer>A</answer>"
        return rubric_breakdown(completion, row)["quantities"]

    assert quantities_item("1°") == 1.0
    assert quantities_item("359°") == 1.0
    assert quantities_item("10°") == 0.0


def test_over_an_imperfect_code_the_estimates_the_prompt_states_are_true_quantities():
    """Worked by hand: unit cubes along x (table at 0, chair at 3, bed at 5, lamp at 12), no room.
    The floor estimate is their footprints' hull, 13 m²; a door has no box: its typical size is
    2.025 m and its typical distance from the table the median of 2, 4 and 11 m, 4 m. Quoting
    them is right; other numbers are not."""
    code = SpatialCode(objects=tuple(SpatialObject(i, label, Box3D((x, 0.0, 0.5), (1.0, 1.0, 1.0)))
                                     for i, (label, x) in enumerate((("table", 0), ("chair", 3), ("bed", 5), ("lamp", 12)))))
    asked = {
        "room_size_estimation": ("What is the size of this room (in square meters)?", "14", "{} m²"),
        "object_size_estimation": ("What is the length of the longest dimension (length, width, or height) of the door, "
                                   "measured in centimeters?", "200", "{} m"),
        "object_abs_distance": ("Measuring from the closest point of each object, what is the distance between the table "
                                "and the door (in meters)?", "3.5", "{} m"),
    }

    def quantities_item(task: str, value: str) -> float | None:
        question, truth, unit = asked[task]
        row = dict(question=question, options=[], question_type=task, ground_truth=truth, code=code.to_json())
        completion = f"<think>It is about {unit.format(value)}.</think><answer>{value}</answer>"
        return rubric_breakdown(completion, row)["quantities"]

    assert quantities_item("room_size_estimation", "13") == 1.0 and quantities_item("room_size_estimation", "20") == 0.0
    assert quantities_item("object_size_estimation", "2.02") == 1.0 and quantities_item("object_size_estimation", "3.5") == 0.0
    assert quantities_item("object_abs_distance", "4") == 1.0 and quantities_item("object_abs_distance", "7") == 0.0
