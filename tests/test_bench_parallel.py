"""Evaluation scaled out with Ray (local workers): the same rows as the one-by-one run, failures
recorded per question, resumable."""

from __future__ import annotations

import json
import os

import pytest

from spatialcode.bench import VSIQuestion
from spatialcode.bench.evaluate import evaluate
from spatialcode.bench.parallel import ray_answers
from spatialcode.core.errors import ValidationError
from spatialcode.formats.codes_dir import CodesDir
from spatialcode.reason.registry import ReasonerConfig
from spatialcode.reason.solver import Solver
from tests.fixtures import small_scene


def _questions() -> list[VSIQuestion]:
    asked = [
        ("object_counting", "How many dining chair(s) are in this room?", None, "3"),
        ("object_size_estimation", "What is the length of the longest dimension (length, width, or height) of the sofa, "
                                   "measured in centimeters?", None, "210"),
        ("object_abs_distance", "Measuring from the closest point of each object, what is the distance between the sofa "
                                "and the laptop (in meters)?", None, "0.9"),
        ("room_size_estimation", "What is the size of this room (in square meters)? If multiple rooms are shown, "
                                 "estimate the size of the combined space.", None, "18"),
    ]
    questions = [VSIQuestion(i, "test", "prompt", task, text, options, truth) for i, (task, text, options, truth)
                 in enumerate(asked)]
    sofas = "How many sofa(s) are in this room?"
    return questions + [VSIQuestion(99, "test", "nowhere", "object_counting", sofas, None, "1"),
                        VSIQuestion(98, "test", "../../outside", "object_counting", sofas, None, "1"),
                        VSIQuestion(97, "test", "stuck", "object_counting", sofas, None, "1")]


def test_ray_workers_give_the_rows_of_a_sequential_run(tmp_path):
    ray = pytest.importorskip("ray")
    codes = tmp_path / "codes"
    (codes / "test").mkdir(parents=True)
    small_scene().save(codes / "test" / "prompt.json")
    small_scene().save(tmp_path / "outside.json")  # beside the codes folder: a question must not reach it
    os.mkfifo(codes / "test" / "stuck.json")  # a code nobody writes: reading it blocks until the time limit
    questions = _questions()
    sequential = evaluate(questions, CodesDir(codes), Solver(), tmp_path / "one.jsonl", {"run": "one"}, progress=False,
                          time_limit=1)
    try:
        parallel = evaluate(questions, CodesDir(codes), Solver(), tmp_path / "two.jsonl", {"run": "two"}, progress=False,
                            answers=ray_answers(ReasonerConfig(), codes, workers=2, time_limit=1))
    finally:
        ray.shutdown()

    def rows(path):
        return {r["id"]: {k: v for k, v in r.items() if k != "seconds"} for r in map(json.loads, path.read_text().splitlines())}

    one, two = rows(tmp_path / "one.jsonl"), rows(tmp_path / "two.jsonl")
    assert one == two and len(two) == 7
    assert "no code" in two[99]["error"] or "nowhere" in two[99]["error"]  # recorded, the run went on
    assert "not a plain name" in two[98]["error"]
    assert two[97]["error"] == "QuestionTimeout: took longer than the 1 s limit per question"
    assert parallel.summary.succeeded == 4 and parallel.summary.errors == 3
    assert parallel.table.to_dict() == sequential.table.to_dict()


def test_workers_must_be_positive():
    with pytest.raises(ValidationError, match="workers"):
        ray_answers(ReasonerConfig(), ".", workers=0)
