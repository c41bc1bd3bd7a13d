"""Evaluate a reasoner on VSI-Bench questions over spatial codes (a folder or in memory; resumable)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
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
from spatialcode.bench.answering import answer_from_codes
from spatialcode.bench.runner import AnswerStream
from spatialcode.formats.codes_dir import CodeSource
from spatialcode.reason.registry import Reasoner


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
