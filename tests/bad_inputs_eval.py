"""Bad inputs of ``spatialcode eval`` that must stop the whole command with one line (the per-row
failures — a scene name that leaves the codes folder, a question too long, a question past its
time limit — are recorded as error rows by design and tested in ``tests/test_cli.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from spatialcode.demo import demo_scene
from tests.bad_input_corpus import BadInput

QUESTION = {"id": 1, "dataset": "demo", "scene_name": "living_room", "question_type": "object_counting",
            "question": "How many chair(s) are in this room?", "options": None, "ground_truth": "2", "pruned": False}


def _codes(folder: Path) -> Path:
    """A codes folder with the demo scene (``demo/living_room.json``)."""
    demo_scene().save(folder / "codes" / "demo" / "living_room.json")
    return folder / "codes"


def _eval(questions: str | bytes, *extra: str, predictions: str = "p.jsonl", codes: bool = True) -> Callable[[Path], list[str]]:
    """A case writing ``questions`` (the question file's content) to ``q.jsonl`` and running eval on it."""

    def prepare(folder: Path) -> list[str]:
        (folder / "q.jsonl").write_bytes(questions if isinstance(questions, bytes) else questions.encode())
        if codes:
            _codes(folder)
        else:
            (folder / "codes").mkdir()
        return ["eval", "--questions", "q.jsonl", "--codes", "codes", "--predictions", predictions, "--no-progress",
                *extra]

    return prepare


def _with_predictions(text: str) -> Callable[[Path], list[str]]:
    """A case whose predictions file ``p.jsonl`` already holds ``text``."""

    def prepare(folder: Path) -> list[str]:
        (folder / "p.jsonl").write_text(text)
        return _eval(json.dumps(QUESTION) + "\n")(folder)

    return prepare


def _line(**changes: object) -> str:
    return json.dumps({**QUESTION, **changes}) + "\n"


def _directory_as_predictions(folder: Path) -> list[str]:
    (folder / "runs").mkdir()
    return _eval(_line(), predictions="runs")(folder)


GOOD = _line()
NOT_WRITTEN = ("case/p.jsonl",)

CASES: list[BadInput] = [
    BadInput("eval", "questions file that is CSV, not JSON lines", _eval("id,question\n1,how many chairs?\n"),
             "not valid JSON", NOT_WRITTEN),
    BadInput("eval", "questions file of random bytes", _eval(bytes(range(128, 256)) * 4), "cannot read", NOT_WRITTEN),
    BadInput("eval", "questions file nested 100,000 deep", _eval("[" * 100_000 + "]" * 100_000 + "\n"),
             "nested too deeply", NOT_WRITTEN),
    BadInput("eval", "question row without its question", _eval(json.dumps({k: v for k, v in QUESTION.items()
                                                                           if k != "question"}) + "\n"),
             "question: missing", NOT_WRITTEN),
    BadInput("eval", "options that are one string, not a list",
             _eval(_line(question_type="object_rel_direction_easy", options="A. left, B. right", ground_truth="A",
                         question="If I am standing by the sofa and facing the tv, is the lamp to the left or the "
                                  "right of the tv?")),
             "options: expected a list", NOT_WRITTEN),
    BadInput("eval", "ids 1 and \"1\" in one questions file", _eval(GOOD + _line(id="1")), "duplicate id", NOT_WRITTEN),
    BadInput("eval", "empty questions file", _eval(""), "no questions", NOT_WRITTEN),
    BadInput("eval", "filters that leave no question", _eval(GOOD, "--dataset", "ScanNet"), "its datasets: demo",
             NOT_WRITTEN),
    BadInput("eval", "empty codes folder", _eval(GOOD, codes=False), "no scene codes", NOT_WRITTEN),
    BadInput("eval", "predictions path that is a directory", _directory_as_predictions, "is a directory"),
    BadInput("eval", "--report inside a file (refused before the run)", _eval(GOOD, "--report", "q.jsonl/report"),
             "q.jsonl", NOT_WRITTEN),
    BadInput("eval", "--limit -1", _eval(GOOD, "--limit", "-1"), "--limit", NOT_WRITTEN),
    BadInput("eval", "--time-limit 0", _eval(GOOD, "--time-limit", "0"), "--time-limit", NOT_WRITTEN),
    BadInput("eval", "predictions row with a boolean id", _with_predictions('{"id": true, "prediction": "2"}\n'),
             "line 1: id"),
    BadInput("eval", "predictions row about another scene under the same id",
             _with_predictions(json.dumps({"id": "1", "dataset": "demo", "scene_name": "kitchen",
                                           "question_type": "object_counting", "prediction": "2"}) + "\n"),
             "answers another question"),
    BadInput("eval", "predictions file with a broken line inside",
             _with_predictions('{"id": 7, "prediction": "2"}\n{"id": 8, "predi\n{"id": 9, "prediction": "2"}\n'),
             "line 2: not valid JSON"),
]
