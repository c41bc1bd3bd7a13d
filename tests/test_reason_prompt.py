"""Prompts for language models: the serialisations of the code, the prompt builder (snapshot
tests: a change to a prompt shows up as a diff of ``tests/snapshots/``) and answer extraction
from real-looking replies."""

from __future__ import annotations

import json
import math

import pytest

from spatialcode.core.errors import ValidationError
from spatialcode.geometry.box import Box3D
from spatialcode.reason.extract import extract_answer
from spatialcode.reason.prompt import PromptConfig, build_prompt, mentioned_objects
from spatialcode.reason.serialise import SERIALISATIONS, number, object_names, serialise_objects, upright
from spatialcode.scene import SpatialCode, SpatialObject
from tests.fixtures import matches_snapshot, small_scene


def test_names_numbers_and_order():
    code = small_scene()
    assert object_names(code.objects) == ["dining_chair_1", "laptop_1", "dining_chair_2", "sofa_1"]
    assert [number(v) for v in (1.0, 2.25, -0.004, 0.105, 12.3456)] == ["1", "2.25", "0", "0.1", "12.35"]
    assert number(2.5, 0) == "2"  # round half to even, as Python formats


@pytest.mark.parametrize("style", SERIALISATIONS)
def test_serialisations_snapshot(style):
    code = small_scene()
    text = serialise_objects(code, style)
    matches_snapshot(f"objects_{style}.txt", text + "\n")
    names = object_names(code.objects)
    assert all(name in text or style == "json" for name in names)
    # a subset keeps the names the whole code gives
    sofa = [o for o in code.objects if o.label == "sofa"]
    assert "sofa_1" in serialise_objects(code, style, sofa) and "chair" not in serialise_objects(code, style, sofa)


def test_json_lines_hold_the_fields_bbox_3d():
    lines = [json.loads(line) for line in serialise_objects(small_scene(), "json").splitlines()]
    assert [entry["name"] for entry in lines] == ["dining_chair_1", "laptop_1", "dining_chair_2", "sofa_1"]
    assert lines[3]["bbox_3d"] == [1.0, 2.0, 0.4, 2.1, 0.9, 0.8, 0.0, 0.0, 1.57] and "first_seen" not in lines[3]
    assert lines[0]["first_seen"] == 0.5 and lines[0]["label"] == "dining chair"


def test_boxes_are_written_upright_when_they_are_and_tilted_ones_keep_roll_and_pitch():
    text = serialise_objects(small_scene(), "python")
    # the laptop is stored with roll 90°: an upright box whose height lies along its local y axis
    assert "laptop_1 = Box(center=(0.3, 0, 0.8), size=(0.35, 0.02, 0.25), yaw=-29, first_seen=1)" in text
    assert "sofa_1 = Box(center=(1, 2, 0.4), size=(2.1, 0.9, 0.8), yaw=90)" in text
    leaning = Box3D((0.0, 0.0, 1.0), (1.0, 0.5, 2.0), (0.0, math.radians(30), 0.0))
    assert upright(leaning) is leaning
    code = SpatialCode(objects=(SpatialObject(0, "ladder", leaning),))
    assert serialise_objects(code, "python") == "ladder_1 = Box(center=(0, 0, 1), size=(1, 0.5, 2), yaw=0, roll=0, pitch=30)"
    assert serialise_objects(code, "table").endswith("ladder_1 0 0 1 1 0.5 2 0 - (roll 0 pitch 30)")


def test_upright_relabels_the_sides_of_the_same_box():
    stored = Box3D((1.0, 2.0, 0.5), (0.4, 0.6, 1.2), (math.radians(90), 0.0, math.radians(30)))
    box = upright(stored)
    assert box.rotation[:2] == (0.0, 0.0) and box.size == pytest.approx((0.4, 1.2, 0.6))
    assert sorted(map(tuple, box.corners.round(6))) == sorted(map(tuple, stored.corners.round(6)))


@pytest.mark.parametrize(("name", "question", "options", "question_type", "config"), [
    ("prompt_direction_table.txt", "If I am standing by the sofa and facing the laptop, is the dining chair to my "
     "left or right?", ["A. left", "B. right"], "object_rel_direction_easy", PromptConfig()),
    ("prompt_size_python_question_objects.txt", "What is the length of the longest dimension (length, width, or "
     "height) of the sofa, measured in centimeters?", None, "object_size_estimation",
     PromptConfig(serialisation="python", objects="question")),
    ("prompt_distance_json_no_think.txt", "Measuring from the closest point of each object, what is the distance "
     "between the sofa and the laptop (in meters)?", None, "object_abs_distance",
     PromptConfig(serialisation="json", think=False)),
])
def test_prompt_snapshots(name, question, options, question_type, config):
    prompt = build_prompt(small_scene(), question, options, question_type, config)
    matches_snapshot(name, f"[system]\n{prompt.system}\n\n[user]\n{prompt.user}\n")
    assert prompt.messages() == [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}]


