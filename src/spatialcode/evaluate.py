"""Evaluate a reasoner on VSI-Bench questions over spatial codes (a folder or in memory; resumable)."""

from __future__ import annotations

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
from spatialcode.bench.runner import AnswerStream
from spatialcode.formats.codes_dir import CodeSource
from spatialcode.reason.answer import Answer
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
) -> Evaluation:
    """Answer every question not yet in ``predictions_path`` (appending rows), then score all.
    ``codes`` gives each question's scene code (a :class:`~spatialcode.formats.codes_dir.CodesDir`
    or :class:`~spatialcode.formats.codes_dir.CodeSet`).

    A question whose scene has no code, or whose reasoner raises, is recorded as an error row
    and scored 0; the run goes on and the next run retries it. ``answers`` replaces the
    one-by-one loop (e.g. :func:`spatialcode.bench.parallel.ray_answers`).
    """

    def predict(question: VSIQuestion) -> Answer:
        code = codes.get(question.dataset, question.scene_name)
        return reasoner.answer_question(code, question.question, question.options, question.question_type)

    summary = run_predictions(questions, predict, predictions_path, config, progress=progress, answers=answers)
    rows = score_predictions(questions, read_predictions(predictions_path))
    return Evaluation(summary=summary, rows=rows, table=aggregate(rows))
