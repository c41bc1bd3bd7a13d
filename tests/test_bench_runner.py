"""Resumable, append-only prediction runs."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time

import pytest

import spatialcode
from spatialcode.bench import (
    VSIQuestion,
    code_version,
    read_predictions,
    run_predictions,
    runs_path,
)
from spatialcode.bench.runner import lock_path
from spatialcode.core.errors import InputFileError, ValidationError
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


def test_only_a_row_with_a_prediction_counts_as_done(tmp_path):
    out = tmp_path / "preds.jsonl"
    # hand-written rows: no prediction, a prediction that is not text, a minimal complete row
    out.write_text('{"id": 1}\n{"id": 2, "prediction": 2}\n{"id": 3, "prediction": "2"}\n')
    predictor = Predictor()
    summary = run_predictions(QUESTIONS[:3], predictor, out, CONFIG, progress=False)
    assert predictor.calls == [1, 2] and summary.already_done == 1
    assert read_predictions(out)[1]["prediction"] == "2"  # the new row wins


def test_text_and_integer_ids_are_one_id(tmp_path):
    out = tmp_path / "preds.jsonl"
    out.write_text('{"id": "1", "prediction": "2"}\n{"id": "02", "prediction": "2"}\n')
    predictor = Predictor()
    summary = run_predictions(QUESTIONS[:2], predictor, out, CONFIG, progress=False)
    assert predictor.calls == [2] and summary.already_done == 1  # "1" is question 1; "02" is not question 2
    assert list(read_predictions(out)) == [1, "02", 2]


def test_a_row_about_another_question_stops_the_run(tmp_path):
    out = tmp_path / "preds.jsonl"
    run_predictions(QUESTIONS[:2], Predictor(), out, CONFIG, progress=False)
    before = out.read_text()
    other = [VSIQuestion(1, "scannet", "scene9", "object_counting", "How many bed(s) are in this room?", None, "1")]
    predictor = Predictor()
    with pytest.raises(InputFileError, match=r"preds\.jsonl: the row of id 1 answers another question \(scene_name"):
        run_predictions(other, predictor, out, CONFIG, progress=False)
    assert predictor.calls == [] and out.read_text() == before


def test_a_second_run_on_a_locked_predictions_file_stops_at_once(tmp_path):
    import fcntl

    out = tmp_path / "preds.jsonl"
    run_predictions(QUESTIONS[:1], Predictor(), out, CONFIG, progress=False)
    before = out.read_text(), runs_path(out).read_text()
    with lock_path(out).open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another run, as far as the runner can tell
        predictor = Predictor()
        with pytest.raises(InputFileError, match="another run is writing this predictions file"):
            run_predictions(QUESTIONS, predictor, out, CONFIG, progress=False)
    assert predictor.calls == [] and (out.read_text(), runs_path(out).read_text()) == before
    assert run_predictions(QUESTIONS[:2], Predictor(), out, CONFIG, progress=False).attempted == 1  # released


def test_a_question_past_the_time_limit_is_an_error_row_and_the_run_goes_on(tmp_path):
    out = tmp_path / "preds.jsonl"

    def predict(question):
        if question.id == 2:
            time.sleep(30)
        if question.id == 3:
            try:
                time.sleep(30)
            except Exception:  # noqa: BLE001 - a reasoner that swallows errors must not swallow the limit
                return Answer("swallowed")
        return Answer("2")

    start = time.monotonic()
    summary = run_predictions(QUESTIONS, predict, out, CONFIG, progress=False, time_limit=0.2)
    assert time.monotonic() - start < 5
    rows = read_predictions(out)
    for qid in (2, 3):
        assert rows[qid]["error"] == "QuestionTimeout: took longer than the 0.2 s limit per question"
        assert 0.2 <= rows[qid]["seconds"] < 2
    assert [rows[qid]["prediction"] for qid in (1, 4, 5)] == ["2"] * 3 and summary.errors == 2
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no alarm left behind
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL


@pytest.mark.parametrize("limit", [0, -1, float("nan"), float("inf"), True, "10"])
def test_a_time_limit_must_be_a_positive_number_of_seconds(tmp_path, limit):
    with pytest.raises(ValidationError, match="time_limit"):
        run_predictions(QUESTIONS, Predictor(), tmp_path / "p.jsonl", CONFIG, progress=False, time_limit=limit)
    assert not (tmp_path / "p.jsonl").exists()


def test_a_time_limit_needs_the_main_thread(tmp_path):
    errors = []

    def run() -> None:
        try:
            run_predictions(QUESTIONS, Predictor(), tmp_path / "p.jsonl", CONFIG, progress=False, time_limit=5)
        except ValidationError as err:
            errors.append(str(err))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors and "main thread" in errors[0]

