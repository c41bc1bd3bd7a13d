"""Rewards for GRPO training over spatial questions, as TRL wants them: plain callables
``reward(completions, **columns) -> list[float]``, one float in [0, 1] per completion.

``completions`` are strings or chat-message lists (``[{"role": "assistant", "content": "…"}]``);
the dataset columns arrive as keyword lists, one value per completion:

* ``question`` (str), ``options`` (list of str like ``["A. left", "B. right"]``, or ``None`` /
  ``[]`` for numeric tasks), ``question_type`` (VSI-Bench task name), ``ground_truth`` (option
  letter, or the number in the question's unit), ``code`` (the scene as ``SpatialCode.to_json()``).

Other keywords (``prompts``, ``completion_ids``, ``trainer_state``, …) are ignored. A missing
column or a bad value raises :class:`~spatialcode.core.errors.ValidationError` naming the column; a
completion that cannot be parsed only scores low.

* :func:`format_reward` — the ``<think>…</think><answer>…</answer>`` shape (:mod:`spatialcode.rl.completion`).
* :func:`accuracy_reward` — the answer (:func:`~spatialcode.reason.extract.extract_answer`)
  scored as VSI-Bench does: exact letter match, or the mean relative accuracy of the number.
* :class:`SpatialRubricReward` — the weighted mean of format, accuracy and the rubric items
  (:mod:`spatialcode.rl.rubric`) under a :class:`~spatialcode.rl.config.RewardConfig`; items that do
  not apply to a row drop out and the other weights are renormalised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spatialcode.reason.extract import Extraction, extract_answer
from spatialcode.rl.columns import RewardRow, as_row, rows_from_columns
from spatialcode.rl.completion import completion_text, format_score, reasoning_text
from spatialcode.rl.config import ITEMS, RUBRIC_ITEMS, RewardConfig
from spatialcode.rl.rubric import rubric_items
from spatialcode.tasks.scoring import exact_match, mean_relative_accuracy, to_float

Completion = str | Sequence[Mapping[str, Any]]


def accuracy_score(extraction: Extraction, row: RewardRow) -> float:
    """VSI-Bench's score in [0, 1] of an extracted answer: 1/0 for the option letter, the mean
    relative accuracy for a number (in the question's unit); 0 when nothing was extracted."""
    if not extraction.parsed:
        return 0.0
    if row.multiple_choice:
        return exact_match(extraction.prediction, row.ground_truth)
    return mean_relative_accuracy(to_float(extraction.prediction), row.truth_value)  # type: ignore[arg-type]


def format_reward(completions: Sequence[Completion], **columns: Any) -> list[float]:
    """The format score in [0, 1] of each completion (reads no column)."""
    return [format_score(completion_text(c)) for c in completions]


def accuracy_reward(completions: Sequence[Completion], **columns: Any) -> list[float]:
    """The accuracy in [0, 1] of each completion's final answer against its row's ground truth."""
    rows = rows_from_columns(len(completions), columns)
    return [accuracy_score(extract_answer(text, row.options, row.unit), row)
            for text, row in zip(map(completion_text, completions), rows)]


def combine(items: Mapping[str, float | None], config: RewardConfig) -> float:
    """The weighted mean in [0, 1] of the items that apply (not ``None``, weight > 0); with
    ``gate_rubric_on_correct`` the rubric items are first multiplied by the accuracy. 0 when no
    weighted item applies."""
    gate = items["accuracy"] if config.gate_rubric_on_correct else 1.0
    total = weight = 0.0
    for item, w in config.weights.items():
        score = items[item]
        if score is None or w == 0:
            continue
        total += w * score * (gate if item in RUBRIC_ITEMS else 1.0)  # type: ignore[operator]
        weight += w
    return total / weight if weight else 0.0


def reward_breakdown(completion: Completion, row: RewardRow | Mapping[str, Any],
                     config: RewardConfig | None = None) -> dict[str, float | None]:
    """Every item of one completion for one dataset row — ``format``, ``accuracy``,
    ``grounding``, ``perspective``, ``quantities``, ``consistency`` (in [0, 1], ``None`` = not
    applicable; before gating) — and the combined ``reward``, for logging."""
    row, config = as_row(row), config or RewardConfig()
    text = completion_text(completion)
    extraction = extract_answer(text, row.options, row.unit)
    items = {"format": format_score(text), "accuracy": accuracy_score(extraction, row),
             **rubric_items(reasoning_text(text), extraction, row, config)}
    return {**items, "reward": combine(items, config)}


class SpatialRubricReward:
    """The combined reward under ``config`` as a TRL reward function (``__name__`` is what TRL
    logs it as)."""

    def __init__(self, config: RewardConfig | None = None, name: str = "spatial_rubric") -> None:
        self.config = config or RewardConfig()
        self.__name__ = name

    def breakdowns(self, completions: Sequence[Completion], **columns: Any) -> list[dict[str, float | None]]:
        """:func:`reward_breakdown` of each completion with its row of ``columns``."""
        rows = rows_from_columns(len(completions), columns)
        return [reward_breakdown(c, row, self.config) for c, row in zip(completions, rows)]

    def __call__(self, completions: Sequence[Completion], **columns: Any) -> list[float]:
        """The combined reward in [0, 1] of each completion. Under TRL (a ``log_metric``
        keyword) the mean of each item over the completions it applies to is logged as
        ``items/<item>``."""
        breakdowns = self.breakdowns(completions, **columns)
        log_metric = columns.get("log_metric")
        if callable(log_metric):
            for item in ITEMS:
                scores = [b[item] for b in breakdowns if b[item] is not None]
                if scores:
                    log_metric(f"items/{item}", sum(scores) / len(scores))  # type: ignore[arg-type]
        return [float(b["reward"]) for b in breakdowns]  # type: ignore[arg-type]
