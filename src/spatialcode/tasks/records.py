"""VSI-Bench questions: one validated record per question, loaders and subset filters.

The schema is the official one (Hugging Face ``nyu-visionx/VSI-Bench``): ``id``, ``dataset``,
``scene_name``, ``question_type``, ``question``, ``options`` (``["A. left", "B. right"]`` for
multiple choice, null otherwise), ``ground_truth`` (the option letter, or a number written as
text) and ``pruned`` (true when the question was removed from the debiased benchmark).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spatialcode.core.errors import InputFileError, ValidationError, one_line
from spatialcode.core.json_input import parse_json
from spatialcode.formats.json_file import jsonl_records
from spatialcode.tasks import (
    MULTIPLE_CHOICE_TASKS,
    REL_DIRECTION,
    REL_DIRECTION_TASKS,
    check_task,
)

QuestionId = int | str

#: Fields every question record must carry.
REQUIRED_FIELDS: tuple[str, ...] = ("id", "dataset", "scene_name", "question_type", "question")
#: Fields that may be absent (they then read as ``None``).
OPTIONAL_FIELDS: tuple[str, ...] = ("options", "ground_truth", "pruned")

_OPTION_LETTER = re.compile(r"^\s*([A-Za-z])\.")


def _non_empty_text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"expected a non-empty string, got {value!r}")
    return value


def normalise_id(value: Any) -> QuestionId:
    """Return the question id ``value`` in the one form ids are compared in: an integer, also when
    written as its decimal text (``"2"`` → ``2``; ``"02"`` or ``"q2"`` stay text). Raises
    ``ValidationError`` for anything but an integer or non-empty text."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, str)):
        raise ValidationError("id", f"expected an integer or a string, got {value!r}")
    if isinstance(value, str):
        _non_empty_text(value, "id")
        try:
            number = int(value)
        except ValueError:
            return value
        return number if str(number) == value else value
    return int(value)


def _options(value: Any, task: str) -> tuple[str, ...] | None:
    if value is None:
        options: tuple[Any, ...] = ()
    elif isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValidationError("options", f"expected a list of strings, got {value!r}")
    else:
        options = tuple(value)
    if task not in MULTIPLE_CHOICE_TASKS:
        if options:
            raise ValidationError("options", f"numeric task {task!r} takes no options, got {list(options)!r}")
        return None
    if not options:
        raise ValidationError("options", f"multiple-choice task {task!r} needs options, got {value!r}")
    letters: list[str] = []
    for index, option in enumerate(options):
        match = _OPTION_LETTER.match(option) if isinstance(option, str) else None
        if match is None:
            raise ValidationError(f"options[{index}]", f"expected text like 'A. left', got {option!r}")
        letters.append(match.group(1).upper())
    if len(set(letters)) != len(letters):
        raise ValidationError("options", f"option letters repeat: {letters}")
    return tuple(str(option) for option in options)


def option_letters(options: Sequence[str]) -> tuple[str, ...]:
    """Return the upper-case option letters of ``options`` (``"A. left"`` → ``"A"``)."""
    letters = []
    for option in options:
        match = _OPTION_LETTER.match(option)
        letters.append(match.group(1).upper() if match else "")
    return tuple(letters)


