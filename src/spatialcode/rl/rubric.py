"""The rubric: four checks of a completion's reasoning (the ``<think>`` block) against the
truths of its row's spatial code (:mod:`spatialcode.rl.facts`). Each scores in [0, 1], or
``None`` when it does not apply to the row.

* grounding — every distinct name-shaped object name the reasoning uses (``sofa_1``) is a
  claim, right when the code has that object (invented names score 0); every triple quoted
  within 60 characters after an object's name or plain label is a claim, right when it is
  that object's centre, or its sides in any order, within the length tolerance (for a plain
  label, any instance of it). Score = right claims / claims; ``None`` without claims.
* perspective — relative direction and route planning only (``None`` otherwise): the
  reasoning names the observer (standing / start object) and the facing object (its name,
  plain label, or the question's phrase), and, when the solver answers from the code, the last
  side word of the task's vocabulary it states is the true side (route planning: the fraction
  of the solver's turns matched, in order, by the last turns it states — all of them, as the
  first turns, when it states fewer). Score = mean of those checks.
* quantities — the lengths, areas and angles the reasoning states (:func:`~spatialcode.rl.reading.quantities`)
  that can be checked (the task has truths of that kind): the fraction within tolerance of a
  true quantity of the question. ``None`` for counting and appearance order, and for multiple
  choice that states none that can be checked; a numeric task that states none scores 0.
* consistency — multiple choice: the last sentence or line of the reasoning names the final
  answer's option (by letter or text) and no other; numbers: the last number of the reasoning
  (converted to the question's unit when it has one; ×100 or ÷100 allowed for metres and
  centimetres) is the final answer within the consistency tolerance. No final answer: 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spatialcode import tasks
from spatialcode.geometry.box import Box3D
from spatialcode.reason.extract import Extraction, extract_answer
from spatialcode.rl.columns import RewardRow, as_row
from spatialcode.rl.completion import completion_text, reasoning_text
from spatialcode.rl.config import RewardConfig
from spatialcode.rl.facts import SceneFacts, scene_facts
from spatialcode.rl.reading import (
    Quantity,
    last_number,
    last_statement,
    mentions,
    quantities,
    says_phrase,
    stated_sides,
    stated_turns,
    triples,
)
from spatialcode.tasks.scoring import to_float

_TRIPLE_WINDOW = 60  # characters between an object's mention and a triple quoted for it
_NO_QUANTITIES = (tasks.COUNTING, tasks.APPEARANCE_ORDER)


def _close(stated: float, true: float, absolute: float, relative: float) -> bool:
    return abs(stated - true) <= max(absolute, relative * abs(true))


def _mean(checks: Sequence[float]) -> float | None:
    return sum(checks) / len(checks) if checks else None


def _box_matches(values: Sequence[float], box: Box3D, config: RewardConfig) -> bool:
    """True when ``values`` (m) are ``box``'s centre, or its sides in any order, within tolerance."""
    def same(stated: Sequence[float], true: Sequence[float]) -> bool:
        return all(_close(s, t, config.length_tolerance_m, config.relative_tolerance) for s, t in zip(stated, true))

    return same(values, box.center) or same(sorted(values), sorted(box.size))


def grounding_score(reasoning: str, facts: SceneFacts, config: RewardConfig) -> float | None:
    """Fraction of the reasoning's object names that exist and of its quoted triples (m) that
    match their object's box; ``None`` when it makes no such claim."""
    found = mentions(reasoning, list(facts.names), facts.code.labels)
    named = {m.key: m.kind == "name" for m in found if m.kind != "label"}
    checks = [float(exists) for exists in named.values()]
    for triple in triples(reasoning):
        before = [m for m in found if m.end <= triple.start and triple.start - m.end <= _TRIPLE_WINDOW]
        if not before or before[-1].kind == "invented":
            continue
        owner = before[-1]
        objects = [facts.names[owner.key]] if owner.kind == "name" else facts.code.objects_with_label(owner.key)
        checks.append(float(any(_box_matches(triple.values, obj.box, config) for obj in objects)))
    return _mean(checks)


