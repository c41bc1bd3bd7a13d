"""The solver's derivations as reasoning traces: the worked answers a model is fine-tuned on
before RL (``<think>…</think><answer>…</answer>``).

A derivation (:attr:`~spatialcode.reason.answer.Answer.derivation`) lists the boxes used and the
numbers computed, naming an object ``label#id``; the trace names it as the prompt does
(``sofa_1``, :func:`~spatialcode.reason.serialise.object_names`), so that what the model learns to
write is grounded in what it reads, and the rubric's grounding check can follow it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from spatialcode.reason.answer import Answer
from spatialcode.reason.serialise import object_names
from spatialcode.reason.solver import Solver
from spatialcode.scene import SpatialCode

_SOLVER = Solver()


def reasoning_trace(code: SpatialCode, answer: Answer) -> str:
    """The solver's derivation of ``answer`` over ``code``, one step per line, with objects named
    as in the prompt (metres, square metres, degrees as the derivation states them)."""
    names = {f"{obj.label}#{obj.id}": name for obj, name in zip(code.objects, object_names(code.objects))}
    if not names:
        return "\n".join(answer.derivation)
    pattern = re.compile("|".join(re.escape(key) for key in sorted(names, key=len, reverse=True)) + r"(?!\d)")
    return "\n".join(pattern.sub(lambda m: names[m.group()], step) for step in answer.derivation)


def solver_completion(code: SpatialCode, question: str, options: Sequence[str] | None,
                      question_type: str | None) -> str | None:
    """The worked answer to ``question`` about ``code``: the solver's trace inside ``<think>``,
    its answer inside ``<answer>``; ``None`` when the solver cannot answer from the code (a
    fine-tuning target must not teach a guess). A number the solver *estimates* for an object the
    code has no box for (an imperfect code's: :mod:`spatialcode.reason.estimates`, the estimate
    stated in the trace) is a worked answer; an option chosen by a prior is not."""
    answer = _SOLVER.answer_question(code, question, options, question_type)
    estimated = answer.fallback and not options and answer.value is not None
    if not answer.prediction or not (answer.answered or estimated):
        return None
    return f"<think>\n{reasoning_trace(code, answer)}\n</think>\n<answer>{answer.prediction}</answer>"
