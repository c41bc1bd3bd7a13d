"""Is one model better than another on the same questions? The difference of their scores with a
95 % paired bootstrap interval: the questions both answered are resampled within each task (the
overall score is the mean of the task means; relative direction's three levels pooled, as the
benchmark does), and the difference recomputed on each resample."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from spatialcode.tasks import scored_task
from spatialcode.tasks.records import VSIQuestion
from spatialcode.tasks.scoring import score_predictions

QuestionId = Any


def paired_difference(questions: Iterable[VSIQuestion], a: Mapping[QuestionId, Mapping[str, Any]],
                      b: Mapping[QuestionId, Mapping[str, Any]], task: str | None = None,
                      resamples: int = 2000, seed: int = 0) -> dict[str, Any] | None:
    """Score (×100) of predictions ``a`` minus predictions ``b`` (rows by question id, as
    :func:`~spatialcode.bench.read_predictions` gives them) over the questions both answered —
    overall, or of one ``task`` (``"object_rel_direction"`` pools its levels) — with its 95 %
    paired bootstrap interval: ``{"questions", "difference", "ci95": [low, high]}``; ``None`` when
    no question was answered by both."""
    questions = list(questions)
    scores = [{r["id"]: (scored_task(r["question_type"]), r["score"]) for r in score_predictions(questions, rows)
               if not r["missing"]} for rows in (a, b)]
    by_task: dict[str, list[float]] = defaultdict(list)
    for qid in sorted(set(scores[0]) & set(scores[1])):
        kind = scores[0][qid][0]
        if task is None or kind == task:
            by_task[kind].append(scores[0][qid][1] - scores[1][qid][1])
    if not by_task:
        return None
    diffs = [np.asarray(v) for v in by_task.values()]
    rng = np.random.default_rng(seed)
    draws = [np.mean([d[rng.integers(0, len(d), len(d))].mean() for d in diffs]) for _ in range(resamples)]
    low, high = np.percentile(draws, [2.5, 97.5])
    return {"questions": sum(len(d) for d in diffs), "difference": 100 * float(np.mean([d.mean() for d in diffs])),
            "ci95": [100 * float(low), 100 * float(high)]}

