"""The dataset columns the rewards read, one value per completion (TRL passes every dataset
column to a reward as a keyword argument holding a list):

* ``question`` (str) — the question in VSI-Bench wording;
* ``options`` (list of str like ``["A. left", "B. right"]``; ``None`` or ``[]`` for numeric tasks);
* ``question_type`` (str) — the task (:data:`spatialcode.tasks.ALL_TASKS`, e.g. ``"object_abs_distance"``);
* ``ground_truth`` (str or number) — the option letter, or the number in the question's unit;
* ``code`` (str) — the scene as :meth:`SpatialCode.to_json` text.

Other keyword arguments (``prompts``, ``completion_ids``, ``trainer_state``, other columns) are
ignored. A missing column or a bad value raises :class:`~spatialcode.core.errors.ValidationError`
naming the column.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spatialcode import tasks
from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.questions.query import Query
from spatialcode.questions.vsibench import parse_options, parse_question
from spatialcode.reason.prompt import answer_unit
from spatialcode.scene import SpatialCode
from spatialcode.tasks.scoring import to_float

#: The columns every reward row needs.
COLUMNS = ("question", "options", "question_type", "ground_truth", "code")


@functools.lru_cache(maxsize=256)
def load_code(text: str) -> SpatialCode:
    """The spatial code in JSON ``text`` (parsed once per distinct text: a GRPO group shares
    its row); raises :class:`ValidationError` on field ``code`` (or ``code.<field>``)."""
    try:
        return SpatialCode.from_json(text)
    except InputFileError as err:
        raise ValidationError("code", str(err)) from None
    except ValidationError as err:
        raise ValidationError(f"code.{err.field}", err.problem) from None


@dataclass(frozen=True)
class RewardRow:
    """One dataset row, validated (see the module docstring for the columns). ``options``
    become a tuple (``None`` → ``()``) and ``ground_truth`` text (a number is accepted), so
    the row is hashable and what is derived from it can be cached."""

    question: str
    options: Sequence[str] | None
    question_type: str
    ground_truth: str
    code_text: str

    def __post_init__(self) -> None:
        options = self.options
        if options is not None and (isinstance(options, (str, bytes)) or not isinstance(options, Sequence)):
            raise ValidationError("options", f"expected a list of option strings or None, got {options!r}")
        object.__setattr__(self, "options", tuple(str(o) for o in options or ()))
        object.__setattr__(self, "ground_truth", str(self.ground_truth).strip())
        if not isinstance(self.question, str) or not self.question.strip():
            raise ValidationError("question", f"expected the question text, got {self.question!r}")
        tasks.check_task(self.question_type)
        if self.multiple_choice and not self.options:
            raise ValidationError("options", f"{self.question_type} is multiple choice: expected its options, got none")
        if not self.multiple_choice and self.options:
            raise ValidationError("options", f"{self.question_type} is answered with a number: expected no options")
        if self.multiple_choice:
            letters = [o.letter for o in parse_options(self.options)]
            if self.ground_truth.upper() not in letters:
                raise ValidationError("ground_truth", f"expected one of the option letters {letters}, got {self.ground_truth!r}")
        elif self.truth_value is None or not math.isfinite(self.truth_value) or self.truth_value < 0:
            raise ValidationError("ground_truth", f"expected a number >= 0, got {self.ground_truth!r}")
        if not isinstance(self.code_text, str) or not self.code_text.strip():
            raise ValidationError("code", "expected the spatial code as JSON text")
        load_code(self.code_text)

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> RewardRow:
        """The row of a dataset record (a mapping holding the :data:`COLUMNS`)."""
        missing = [name for name in COLUMNS if name not in row]
        if missing:
            raise ValidationError(missing[0], f"missing column (the rewards read {', '.join(COLUMNS)})")
        return cls(question=row["question"], options=row["options"], question_type=row["question_type"],
                   ground_truth=row["ground_truth"], code_text=row["code"])

    @property
    def multiple_choice(self) -> bool:
        """True when the answer is an option letter."""
        return tasks.is_multiple_choice(self.question_type)

    @property
    def truth_value(self) -> float | None:
        """The numeric ground truth (in the question's unit), ``None`` for multiple choice."""
        return None if self.multiple_choice else to_float(self.ground_truth)

    @property
    def code(self) -> SpatialCode:
        """The row's spatial code (metres, z up)."""
        return load_code(self.code_text)

    @functools.cached_property
    def query(self) -> Query:
        """The parsed question."""
        return parse_question(self.question, self.options, self.question_type)

    @functools.cached_property
    def unit(self) -> str | None:
        """The unit of a numeric answer (``"m"``, ``"cm"``, ``"m2"``; ``None`` for counts and choices)."""
        return answer_unit(self.question, self.question_type)


def as_row(row: RewardRow | Mapping[str, Any]) -> RewardRow:
    """``row`` as a :class:`RewardRow` (a dataset record is validated)."""
    return row if isinstance(row, RewardRow) else RewardRow.from_mapping(row)


def rows_from_columns(count: int, columns: Mapping[str, Any]) -> list[RewardRow]:
    """The ``count`` rows of TRL-style keyword columns (one list per column, one value per
    completion); raises :class:`ValidationError` naming a missing or short column."""
    for name in COLUMNS:
        if name not in columns:
            raise ValidationError(name, f"missing column (the rewards read {', '.join(COLUMNS)})")
        values = columns[name]
        is_list = isinstance(values, Sequence) and not isinstance(values, (str, bytes))
        if not is_list or len(values) != count:
            got = f"{len(values)} values" if is_list else repr(values)
            raise ValidationError(name, f"expected a list of {count} values (one per completion), got {got}")
    rows = []
    for i in range(count):
        try:
            rows.append(RewardRow.from_mapping({name: columns[name][i] for name in COLUMNS}))
        except ValidationError as err:
            raise ValidationError(err.field, f"{err.problem} (completion {i})") from None
    return rows
