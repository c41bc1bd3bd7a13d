"""Evaluate a reasoner on VSI-Bench questions over spatial codes (a folder or in memory;
resumable): :func:`evaluate` for questions, codes and a reasoner in hand, :func:`run_eval` for a
whole run described by one :class:`EvalConfig` (what ``spatialcode eval`` does)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spatialcode.bench import (
    RunSummary,
    ScoreTable,
    VSIQuestion,
    aggregate,
    read_predictions,
    run_predictions,
    score_predictions,
)
from spatialcode.bench.answering import answer_from_codes, codes_folder
from spatialcode.bench.runner import AnswerStream
from spatialcode.bench.time_limit import check_time_limit
from spatialcode.core.errors import SpatialCodeError
from spatialcode.core.validation import check_whole_number
from spatialcode.formats.codes_dir import CodeSource
from spatialcode.reason.registry import Reasoner, ReasonerConfig, make_reasoner
from spatialcode.tasks.records import load_questions, select_questions
from spatialcode.tasks.report import report_paths


@dataclass(frozen=True)
class Evaluation:
    """The outcome of :func:`evaluate`: the run summary, per-question scored rows and the table."""

    summary: RunSummary
    rows: list[dict[str, Any]]
    table: ScoreTable


def evaluate(
    questions: Sequence[VSIQuestion],
    codes: CodeSource,
    reasoner: Reasoner,
    predictions_path: str | Path,
    config: dict[str, Any],
    progress: bool = True,
    answers: AnswerStream | None = None,
    time_limit: float | None = None,
) -> Evaluation:
    """Answer every question not yet in ``predictions_path`` (appending rows), then score all.
    ``codes`` gives each question's scene code (a :class:`~spatialcode.formats.codes_dir.CodesDir`
    or :class:`~spatialcode.formats.codes_dir.CodeSet`).

    A question whose scene has no code or is not named by plain names, that is too long, whose
    reasoner raises or that takes longer than ``time_limit`` seconds (see
    :mod:`spatialcode.bench.time_limit`; ``None``: no limit) is recorded as an error row and
    scored 0 (:func:`spatialcode.bench.answering.answer_from_codes`); the run goes on and the next
    run retries it. ``answers`` replaces the one-by-one loop (e.g.
    :func:`spatialcode.bench.parallel.ray_answers`, which applies its own time limit).
    """
    predict = functools.partial(answer_from_codes, codes, reasoner)
    summary = run_predictions(questions, predict, predictions_path, config, progress=progress, answers=answers,
                              time_limit=time_limit)
    rows = score_predictions(questions, read_predictions(predictions_path))
    return Evaluation(summary=summary, rows=rows, table=aggregate(rows))


@dataclass
class QuestionFilter:
    """Which questions of the file run: only these question ``tasks`` and source ``datasets``
    (empty: all), only the ``debiased`` subset, at most ``limit`` questions after filtering."""

    tasks: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    debiased: bool = False
    limit: int | None = None

    def __post_init__(self) -> None:
        check_whole_number(self.limit, "limit", optional=True)

    def describe(self) -> str:
        """The filters in words (for a message saying nothing is left)."""
        parts = [f"tasks={list(self.tasks)}" if self.tasks else "", f"datasets={list(self.datasets)}" if self.datasets
                 else "", "debiased" if self.debiased else ""]
        return ", ".join(p for p in parts if p) or "no filter"


@dataclass
class EvalConfig:
    """One evaluation run: the ``questions`` file (.jsonl, .json or .parquet), the ``codes``
    folder (``<dataset>/<scene_name>.json``), the ``predictions`` JSON-lines file (appended;
    a re-run resumes), the ``report`` prefix (``PREFIX.md`` and ``PREFIX.json``; ``None``: none),
    the ``reasoner``, the question filter ``select``, ``workers`` Ray worker processes (each
    loads its own model) on the cluster at ``ray_address`` (``None``: started locally), and
    ``time_limit`` seconds a question may take (past it: an error row, and the run goes on)."""

    questions: Path
    codes: Path
    predictions: Path
    report: Path | None = None
    reasoner: ReasonerConfig = field(default_factory=ReasonerConfig)
    select: QuestionFilter = field(default_factory=QuestionFilter)
    workers: int = 1
    ray_address: str | None = None
    time_limit: float = 600.0

    def __post_init__(self) -> None:
        check_whole_number(self.workers, "workers")
        check_time_limit(self.time_limit)


def selected_questions(config: EvalConfig) -> list:
    """The questions of the run ``config`` describes (its file, filtered by ``select``); raises
    one line when the filter leaves none."""
    loaded = load_questions(config.questions)
    selected = select_questions(loaded, tasks=config.select.tasks or None, datasets=config.select.datasets or None,
                                debiased=config.select.debiased, limit=config.select.limit)
    if not selected:
        raise SpatialCodeError(_nothing_left(config.questions, loaded, config.select))
    return selected


def run_eval(config: EvalConfig, progress: bool = True) -> Evaluation:
    """The run ``config`` describes: select its questions, answer those not yet in its
    predictions file with its reasoner (on Ray workers when ``workers > 1`` or a cluster is
    named), score every one and write the report when asked."""
    from spatialcode.tasks.report import write_report

    selected = selected_questions(config)
    codes = codes_folder(config.codes)
    if config.report is not None:  # a report folder that cannot be made fails now, not after the run
        report_paths(config.report)[0].parent.mkdir(parents=True, exist_ok=True)
    reasoner, described = make_reasoner(config.reasoner)
    answers = None
    if config.workers > 1 or config.ray_address:
        from spatialcode.bench.parallel import ray_answers

        answers = ray_answers(config.reasoner, config.codes, config.workers, config.ray_address, config.time_limit)
    run = {**described, "questions": str(config.questions), "codes": str(config.codes),
           "select": asdict(config.select), "workers": config.workers, "ray_address": config.ray_address,
           "time_limit": config.time_limit}
    result = evaluate(selected, codes, reasoner, config.predictions, run, progress=progress, answers=answers,
                      time_limit=config.time_limit)
    if config.report is not None:
        write_report(result.table, config.report, title=eval_title(config))
    return result


def eval_title(config: EvalConfig) -> str:
    """The score table's title for the run ``config``."""
    return f"VSI-Bench — {config.reasoner.name} on {config.codes}"


def _nothing_left(path: Path, loaded: list[VSIQuestion], select: QuestionFilter) -> str:
    """Why no question of ``path`` (``loaded``) is left to answer: an empty file, or the filters
    of ``select`` (named with the tasks and datasets the file has)."""
    if not loaded:
        return f"{path}: no questions in this file"
    tasks = ", ".join(sorted({q.question_type for q in loaded}))
    datasets = ", ".join(sorted({q.dataset for q in loaded}))
    return f"no question of {path} is left after {select.describe()} (its tasks: {tasks}; its datasets: {datasets})"