def perspective_score(reasoning: str, facts: SceneFacts) -> float | None:
    """Mean of: observer named, facing object named, true side (or turns) stated last; ``None``
    for tasks without an observer."""
    view = facts.perspective
    if view is None:
        return None
    found = mentions(reasoning, list(facts.names), facts.code.labels)
    said = {facts.names[m.key].label if m.kind == "name" else m.key for m in found if m.kind != "invented"}
    checks = [float(label in said or says_phrase(reasoning, phrase)) for phrase, label in view.named]
    if view.expected is not None and view.turns:
        k = len(view.expected)
        last = stated_turns(reasoning)[-k:]  # fewer than k: all of them, as the first turns
        checks.append(sum(s == e for s, e in zip(last, view.expected)) / k)
    elif view.expected is not None:
        sides = [side for side in stated_sides(reasoning) if side in view.vocabulary]
        checks.append(float(bool(sides) and sides[-1] == view.expected[0]))
    return _mean(checks)


def _true_quantity(quantity: Quantity, truths: Sequence[float], config: RewardConfig) -> bool:
    if quantity.kind == "angle":
        return any(abs((quantity.value - t + 180.0) % 360.0 - 180.0) <= config.angle_tolerance_deg for t in truths)
    absolute = config.length_tolerance_m if quantity.kind == "length" else 0.0
    return any(_close(quantity.value, t, absolute, config.relative_tolerance) for t in truths)


def quantities_score(reasoning: str, facts: SceneFacts, row: RewardRow, config: RewardConfig) -> float | None:
    """Fraction of the reasoning's checkable quantities (m, m², degrees) that are true
    quantities of the question (see the module docstring for ``None`` and 0)."""
    if row.question_type in _NO_QUANTITIES:
        return None
    truths = {"length": facts.lengths, "area": facts.areas, "angle": facts.angles}
    checks = [float(_true_quantity(q, truths[q.kind], config)) for q in quantities(reasoning) if truths[q.kind]]
    if not checks:
        return None if row.multiple_choice else 0.0
    return _mean(checks)


def consistency_score(reasoning: str, extraction: Extraction, row: RewardRow, config: RewardConfig) -> float:
    """1.0 when the final answer follows from the reasoning's last statement (multiple
    choice) or last number (numeric), else 0.0."""
    if not extraction.parsed:
        return 0.0
    if row.multiple_choice:
        said = extract_answer(last_statement(reasoning), row.options)
        return float(said.parsed and said.prediction == extraction.prediction)
    answer, text = to_float(extraction.prediction), last_number(reasoning)
    stated = None if text is None else to_float(extract_answer(text, None, row.unit).prediction)
    if answer is None or stated is None:
        return 0.0
    candidates = (stated, stated * 100, stated / 100) if row.unit in ("m", "cm") else (stated,)
    return float(any(_close(c, answer, 0.0, config.consistency_tolerance) for c in candidates))


def rubric_items(reasoning: str, extraction: Extraction, row: RewardRow, config: RewardConfig) -> dict[str, float | None]:
    """The four rubric scores (in [0, 1] or ``None``) of a ``reasoning`` whose final answer is
    ``extraction``."""
    facts = scene_facts(row)
    return {
        "grounding": grounding_score(reasoning, facts, config),
        "perspective": perspective_score(reasoning, facts),
        "quantities": quantities_score(reasoning, facts, row, config),
        "consistency": consistency_score(reasoning, extraction, row, config),
    }


def rubric_breakdown(completion: str | Sequence[Mapping[str, Any]], row: RewardRow | Mapping[str, Any],
                     config: RewardConfig | None = None) -> dict[str, float | None]:
    """The rubric scores of one completion (text or chat messages) for one dataset row (the
    columns of :mod:`spatialcode.rl.columns`); ``None`` = not applicable."""
    row, config = as_row(row), config or RewardConfig()
    text = completion_text(completion)
    return rubric_items(reasoning_text(text), extract_answer(text, row.options, row.unit), row, config)
