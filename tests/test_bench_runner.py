"""Resumable, append-only prediction runs."""

from __future__ import annotations

import json
import subprocess

import pytest

import spatialcode
from spatialcode.bench import (
    VSIQuestion,
    code_version,
    read_predictions,
    run_predictions,
    runs_path,
)
from spatialcode.errors import InputFileError, ValidationError
from spatialcode.reason.answer import Answer

QUESTIONS = [
    VSIQuestion(i, "scannet", f"scene{i}", "object_counting", "How many chair(s) are in this room?", None, "2", False)
    for i in range(1, 6)
]
CONFIG = {"model": "oracle", "thresholds": "lmms-eval"}


class Predictor:
    """Answers "2", counts calls per id, raises for ids in ``fail``."""

    def __init__(self, fail: set | None = None) -> None:
        self.calls: list = []
        self.fail = fail or set()

    def __call__(self, question: VSIQuestion) -> Answer:
        self.calls.append(question.id)
        if question.id in self.fail:
            raise ValueError(f"boom\non {question.id}")
        return Answer("2", derivation=("counted 2 boxes",))


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_run_writes_rows_and_resumes_only_the_missing_ids(tmp_path):
    out = tmp_path / "runs" / "preds.jsonl"
    first = Predictor()
    summary = run_predictions(QUESTIONS[:3], first, out, CONFIG, progress=False)
    assert first.calls == [1, 2, 3]
    assert (summary.attempted, summary.succeeded, summary.errors, summary.already_done) == (3, 3, 0, 0)
    row = lines(out)[0]
    assert list(row) == ["id", "question_type", "dataset", "scene_name", "prediction", "derivation", "seconds"]
    assert row["id"] == 1 and row["prediction"] == "2" and row["seconds"] >= 0
    second = Predictor()
    summary = run_predictions(QUESTIONS, second, out, CONFIG, progress=False)
    assert second.calls == [4, 5] and summary.already_done == 3 and summary.attempted == 2
    third = Predictor()
    assert run_predictions(QUESTIONS, third, out, CONFIG, progress=False).attempted == 0 and third.calls == []
    assert sorted(read_predictions(out)) == [1, 2, 3, 4, 5] and len(lines(out)) == 5


def test_errors_are_recorded_then_retried(tmp_path):
    out = tmp_path / "preds.jsonl"
    summary = run_predictions(QUESTIONS, Predictor(fail={2, 4}), out, CONFIG, progress=False)
    assert (summary.succeeded, summary.errors) == (3, 2)
    failed = read_predictions(out)[2]
    assert failed["prediction"] == "" and failed["error"] == "ValueError: boom on 2"
    retry = Predictor()
    summary = run_predictions(QUESTIONS, retry, out, CONFIG, progress=False)
    assert retry.calls == [2, 4] and summary.errors == 0
    predictions = read_predictions(out)  # the last row for an id wins
    assert len(lines(out)) == 7 and all("error" not in row for row in predictions.values())


def test_a_truncated_last_line_is_ignored_and_redone(tmp_path):
    out = tmp_path / "preds.jsonl"
    run_predictions(QUESTIONS[:2], Predictor(), out, CONFIG, progress=False)
    with out.open("a") as handle:
        handle.write('{"id": 3, "question_type": "object_cou')
    assert sorted(read_predictions(out)) == [1, 2]
    predictor = Predictor()
    run_predictions(QUESTIONS[:3], predictor, out, CONFIG, progress=False)
    assert predictor.calls == [3]
    assert [row["id"] for row in lines(out)] == [1, 2, 3]  # every line is whole again


def test_a_whole_last_line_without_newline_is_kept(tmp_path):
    out = tmp_path / "preds.jsonl"
    out.write_text(json.dumps({"id": 1, "prediction": "2"}))
    predictor = Predictor()
    run_predictions(QUESTIONS[:2], predictor, out, CONFIG, progress=False)
    assert predictor.calls == [2] and [row["id"] for row in lines(out)] == [1, 2]