def test_prompt_contents():
    code = small_scene()
    prompt = build_prompt(code, "What is the size of this room (in square meters)?", None, "room_size_estimation")
    assert "Room floor area: 18 m²." in prompt.user and "a single number in square metres" in prompt.user
    counted = build_prompt(code, "How many dining chair(s) are in this room?", config=PromptConfig(objects="question"))
    assert "Instance counts (including objects without a box): dining chair 3." in counted.user
    assert "Objects (2 of 4," in counted.user and "sofa" not in counted.user.split("Objects")[1]
    assert counted.user.endswith("<answer></answer>: a single number.")
    no_room = build_prompt(SpatialCode(objects=code.objects), "How many sofa(s) are in this room?")
    assert "Room floor area" not in no_room.user and "Instance counts" not in no_room.user


def test_mentioned_objects_match_whole_labels_and_plurals():
    code = small_scene()
    assert {o.label for o in mentioned_objects(code, "Which is closer to the sofas?", ["A. laptop"])} == {"sofa", "laptop"}
    assert {o.label for o in mentioned_objects(code, "How far is the chair?")} == set(code.labels)  # no whole label: all


@pytest.mark.parametrize(("changes", "field"), [
    ({"serialisation": "yaml"}, "serialisation"), ({"objects": "some"}, "objects"), ({"decimals": 9}, "decimals"),
])
def test_prompt_config_validation(changes, field):
    with pytest.raises(ValidationError, match=field):
        PromptConfig(**changes)
    with pytest.raises(ValidationError, match="serialisation"):
        serialise_objects(small_scene(), "yaml")


# --------------------------------------------------------------------------------------------
# Extraction from real-looking replies
# --------------------------------------------------------------------------------------------

DIRECTION = ["A. left", "B. right", "C. back"]
QUADRANT = ["A. back-right", "B. back-left", "C. front-right", "D. front-left"]
OBJECTS = ["A. chair", "B. stool", "C. stove", "D. sofa"]


@pytest.mark.parametrize(("reply", "options", "unit", "prediction", "status"), [
    ("<think>The cross product is negative.</think>\n<answer>B</answer>", DIRECTION, None, "B", "ok"),
    ("<think>…</think><answer>(C) back</answer>", DIRECTION, None, "C", "ok"),
    ("<answer>B. right</answer>", DIRECTION, None, "B", "ok"),
    ("<answer>C: back</answer>", DIRECTION, None, "C", "ok"),
    ("<answer>option D</answer>", QUADRANT, None, "D", "ok"),
    ("<answer>back-left</answer>", QUADRANT, None, "B", "ok"),  # not read as "left"
    ("<answer>The table is to the front-left.</answer>", QUADRANT, None, "D", "ok"),
    ("<answer>Left</answer>", DIRECTION, None, "A", "ok"),
    ("<answer>B stool</answer>", OBJECTS, None, "B", "ok"),
    ("<answer>ceiling_light</answer>", ["A. door", "B. ceiling light"], None, "B", "ok"),  # a name for the label
    ("<answer>A sofa is the closest</answer>", OBJECTS, None, "D", "ok"),  # the article is not option A
    ("<answer>A</answer> then again <answer>C</answer>", DIRECTION, None, "C", "ok"),  # the last tag
    ("So the answer is right.", DIRECTION, None, "B", "untagged"),
    # several lines, no tag, no "answer is": the last line answers (the first names another option)
    ("The sofa is on the left of the door.\nTurning towards the tv, the lamp ends up behind me.\nC", DIRECTION, None, "C",
     "untagged"),
    ("First the sofa is 2 m wide.\nThen the gap is 3.5 m", None, "m", "3.5", "untagged"),
    ("<answer>E</answer>", DIRECTION, None, "", "unparseable"),
    ("<answer>left or right</answer>", DIRECTION, None, "", "unparseable"),  # two options named: no answer
    ("I cannot determine this from the given data.", DIRECTION, None, "", "refused"),
    ("<answer>approximately 2.5 m</answer>", None, "m", "2.5", "ok"),
    ("<answer>150 cm</answer>", None, "m", "1.5", "ok"),
    ("<answer>about 1.2 meters</answer>", None, "cm", "120", "ok"),
    ("<answer>1,234.5</answer>", None, "cm", "1234.5", "ok"),
    ("<answer>2-3 m</answer>", None, "m", "2.5", "ok"),
    ("<answer>between 2 and 3</answer>", None, "m", "2.5", "ok"),
    ("<answer>three</answer>", None, None, "3", "ok"),
    ("<answer>21.5 square meters</answer>", None, "m2", "21.5", "ok"),
    ("<answer>200 sq ft</answer>", None, "m2", "18.5806", "ok"),
    ("There are 4 chairs.\nFinal answer: 4", None, None, "4", "untagged"),
    ("<think>the sofa is 2.1 m long</think>\nThe longest side is 210 cm", None, "cm", "210", "untagged"),
    ("<answer>-0.5</answer>", None, "m", "-0.5", "ok"),
    ("<think>x is 3 m</think>\n<answer>", None, "m", "", "unparseable"),
    ("<answer>I am unable to say</answer>", None, "m", "", "refused"),
    ("", None, "m", "", "unparseable"),
])
def test_extraction(reply, options, unit, prediction, status):
    found = extract_answer(reply, options, unit)
    assert (found.prediction, found.status) == (prediction, status)
    assert found.parsed == (status in ("ok", "untagged"))


