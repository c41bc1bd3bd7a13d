r"""Official VSI-Bench scoring, reproduced from lmms-eval 0.7.3 (``lmms_eval/tasks/vsibench/utils.py``;
``tests/test_lmms_eval_parity.py`` scores the same replies with both).

Per question (:func:`score_question`, a float in [0, 1]):

- multiple choice: ``fuzzy_matching(pred) = pred.split(" ")[0].rstrip(".").strip()`` — the first
  space-separated token without trailing dots — then a case-insensitive exact match with the
  ground-truth letter. ``"B. left"`` and ``"b."`` score 1 against ``B``; ``" B"`` scores 0 (its
  first token is ``""``): that is the official behaviour and is kept.
- numeric: the reply's number (``None`` when it has none; it then scores 0, the official worst
  case), then the mean relative accuracy ``MRA = mean over thresholds c of [ |pred - gt| / gt <= 1 - c ]``.

Reading the number. lmms-eval 0.7.3 (``numbers="lmms-eval"``, the default) takes the reply's
first number, :func:`first_number`: the first run of digits (``-?\d+(?:\.\d+)?``) anywhere in
the lower-cased, stripped reply, unless a run of English number words (``"three"``,
``"twenty-one"``, ``"two hundred and five"``) starts before it — ``"about 3 m"`` reads 3,
``"2.5m"`` 2.5, ``" 2"`` 2, ``"three chairs"`` 3, ``".5"`` 5 (the digits after the dot) and
``"1,200"`` 1. lmms-eval up to 0.7.2 and the paper's code read only the first space-separated
token as a float, ``to_float(fuzzy_matching(pred))`` (``numbers="first-token"``): there
``"about 3"``, ``"2.5m"`` and ``" 2"`` score 0 and ``".5"`` reads 0.5. The two agree on a reply
that is a plain number, optionally followed by a space and more text.

Thresholds. lmms-eval builds them as ``np.linspace(0.5, 0.95, int((0.95 - 0.5) / 0.05 + 2))``.
The ``+ 2`` reads as if 11 points spaced 0.045 were meant, but in IEEE doubles
``(0.95 - 0.5) / 0.05 == 8.999999999999998``, so ``int(...)`` is 10 and the code runs with the
10 points 0.5, 0.55, …, 0.95 the paper describes — except that the ninth is
``0.8999999999999999``, not 0.9. ``thresholds="lmms-eval"`` (the default) is that array,
computed with the same expression. ``thresholds="paper"`` is the exact decimals 0.50, 0.55, …,
0.95. The two differ only for a relative error of (about) exactly 0.1: ``1.1`` against ``1.0``
has a float relative error of ``0.10000000000000009``, which passes ``1 - 0.8999999999999999``
but not ``1 - 0.9``, so it scores 0.9 with ``"lmms-eval"`` and 0.8 with ``"paper"``. Both use
the code's ``<=``; the paper's formula writes a strict ``<``, which is not offered. Any other
sequence of thresholds may be passed.

Ground truth 0 (never in the official data, where the code would divide by zero): 1.0 when the
prediction is exactly 0, else 0.0. A negative ground truth is rejected.

Aggregation (:func:`aggregate`), as lmms-eval: the mean score per ``question_type``;
``object_rel_direction`` = the unweighted mean of its easy / medium / hard means (the subtask
means stay in the table for reference but do not enter the overall); overall = the mean of the
8 :data:`~spatialcode.tasks.SCORED_TASKS`. Scores are reported ×100. Departures, for subsets
the official code never sees: a scored task with no question is left out of the overall (not
counted as 0) and listed in ``absent``; when only some relative-direction subtasks have
questions, ``object_rel_direction`` is the mean of those present and the others are listed in
``absent`` (lmms-eval would raise ``KeyError``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spatialcode.core.errors import ValidationError
from spatialcode.tasks import (
    MULTIPLE_CHOICE_TASKS,
    REL_DIRECTION,
    REL_DIRECTION_TASKS,
    SCORED_TASKS,
    check_task,
)
from spatialcode.tasks.records import QuestionId, VSIQuestion

Thresholds = str | Sequence[float]

#: lmms-eval's thresholds, built with its own expression (10 points; see the module docstring).
LMMS_EVAL_THRESHOLDS: np.ndarray = np.linspace(0.5, 0.95, int((0.95 - 0.5) / 0.05 + 2))
#: The paper's thresholds C = {0.50, 0.55, ..., 0.95} as exact decimals.
PAPER_THRESHOLDS: np.ndarray = np.array([round(0.5 + 0.05 * k, 2) for k in range(10)])
LMMS_EVAL_THRESHOLDS.setflags(write=False)
PAPER_THRESHOLDS.setflags(write=False)
_NAMED_THRESHOLDS = {"lmms-eval": LMMS_EVAL_THRESHOLDS, "paper": PAPER_THRESHOLDS}

#: Score of a question with no usable prediction (official worst case).
WORST_SCORE = 0.0


def fuzzy_matching(prediction: Any) -> str:
    """Return the official answer token: the first space-separated token, trailing dots removed.

    ``None`` reads as ``""``; other non-strings are converted with ``str``.
    """
    text = "" if prediction is None else str(prediction)
    return text.split(" ")[0].rstrip(".").strip()


def to_float(text: Any) -> float | None:
    """Return ``float(text)``, or ``None`` when that fails (as lmms-eval's ``to_float``)."""
    try:
        return float(text)
    except (TypeError, ValueError, OverflowError):
        return None


#: The English number words lmms-eval 0.7.3 reads, with their values.
NUMBER_WORDS: dict[str, int] = {
    **{word: value for value, word in enumerate(
        ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
         "seventeen eighteen nineteen twenty").split())},
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "thousand": 1000,
}
_DIGITS = re.compile(r"-?\d+(?:\.\d+)?")
_LETTERS = re.compile(r"[a-z]+")