def _ground_truth(value: Any, task: str, options: tuple[str, ...] | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("ground_truth", f"expected a string, got {value!r}")
    if options is not None:
        if value.upper() not in option_letters(options):
            raise ValidationError(
                "ground_truth", f"expected one of the option letters {list(option_letters(options))}, got {value!r}"
            )
        return value
    try:
        number = float(value)
    except ValueError:
        raise ValidationError("ground_truth", f"expected a number for task {task!r}, got {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise ValidationError("ground_truth", f"expected a finite number >= 0 for task {task!r}, got {value!r}")
    return value


@dataclass(frozen=True)
class VSIQuestion:
    """One VSI-Bench question, validated on construction.

    ``options`` is a tuple of ``"A. text"`` strings for multiple-choice tasks and ``None`` for
    numeric ones; ``ground_truth`` is the option letter, or a number as text in the question's
    unit (metres, square metres, centimetres, a count); ``None`` when unknown. ``pruned`` is the
    official flag: ``False`` marks the VSI-Bench-Debiased subset, ``None`` means not stated.
    ``id`` is kept as :func:`normalise_id` writes it. Raises ``ValidationError`` naming the offending field.
    """

    id: QuestionId
    dataset: str
    scene_name: str
    question_type: str
    question: str
    options: tuple[str, ...] | None = None
    ground_truth: str | None = None
    pruned: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", normalise_id(self.id))
        if not isinstance(self.dataset, str):
            raise ValidationError("dataset", f"expected a string, got {self.dataset!r}")
        if not isinstance(self.scene_name, str):
            raise ValidationError("scene_name", f"expected a string, got {self.scene_name!r}")
        if not isinstance(self.question_type, str):
            raise ValidationError("question_type", f"expected a task name, got {self.question_type!r}")
        check_task(self.question_type)
        _non_empty_text(self.question, "question")
        options = _options(self.options, self.question_type)
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "ground_truth", _ground_truth(self.ground_truth, self.question_type, options))
        if self.pruned is not None and not isinstance(self.pruned, bool):
            raise ValidationError("pruned", f"expected true, false or null, got {self.pruned!r}")

    @property
    def is_multiple_choice(self) -> bool:
        """True when the question is answered with an option letter."""
        return self.options is not None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> VSIQuestion:
        """Build a question from one official-schema record (extra keys are ignored).

        A numeric ``ground_truth`` (``2`` rather than ``"2"``) is accepted and written as text.
        Raises ``ValidationError`` naming a missing or bad field.
        """
        if not isinstance(record, Mapping):
            raise ValidationError("record", f"expected an object, got {type(record).__name__}")
        for name in REQUIRED_FIELDS:
            if name not in record or record[name] is None:
                raise ValidationError(name, "missing")
        values = {name: record[name] for name in REQUIRED_FIELDS}
        values.update({name: record.get(name) for name in OPTIONAL_FIELDS})
        truth = values["ground_truth"]
        if isinstance(truth, numbers.Real) and not isinstance(truth, bool):
            values["ground_truth"] = str(truth)
        return cls(**values)

    def to_record(self) -> dict[str, Any]:
        """Return the official-schema record (``options`` as a list, or ``None``)."""
        return {
            "id": self.id,
            "dataset": self.dataset,
            "scene_name": self.scene_name,
            "question_type": self.question_type,
            "question": self.question,
            "options": list(self.options) if self.options is not None else None,
            "ground_truth": self.ground_truth,
            "pruned": self.pruned,
        }


def _json_records(path: Path, text: str) -> Iterator[tuple[str, Any]]:
    data = parse_json(text, str(path))
    if isinstance(data, Mapping) and isinstance(data.get("data"), list):
        data = data["data"]
    if not isinstance(data, list):
        raise InputFileError(f"{path}: expected a JSON list of questions or {{\"data\": [...]}}")
    for number, record in enumerate(data, start=1):
        yield f"row {number}", record


def _parquet_records(path: Path) -> Iterator[tuple[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        rows = pq.read_table(path).to_pylist()
    except (pa.ArrowException, OSError) as err:
        raise InputFileError(f"{path}: not a readable parquet file ({one_line(str(err))})") from None
    for number, record in enumerate(rows, start=1):
        yield f"row {number}", record


def _records(path: Path) -> Iterator[tuple[str, Any]]:
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".json", ".parquet"):
        raise InputFileError(f"{path}: unknown question file type {path.suffix!r}; expected .jsonl, .json or .parquet")
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    if suffix == ".parquet":
        return _parquet_records(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputFileError(f"{path}: cannot read ({one_line(str(err))})") from None
    return jsonl_records(path, text) if suffix == ".jsonl" else _json_records(path, text)


def load_questions(path: str | Path) -> list[VSIQuestion]:
    """Read VSI-Bench questions from a ``.jsonl``, ``.json`` or ``.parquet`` file, in file order.

    ``.json`` holds a list of records or ``{"data": [...]}``. Raises ``InputFileError`` with
    one line naming the file, where in it (``line N`` for JSONL, ``row N`` counted from 1
    otherwise) and the problem; ids must be unique.
    """
    path = Path(path)
    questions: list[VSIQuestion] = []
    first_seen: dict[QuestionId, str] = {}
    for where, record in _records(path):
        try:
            question = VSIQuestion.from_record(record)
        except ValidationError as err:
            raise InputFileError(f"{path} {where}: {one_line(str(err))}") from None
        if question.id in first_seen:
            first = first_seen[question.id]
            raise InputFileError(f"{path} {where}: id: duplicate id {question.id!r} (first at {first})")
        first_seen[question.id] = where
        questions.append(question)
    return questions


def _expand_tasks(tasks: Iterable[str]) -> set[str]:
    if isinstance(tasks, str):
        tasks = [tasks]
    wanted: set[str] = set()
    for task in tasks:
        if task == REL_DIRECTION:
            wanted.update(REL_DIRECTION_TASKS)
        else:
            wanted.add(check_task(task, field="tasks"))
    return wanted


def select_questions(
    questions: Iterable[VSIQuestion],
    tasks: Iterable[str] | None = None,
    datasets: Iterable[str] | None = None,
    debiased: bool = False,
    limit: int | None = None,
) -> list[VSIQuestion]:
    """Return the questions that pass every filter, in their original order.

    ``tasks``: question types to keep (``"object_rel_direction"`` stands for its three
    subtasks). ``datasets``: source datasets to keep (``"scannet"``, ``"scannetpp"``,
    ``"arkitscenes"``). ``debiased``: keep only VSI-Bench-Debiased (``pruned is False``); a
    question whose ``pruned`` is unknown raises ``ValidationError`` rather than being guessed.
    ``limit``: keep at most this many, the first ones after filtering.
    """
    wanted_tasks = _expand_tasks(tasks) if tasks is not None else None
    wanted_datasets = {datasets} if isinstance(datasets, str) else set(datasets) if datasets is not None else None
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValidationError("limit", f"expected a non-negative integer, got {limit!r}")
    selected: list[VSIQuestion] = []
    for question in questions:
        if limit is not None and len(selected) >= limit:
            break
        if wanted_tasks is not None and question.question_type not in wanted_tasks:
            continue
        if wanted_datasets is not None and question.dataset not in wanted_datasets:
            continue
        if debiased:
            if question.pruned is None:
                problem = f"question {question.id!r} has no pruned flag; cannot select the debiased subset"
                raise ValidationError("pruned", problem)
            if question.pruned:
                continue
        selected.append(question)
    return selected
