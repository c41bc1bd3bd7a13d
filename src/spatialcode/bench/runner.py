"""Resumable, append-only prediction runs over VSI-Bench questions.

A run appends one JSON line per question to the predictions file and flushes it, so a killed
run loses at most the line being written. The next run skips every question that already has a
complete row (:func:`is_done`) and (re)does the rest: missing ids, rows that recorded an
``error``, rows without a ``prediction`` (such as a hand-written ``{"id": 2}``) and a truncated
last line. Ids are compared as :func:`~spatialcode.tasks.records.normalise_id` writes them
(``"2"`` is ``2``); when several rows share an id, the last one wins. A row about another
question (another scene or task under the same id) stops the run: a predictions file holds the
answers to one question set. One run at a time writes a predictions file (an exclusive
``flock`` on ``<predictions>.lock``, left in place). Each run also appends one line — config,
code version, times and counts — to ``<predictions>.runs.jsonl``.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tqdm import tqdm

import spatialcode
from spatialcode.bench.time_limit import check_time_limit, timed_call
from spatialcode.core.errors import InputFileError, ValidationError, one_line
from spatialcode.core.json_input import JSONSyntaxError, parse_json
from spatialcode.core.version import __version__
from spatialcode.reason.answer import Answer
from spatialcode.tasks.records import QuestionId, VSIQuestion, normalise_id

PredictFn = Callable[[VSIQuestion], Answer]
#: Answers questions as they complete: yields (question, its Answer or the exception it raised, seconds).
AnswerStream = Callable[[Sequence[VSIQuestion]], Iterator[tuple[VSIQuestion, Any, float]]]

#: Row keys the runner owns; an answer's record cannot overwrite them.
RESERVED_KEYS: tuple[str, ...] = ("id", "question_type", "dataset", "scene_name", "seconds", "error")
#: The keys that say which question a row answers.
QUESTION_KEYS: tuple[str, ...] = ("question_type", "dataset", "scene_name")


@dataclass(frozen=True)
class RunSummary:
    """What one call of :func:`run_predictions` did. Times are ISO 8601 UTC; ``seconds`` is
    the wall time of the run; ``interrupted`` is true when it stopped before the last question."""

    out_path: str
    runs_path: str
    questions: int
    already_done: int
    attempted: int
    succeeded: int
    errors: int
    cannot_answer: int
    fallback: int
    started: str
    finished: str
    seconds: float
    code_version: dict[str, Any]
    interrupted: bool = False

    def to_record(self) -> dict[str, Any]:
        """Return the JSON form (without the config, which the sidecar line adds)."""
        return asdict(self)


def runs_path(out_path: str | Path) -> Path:
    """Return the sidecar path of a predictions file: ``<out_path>.runs.jsonl``."""
    return Path(str(out_path) + ".runs.jsonl")


def lock_path(out_path: str | Path) -> Path:
    """Return the lock file of a predictions file: ``<out_path>.lock``."""
    return Path(str(out_path) + ".lock")


@contextlib.contextmanager
def _exclusive(out_path: Path) -> Iterator[None]:
    """Hold the lock of ``out_path`` for the block; raise ``InputFileError`` at once when another
    process holds it."""
    with lock_path(out_path).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputFileError(f"{out_path}: another run is writing this predictions file (it holds "
                                 f"{lock_path(out_path)}); wait for it to end or write elsewhere") from None
        yield


def _git(package_dir: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(package_dir), *args], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def code_version() -> dict[str, Any]:
    """Return ``{"spatialcode": version, "git_commit": short hash, "git_dirty": bool}``.

    The git fields are ``None`` unless the package's own files are tracked in a git checkout
    (an installed copy inside some other repository does not count). Dirty means the package
    directory differs from that commit, untracked files included.
    """
    package_dir = Path(spatialcode.__file__).resolve().parent
    commit = dirty = None
    if _git(package_dir, "ls-files", "--error-unmatch", "__init__.py") is not None:
        commit = _git(package_dir, "rev-parse", "--short", "HEAD")
        status = _git(package_dir, "status", "--porcelain", "--", ".")
        dirty = None if commit is None or status is None else bool(status)
    return {"spatialcode": __version__, "git_commit": commit, "git_dirty": dirty}


def _parse_line(path: Path, number: int, line: str, is_last: bool) -> dict[str, Any] | None:
    try:
        row = parse_json(line, f"{path} line {number}")
    except JSONSyntaxError:
        if is_last:
            return None  # a write cut short; that question is done again
        raise
    if not isinstance(row, dict) or "id" not in row:
        raise InputFileError(f"{path} line {number}: expected a JSON object with an \"id\"")
    try:
        return {**row, "id": normalise_id(row["id"])}
    except ValidationError as err:
        raise InputFileError(f"{path} line {number}: {err}") from None


def read_predictions(path: str | Path) -> dict[QuestionId, dict[str, Any]]:
    """Return the predictions file as ``{id: row}`` (ids normalised, see
    :func:`~spatialcode.tasks.records.normalise_id`); for a repeated id the last row wins.

    A last line without its newline that is not valid JSON (a run killed mid-write) is
    ignored. Raises ``InputFileError`` naming the file and line for anything else unreadable.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputFileError(f"{path}: cannot read ({' '.join(str(err).split())})") from None
    lines = text.split("\n")  # a final "" when the file ends with a newline
    rows: dict[QuestionId, dict[str, Any]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row = _parse_line(path, number, line, is_last=number == len(lines))
        if row is not None:
            rows[row["id"]] = row
    return rows


def _repair_tail(path: Path) -> None:
    """Make the file end with a newline: drop a cut-short last line, or end a whole one."""
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return
    start = data.rfind(b"\n") + 1
    try:
        parse_json(data[start:], f"{path} last line")
    except JSONSyntaxError:  # cut short (a deeper problem is raised)
        with path.open("r+b") as handle:
            handle.truncate(start)
        return
    with path.open("ab") as handle:
        handle.write(b"\n")


def _row(question: VSIQuestion, answer: Any, seconds: float) -> tuple[dict[str, Any], str]:
    """Return the row for one answered question and its JSON line (an error row if unusable)."""
    row: dict[str, Any] = {
        "id": question.id,
        "question_type": question.question_type,
        "dataset": question.dataset,
        "scene_name": question.scene_name,
    }
    if isinstance(answer, BaseException):
        row.update(prediction="", error=f"{type(answer).__name__}: {one_line(str(answer))}")
    elif not isinstance(answer, Answer):
        row.update(prediction="", error=f"TypeError: predict returned {type(answer).__name__}, expected Answer")
    else:
        row.update({key: value for key, value in answer.to_record().items() if key not in RESERVED_KEYS})
    row["seconds"] = round(seconds, 6)
    try:
        return row, json.dumps(row, ensure_ascii=False)
    except (TypeError, ValueError) as err:
        return _row(question, err, seconds)


def is_done(row: Mapping[str, Any] | None, question: VSIQuestion) -> bool:
    """Whether ``row`` (a predictions row with ``question``'s id, or ``None``) is a complete answer
    to ``question``: a text ``prediction`` and no ``error``. Raises ``ValidationError`` when the
    row names another task, dataset or scene than the question's."""
    if row is None:
        return False
    for key in QUESTION_KEYS:
        if key in row and row[key] != getattr(question, key):
            raise ValidationError("id", f"the row of id {question.id!r} answers another question ({key} "
                                        f"{row[key]!r}, not {getattr(question, key)!r}); a predictions file holds "
                                        "the answers to one question set: write elsewhere")
    return "error" not in row and isinstance(row.get("prediction"), str)


def _check_inputs(questions: Sequence[VSIQuestion], config: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(config, Mapping):
        raise ValidationError("config", f"expected a mapping, got {type(config).__name__}")
    try:
        config = json.loads(json.dumps(dict(config)))
    except (TypeError, ValueError) as err:
        raise ValidationError("config", f"must be JSON-serialisable ({err})") from None
    seen: set[QuestionId] = set()
    for question in questions:
        if question.id in seen:
            raise ValidationError("id", f"duplicate question id {question.id!r}")
        seen.add(question.id)
    return config


def _sequential(predict: PredictFn, time_limit: float | None) -> AnswerStream:
    """The default answer stream: ``predict`` on each question in turn, each within ``time_limit`` s."""

    def answers(questions: Sequence[VSIQuestion]) -> Iterator[tuple[VSIQuestion, Any, float]]:
        for question in questions:
            answer, seconds = timed_call(functools.partial(predict, question), time_limit)
            yield question, answer, seconds

    return answers


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_predictions(
    questions: Sequence[VSIQuestion],
    predict: PredictFn,
    out_path: str | Path,
    config: Mapping[str, Any],
    progress: bool = True,
    answers: AnswerStream | None = None,
    time_limit: float | None = None,
) -> RunSummary:
    """Predict every question that has no complete row (:func:`is_done`) in ``out_path`` yet;
    return a summary.

    Rows appended to ``out_path`` (JSONL, flushed after each): ``{"id", "question_type",
    "dataset", "scene_name", "prediction", ...answer.to_record(), "seconds"}``; when
    ``predict`` raises (an ``Exception``) or takes longer than ``time_limit`` seconds
    (:mod:`~spatialcode.bench.time_limit`; ``None``: no limit), ``{"id", ..., "prediction": "",
    "error": "<Type>: <message>", "seconds"}`` and the run goes on. ``seconds`` is the wall time
    of the ``predict`` call. One line is appended to :func:`runs_path` with the ``config`` (must be
    JSON-serialisable), :func:`code_version`, times and counts — also when the run is
    interrupted (then re-raised). A tqdm bar goes to stderr when ``progress``. ``answers``
    (default: ``predict`` on one question after the other) answers the questions to do in any
    order — e.g. in parallel (:func:`spatialcode.bench.parallel.ray_answers`) — each row written
    as its answer arrives (the stream applies its own time limit). Raises ``InputFileError`` when
    another run holds the file's lock, and ``ValidationError`` when a row answers another question.
    """
    questions = list(questions)
    config = _check_inputs(questions, config)
    time_limit = check_time_limit(time_limit)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(out_path):
        return _run(questions, answers or _sequential(predict, time_limit), out_path, config, progress)


def _run(questions: list[VSIQuestion], answers: AnswerStream, out_path: Path, config: dict[str, Any],
         progress: bool) -> RunSummary:
    """:func:`run_predictions` once the predictions file is locked."""
    rows: dict[QuestionId, dict[str, Any]] = {}
    if out_path.exists():
        _repair_tail(out_path)
        rows = read_predictions(out_path)
    try:
        todo = [question for question in questions if not is_done(rows.get(question.id), question)]
    except ValidationError as err:
        raise InputFileError(f"{out_path}: {err.problem}") from None
    counts = {"attempted": 0, "succeeded": 0, "errors": 0, "cannot_answer": 0, "fallback": 0}
    started, clock = _now(), time.perf_counter()
    interrupted = True
    try:
        with out_path.open("a", encoding="utf-8") as out, tqdm(
            total=len(todo), desc="predict", unit="q", file=sys.stderr, disable=not progress
        ) as bar:
            for question, answer, seconds in answers(todo):
                row, line = _row(question, answer, seconds)
                out.write(line + "\n")
                out.flush()
                counts["attempted"] += 1
                counts["errors" if "error" in row else "succeeded"] += 1
                counts["cannot_answer"] += 1 if row.get("cannot_answer") else 0
                counts["fallback"] += 1 if row.get("fallback") else 0
                bar.update(1)
                bar.set_postfix(errors=counts["errors"], refresh=False)
        interrupted = False
    finally:
        summary = RunSummary(
            out_path=str(out_path),
            runs_path=str(runs_path(out_path)),
            questions=len(questions),
            already_done=len(questions) - len(todo),
            started=started,
            finished=_now(),
            seconds=round(time.perf_counter() - clock, 3),
            code_version=code_version(),
            interrupted=interrupted,
            **counts,
        )
        with runs_path(out_path).open("a", encoding="utf-8") as sidecar:
            sidecar.write(json.dumps({**summary.to_record(), "config": config}, ensure_ascii=False) + "\n")
    return summary