def _number_word_run(text: str) -> tuple[int, list[str]] | None:
    """Where the first number word of ``text`` starts and the run of number words from it (an
    ``and`` inside the run is skipped; any other word ends it); ``None`` when there is none."""
    start, words = None, []
    for match in _LETTERS.finditer(text):
        word = match.group(0)
        if start is None:
            if word in NUMBER_WORDS:
                start, words = match.start(), [word]
        elif word in NUMBER_WORDS:
            words.append(word)
        elif word != "and":
            break
    return None if start is None else (start, words)


def _words_value(words: Sequence[str]) -> float:
    """The value of a run of number words: ``hundred`` multiplies what came before it (1 when
    nothing did), ``thousand`` closes a group of thousands, the others add."""
    total = current = 0
    for word in words:
        value = NUMBER_WORDS[word]
        if value == 100:
            current = max(current, 1) * 100
        elif value == 1000:
            total, current = total + max(current, 1) * 1000, 0
        else:
            current += value
    return float(total + current)


def first_number(prediction: Any) -> float | None:
    """Return the number a reply states, as lmms-eval 0.7.3 reads it: the first run of digits in
    the lower-cased, stripped text, or the run of English number words that starts before it;
    ``None`` when there is neither (see the module docstring for examples)."""
    text = ("" if prediction is None else str(prediction)).strip().lower()
    digits = _DIGITS.search(text)
    words = _number_word_run(text)
    if digits is not None and (words is None or digits.start() < words[0]):
        return float(digits.group(0))
    return None if words is None else _words_value(words[1])


def first_token_number(prediction: Any) -> float | None:
    """Return the first space-separated token of a reply as a float (``None`` when it is not one),
    as lmms-eval up to 0.7.2 and the paper's code read numeric answers."""
    return to_float(fuzzy_matching(prediction))


#: How a numeric reply is read: lmms-eval 0.7.3's way (the default) or the earlier first-token way.
NUMBER_READINGS = {"lmms-eval": first_number, "first-token": first_token_number}


def read_number(prediction: Any, numbers: str = "lmms-eval") -> float | None:
    """Return the number of the reply ``prediction`` read the ``numbers`` way (a key of
    :data:`NUMBER_READINGS`); ``None`` when it states none."""
    if numbers not in NUMBER_READINGS:
        raise ValidationError("numbers", f"unknown reading {numbers!r}; expected one of: {', '.join(NUMBER_READINGS)}")
    return NUMBER_READINGS[numbers](prediction)


def exact_match(prediction: str, target: str) -> float:
    """Return 1.0 when ``prediction`` equals ``target`` ignoring case, else 0.0."""
    return 1.0 if prediction.lower() == target.lower() else 0.0


