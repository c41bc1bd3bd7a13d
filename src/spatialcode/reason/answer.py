"""The result of answering one question: a value, or an explicit reason it cannot be answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Answer:
    """An answer to one question.

    ``prediction`` is what gets scored: an option letter (``"B"``) for multiple choice, a
    number written as text in the question's unit (``"1.3"``) for numeric tasks, or ``""``
    when there is no answer. ``cannot_answer`` gives the reason when the code could not answer
    (``"no box for 'shower'"``); ``fallback`` is true when ``prediction`` then came from a
    documented prior rather than from the code. ``derivation`` lists the steps (boxes used,
    numbers computed), for people.
    """

    prediction: str
    cannot_answer: str | None = None
    fallback: bool = False
    derivation: tuple[str, ...] = ()
    value: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        """True when the code itself produced the prediction (no reason to refuse, no prior)."""
        return self.cannot_answer is None and not self.fallback

    def headline(self) -> str:
        """The answer in one line for people: the prediction; the reason when there is none; the
        prediction and the reason when a prior chose it."""
        if self.cannot_answer and not self.fallback:
            return self.cannot_answer
        if self.fallback:
            return f"{self.prediction}   ({self.cannot_answer}; fell back to a prior)"
        return self.prediction

    def to_record(self) -> dict[str, Any]:
        """Return the fields written into a predictions row (beside ``id``)."""
        record: dict[str, Any] = {"prediction": self.prediction}
        if self.cannot_answer is not None:
            record["cannot_answer"] = self.cannot_answer
        if self.fallback:
            record["fallback"] = True
        if self.derivation:
            record["derivation"] = list(self.derivation)
        record.update(self.extra)
        return record