def test_a_broken_line_inside_the_file_is_an_error(tmp_path):
    out = tmp_path / "preds.jsonl"
    out.write_text('{"id": 1, "prediction": "2"}\n{"id": 2, "pre\n{"id": 3, "prediction": "2"}\n')
    with pytest.raises(InputFileError, match=r"preds\.jsonl line 2: not valid JSON"):
        read_predictions(out)
    out.write_text('{"prediction": "2"}\n')
    with pytest.raises(InputFileError, match=r"line 1: expected a JSON object with an \"id\""):
        read_predictions(out)
    with pytest.raises(InputFileError, match="no such file"):
        read_predictions(tmp_path / "absent.jsonl")


def test_sidecar_records_config_version_times_and_counts(tmp_path):
    out = tmp_path / "preds.jsonl"
    run_predictions(QUESTIONS[:2], Predictor(fail={1}), out, CONFIG, progress=False)
    run_predictions(QUESTIONS[:2], Predictor(), out, CONFIG, progress=False)
    runs = lines(runs_path(out))
    assert runs_path(out).name == "preds.jsonl.runs.jsonl" and len(runs) == 2
    assert runs[0]["config"] == CONFIG and runs[0]["code_version"]["spatialcode"] == spatialcode.__version__
    assert (runs[0]["errors"], runs[1]["attempted"], runs[1]["already_done"]) == (1, 1, 1)
    assert runs[0]["started"] <= runs[0]["finished"] and runs[0]["interrupted"] is False
    version = runs[0]["code_version"]
    assert version["git_commit"] is None or isinstance(version["git_dirty"], bool)


def test_code_version_without_git(monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", no_git)
    assert code_version() == {"spatialcode": spatialcode.__version__, "git_commit": None, "git_dirty": None}


def test_answer_fields_and_unusable_answers(tmp_path):
    out = tmp_path / "preds.jsonl"
    answers = {
        1: Answer("0", cannot_answer="no box for 'chair'", fallback=True, extra={"id": 99, "model": "m"}),
        2: "2",
        3: Answer("2", extra={"value": object()}),
    }
    summary = run_predictions(QUESTIONS[:3], lambda q: answers[q.id], out, CONFIG, progress=False)
    rows = read_predictions(out)
    assert rows[1]["cannot_answer"] == "no box for 'chair'" and rows[1]["fallback"] is True
    assert rows[1]["model"] == "m" and 99 not in rows  # an answer cannot overwrite the id
    assert rows[2]["error"] == "TypeError: predict returned str, expected Answer"
    assert rows[3]["error"].startswith("TypeError: Object of type object is not JSON serializable")
    assert (summary.cannot_answer, summary.fallback, summary.errors) == (1, 1, 2)


def test_bad_config_and_duplicate_ids_are_refused(tmp_path):
    with pytest.raises(ValidationError) as info:
        run_predictions(QUESTIONS, Predictor(), tmp_path / "p.jsonl", {"f": object()}, progress=False)
    assert info.value.field == "config"
    with pytest.raises(ValidationError) as info:
        run_predictions(QUESTIONS[:1] * 2, Predictor(), tmp_path / "p.jsonl", CONFIG, progress=False)
    assert info.value.field == "id"
    assert not (tmp_path / "p.jsonl").exists()


def test_an_interrupted_run_still_records_itself(tmp_path):
    out = tmp_path / "preds.jsonl"

    def predict(question):
        if question.id == 3:
            raise KeyboardInterrupt
        return Answer("2")

    with pytest.raises(KeyboardInterrupt):
        run_predictions(QUESTIONS, predict, out, CONFIG, progress=False)
    assert sorted(read_predictions(out)) == [1, 2]
    (run,) = lines(runs_path(out))
    assert run["interrupted"] is True and run["succeeded"] == 2


def test_progress_goes_to_stderr(tmp_path, capsys):
    run_predictions(QUESTIONS[:2], Predictor(), tmp_path / "p.jsonl", CONFIG, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "2/2" in captured.err