def mra_thresholds(thresholds: Thresholds = "lmms-eval") -> np.ndarray:
    """Return the MRA confidence thresholds: ``"lmms-eval"``, ``"paper"`` or explicit values."""
    if isinstance(thresholds, str):
        if thresholds not in _NAMED_THRESHOLDS:
            raise ValidationError("thresholds", f"unknown set {thresholds!r}; expected 'lmms-eval', 'paper' or numbers")
        return _NAMED_THRESHOLDS[thresholds]
    try:
        values = np.asarray([float(c) for c in thresholds], dtype=float)
    except (TypeError, ValueError):
        raise ValidationError("thresholds", f"expected numbers, got {thresholds!r}") from None
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValidationError("thresholds", f"expected at least one finite number, got {thresholds!r}")
    return values


def mean_relative_accuracy(prediction: float | None, target: float, thresholds: Thresholds = "lmms-eval") -> float:
    """Return the MRA in [0, 1] of ``prediction`` against ``target`` (same unit).

    ``None`` scores 0. For ``target == 0`` the score is 1.0 only when ``prediction == 0``.
    """
    if target < 0 or not math.isfinite(target):
        raise ValidationError("ground_truth", f"expected a finite number >= 0, got {target!r}")
    if prediction is None:
        return WORST_SCORE
    if target == 0:
        return 1.0 if prediction == 0 else 0.0
    relative_error = abs(prediction - target) / target
    return float(np.mean(relative_error <= 1 - mra_thresholds(thresholds)))


def score_question(question: VSIQuestion, prediction: str, thresholds: Thresholds = "lmms-eval",
                   numbers: str = "lmms-eval") -> float:
    """Return the official score in [0, 1] of ``prediction`` (raw model text) for ``question``;
    a numeric reply is read the ``numbers`` way (:func:`read_number`)."""
    if question.ground_truth is None:
        raise ValidationError("ground_truth", f"question {question.id!r} has no ground truth to score against")
    if question.question_type in MULTIPLE_CHOICE_TASKS:
        return exact_match(fuzzy_matching(prediction), question.ground_truth)
    return mean_relative_accuracy(read_number(prediction, numbers), float(question.ground_truth), thresholds)


def score_predictions(
    questions: Iterable[VSIQuestion],
    predictions: Mapping[QuestionId, Mapping[str, Any]],
    thresholds: Thresholds = "lmms-eval",
    numbers: str = "lmms-eval",
) -> list[dict[str, Any]]:
    """Score every question against its predictions row (:func:`score_question` with
    ``thresholds`` and ``numbers``); return one row per question.

    Each row: ``id``, ``question_type``, ``dataset``, ``scene_name``, ``pruned``,
    ``prediction``, ``score`` (in [0, 1]), ``cannot_answer`` (the reason or ``None``),
    ``fallback`` (bool) and ``missing`` (bool). A question with no predictions row, or whose
    row records an ``error``, is ``missing`` and scores 0 — left out questions never raise
    the score.
    """
    rows = []
    for question in questions:
        record = predictions.get(question.id)
        missing = record is None or "error" in record
        prediction = "" if missing else record.get("prediction", "")
        rows.append(
            {
                "id": question.id,
                "question_type": question.question_type,
                "dataset": question.dataset,
                "scene_name": question.scene_name,
                "pruned": question.pruned,
                "prediction": prediction,
                "score": WORST_SCORE if missing else score_question(question, prediction, thresholds, numbers),
                "cannot_answer": None if missing else record.get("cannot_answer"),
                "fallback": False if missing else bool(record.get("fallback", False)),
                "missing": missing,
            }
        )
    return rows


@dataclass(frozen=True)
class SubsetScores:
    """Aggregated scores of one subset of questions, ×100 (0–100).

    ``scores`` and ``counts`` are keyed by the question types present plus
    ``object_rel_direction`` (when any of its subtasks is present); ``overall`` is the mean of
    the scored tasks present, ``None`` when there is none; ``absent`` lists the scored tasks
    (and relative-direction subtasks) with no question, which the overall leaves out.
    """

    scores: dict[str, float]
    counts: dict[str, int]
    overall: float | None
    absent: tuple[str, ...]

    @property
    def n(self) -> int:
        """Number of questions in the subset."""
        return sum(count for task, count in self.counts.items() if task != REL_DIRECTION)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "overall": self.overall,
            "n": self.n,
            "scores": dict(self.scores),
            "counts": dict(self.counts),
            "absent": list(self.absent),
        }


