"""The solver against a table of questions whose answers were worked out by hand
(``tests/hand_verified/solver_answers.json``: small scenes, two or more questions per VSI-Bench
task type, the arithmetic beside each answer). Generated questions take their answers from the
solver itself and cannot catch a solver error; these can."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from spatialcode import tasks
from spatialcode.reason.solver import Solver
from spatialcode.scene import SpatialCode

TABLE = json.loads((Path(__file__).parent / "hand_verified" / "solver_answers.json").read_text())
CODES = {name: SpatialCode.from_dict(scene["code"]) for name, scene in TABLE["scenes"].items()}


def test_the_table_covers_every_vsi_task_at_least_twice():
    per_task = Counter(q["question_type"] for q in TABLE["questions"])
    assert {task: per_task[task] for task in tasks.VSI_TASKS if per_task[task] < 2} == {}
    assert len({q["id"] for q in TABLE["questions"]}) == len(TABLE["questions"])


@pytest.mark.parametrize("case", TABLE["questions"], ids=[q["id"] for q in TABLE["questions"]])
def test_the_solver_reproduces_the_hand_worked_answer(case):
    answer = Solver().answer_question(CODES[case["scene"]], case["question"], case["options"], case["question_type"])
    assert (answer.prediction, answer.cannot_answer) == (case["answer"], None), case["working"]