def test_a_numeric_question_about_what_the_code_lacks_states_it_with_the_estimate():
    """Worked by hand: unit cubes along x (table at 0, chair at 3, bed at 5, lamp at 12), no room.
    Their footprints' hull is 13 m × 1 m; a door has no box: the catalogue's typical door is 2.025 m
    long (written 2.02), and the table's median closest-point distance to the others (2, 4, 11 m) is
    4 m. A code with a room, a boxed object, a multiple-choice question or ``estimates=False``: no note."""
    code = SpatialCode(objects=tuple(SpatialObject(i, label, Box3D((x, 0.0, 0.5), (1.0, 1.0, 1.0)))
                                     for i, (label, x) in enumerate((("table", 0), ("chair", 3), ("bed", 5), ("lamp", 12)))))
    room = "What is the size of this room (in square meters)?"
    size = "What is the length of the longest dimension (length, width, or height) of the {}, measured in centimeters?"
    distance = "Measuring from the closest point of each object, what is the distance between the {} and the {} (in meters)?"
    assert "The code has no room. The objects' footprints span 13 m²" in build_prompt(code, room).user
    assert "The code has no box for the door (the encoder may have missed it). A typical door's longest side is 2.02 m" \
        in build_prompt(code, size.format("door")).user
    assert "The code has no box for the door (the encoder may have missed it). An estimate of the distance: the median " \
           "closest-point distance from table to the 3 other objects, 4 m." in build_prompt(code, distance.format("table", "door")).user
    assert "no box for the door or the harp (the encoder may have missed them)" in build_prompt(code, distance.format("door", "harp")).user
    quiet = [build_prompt(code, size.format("table")), build_prompt(code, size.format("door"), config=PromptConfig(estimates=False)),
             build_prompt(code, "Which of these objects (door, bed) is the closest to the table?", ["A. door", "B. bed"]),
             build_prompt(SpatialCode(objects=code.objects, room=small_scene().room), room)]
    assert not any("The code has no" in prompt.user for prompt in quiet)


@pytest.mark.parametrize(("question", "options", "then"), [
    ("How many dining chair(s) are in this room?", None, "Question:"),
    ("What is the length of the longest dimension (length, width, or height) of the bed, measured in centimeters?",
     None, "The code has no box for the bed"),  # an estimate note between the objects and the question
    ("Which of these objects (sofa, laptop) is the closest to the dining chair?", ["A. sofa", "B. laptop"], "Question:"),
])
def test_every_prompt_about_a_scene_begins_with_its_scene_prompt(question, options, then):
    """What a model reads ahead (the system message and the scene's paragraphs) is the beginning of
    each question's prompt, whatever the question; none when the objects depend on the question."""
    from spatialcode.reason.prompt import scene_prompt

    code = small_scene()
    ahead = scene_prompt(code)
    asked = build_prompt(code, question, options)
    assert ahead.system == asked.system and asked.user.startswith(ahead.user)
    assert asked.user[len(ahead.user):].startswith(then)
    assert "sofa_1" in ahead.user and ahead.user.endswith("\n\n")
    assert scene_prompt(code, PromptConfig(objects="question")) is None