@dataclass(frozen=True)
class ScoreTable:
    """The benchmark table: the full set, the debiased subset (``pruned is False``) and each
    dataset, each aggregated the official way (×100); plus, per question type (and
    ``object_rel_direction``), how many rows were answered with ``cannot_answer``, with a
    ``fallback`` prior, or were ``missing`` (no prediction or an error row, scored 0)."""

    full: SubsetScores
    debiased: SubsetScores
    by_dataset: dict[str, SubsetScores]
    cannot_answer: dict[str, int] = field(default_factory=dict)
    fallback: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "overall": self.full.overall,
            "full": self.full.to_dict(),
            "debiased": self.debiased.to_dict(),
            "by_dataset": {name: scores.to_dict() for name, scores in self.by_dataset.items()},
            "cannot_answer": dict(self.cannot_answer),
            "fallback": dict(self.fallback),
            "missing": dict(self.missing),
        }


def _checked_row(row: Mapping[str, Any], index: int) -> tuple[str, float]:
    try:
        task = check_task(row.get("question_type"))  # type: ignore[arg-type]
    except ValidationError as err:
        raise ValidationError(f"rows[{index}].question_type", err.problem) from None
    score = row.get("score")
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0.0 <= score <= 1.0:
        raise ValidationError(f"rows[{index}].score", f"expected a number in [0, 1], got {score!r}")
    return task, float(score)


def _with_rel_direction(per_task: Mapping[str, int]) -> dict[str, int]:
    counts = dict(per_task)
    present = [task for task in REL_DIRECTION_TASKS if task in counts]
    if present:
        counts[REL_DIRECTION] = sum(counts[task] for task in present)
    return counts


def _subset_scores(scored: Sequence[tuple[str, float]]) -> SubsetScores:
    by_task: dict[str, list[float]] = defaultdict(list)
    for task, score in scored:
        by_task[task].append(score)
    means = {task: float(np.mean(values)) for task, values in by_task.items()}
    absent = [task for task in REL_DIRECTION_TASKS if task not in means]
    present_directions = [means[task] for task in REL_DIRECTION_TASKS if task in means]
    if present_directions:
        means[REL_DIRECTION] = sum(present_directions) / len(present_directions)
    scored_means = [means[task] for task in SCORED_TASKS if task in means]
    absent = [task for task in SCORED_TASKS if task not in means] + absent
    overall = sum(scored_means) / len(scored_means) * 100 if scored_means else None
    return SubsetScores(
        scores={task: value * 100 for task, value in means.items()},
        counts=_with_rel_direction({task: len(values) for task, values in by_task.items()}),
        overall=overall,
        absent=tuple(absent),
    )


def _flag_counts(rows: Sequence[Mapping[str, Any]], tasks: Sequence[str], key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row, task in zip(rows, tasks):
        counts[task] = counts.get(task, 0) + (1 if row.get(key) else 0)
    return _with_rel_direction(counts)


def _dataset(row: Mapping[str, Any]) -> str | None:
    name = row.get("dataset")
    return None if name is None else str(name)


def aggregate(rows: Iterable[Mapping[str, Any]]) -> ScoreTable:
    """Aggregate scored rows (as from :func:`score_predictions`) into a :class:`ScoreTable`.

    Each row needs ``question_type`` and ``score`` (in [0, 1]); ``dataset``, ``pruned``,
    ``cannot_answer``, ``fallback`` and ``missing`` are used when present. Rows whose
    ``pruned`` is not ``False`` are outside the debiased subset.
    """
    rows = list(rows)
    scored = [_checked_row(row, index) for index, row in enumerate(rows)]
    datasets = sorted({name for name in map(_dataset, rows) if name is not None})
    tasks = [task for task, _ in scored]
    return ScoreTable(
        full=_subset_scores(scored),
        debiased=_subset_scores([pair for pair, row in zip(scored, rows) if row.get("pruned") is False]),
        by_dataset={
            name: _subset_scores([pair for pair, row in zip(scored, rows) if _dataset(row) == name])
            for name in datasets
        },
        cannot_answer=_flag_counts(rows, tasks, "cannot_answer"),
        fallback=_flag_counts(rows, tasks, "fallback"),
        missing=_flag_counts(rows, tasks, "missing"),
    )
