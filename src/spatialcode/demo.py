"""The embedded demo: a small built-in living room, its spatial code and answered questions."""

from __future__ import annotations

from importlib import resources

from spatialcode.reason.answer import Answer
from spatialcode.reason.solver import Solver
from spatialcode.scene import SpatialCode

#: (question, options) pairs in VSI-Bench wording, one or more per task.
DEMO_QUESTIONS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("How many chair(s) are in this room?", None),
    ("What is the length of the longest dimension (length, width, or height) of the sofa, measured in centimeters?", None),
    ("Measuring from the closest point of each object, what is the distance between the sofa and the tv (in meters)?", None),
    ("What is the size of this room (in square meters)? \nIf multiple rooms are shown, estimate the size of the combined space.", None),
    (
        "Measuring from the closest point of each object, which of these objects (lamp, chair, door, plant) is the closest to the tv?",
        ("A. lamp", "B. chair", "C. door", "D. plant"),
    ),
    (
        "If I am standing by the sofa and facing the tv, is the lamp to the left or the right of the tv?",
        ("A. left", "B. right"),
    ),
    (
        "If I am standing by the sofa and facing the tv, is the door to my left, right, or back?\n"
        "An object is to my back if I would have to turn at least 135 degrees in order to face it.",
        ("A. left", "B. right", "C. back"),
    ),
    (
        "If I am standing by the tv and facing the sofa, is the plant to my front-left, front-right, back-left, or back-right?\n"
        "The directions refer to the quadrants of a Cartesian plane (if I am standing at the origin and facing along the positive y-axis).",
        ("A. front-left", "B. front-right", "C. back-left", "D. back-right"),
    ),
    (
        "You are a robot beginning at the door and facing the window. You want to navigate to the tv. You will perform the "
        "following actions (Note: for each [please fill in], choose either 'turn back,' 'turn left,' or 'turn right.'): "
        "1. Go forward until the table 2. [please fill in] 3. Go forward until the tv. You have reached the final destination.",
        ("A. Turn Left", "B. Turn Right", "C. Turn Back"),
    ),
    (
        "What will be the first-time appearance order of the following categories in the video: tv, sofa, plant, door?",
        ("A. tv, sofa, plant, door", "B. door, sofa, tv, plant", "C. sofa, door, tv, plant", "D. plant, tv, door, sofa"),
    ),
    ("Measuring from the closest point of each object, what is the distance between the sofa and the shower (in meters)?", None),
    ("How tall is the ceiling?", None),
)


def demo_scene() -> SpatialCode:
    """Return the built-in demo scene (a 5 m × 4 m living room with 9 objects)."""
    text = resources.files("spatialcode").joinpath("data/demo_scene.json").read_text()
    return SpatialCode.from_json(text)


def run_demo(solver: Solver | None = None) -> list[tuple[str, tuple[str, ...] | None, Answer]]:
    """Answer :data:`DEMO_QUESTIONS` on the demo scene; returns (question, options, answer) triples."""
    solver = solver or Solver()
    scene = demo_scene()
    return [(q, opts, solver.answer_question(scene, q, opts)) for q, opts in DEMO_QUESTIONS]
