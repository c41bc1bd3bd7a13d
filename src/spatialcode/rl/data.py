"""Training rows for SFT and GRPO from a synthetic dataset — never from VSI-Bench, whose
questions stay for testing.

The dataset is a folder written by ``spatialcode generate --scenes N --walkthrough --splits
train=0.9,test=0.1 --out DIR`` (:func:`~spatialcode.synth.dataset.write_dataset`): its
``data/<split>.jsonl`` rows hold each question with its scene's code. A training row is, in
TRL's conversational form:

* ``prompt`` — the chat messages asking the question about the code
  (:func:`~spatialcode.reason.prompt.build_prompt`), as the ``llm`` reasoner asks it;
* ``completion`` — the worked answer (:func:`~spatialcode.rl.traces.solver_completion`) as one
  assistant message, for SFT; rows the solver cannot answer are left out;
* the reward columns (:mod:`spatialcode.rl.columns`): ``question``, ``options`` (``[]`` for
  numeric tasks), ``question_type``, ``ground_truth``, ``code``; and the question ``id``.

With ``code_faults`` (a code-fault preset, e.g. ``authors-scannet``:
:class:`~spatialcode.synth.code_faults.CodeFaultConfig`) each question's scene code is first
passed through the faults, seeded by ``code_faults_seed`` and the question id (stable across runs
and machines): the prompt, the ``code`` column — so the rubric's grounding checks the reasoning
against the noisy code the model was given — and the worked answer all come from the noisy code,
as a real encoder's output would look, while ``ground_truth`` stays the answer on the true scene.
A worked answer the solver derives from the noisy code may then disagree with the ground truth,
or the solver cannot answer (an object missed): that is the imperfection being taught.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spatialcode import tasks
from spatialcode.core.errors import InputFileError, SpatialCodeError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.formats.json_file import jsonl_records
from spatialcode.reason.prompt import PromptConfig, build_prompt
from spatialcode.rl.traces import solver_completion
from spatialcode.scene import SpatialCode
from spatialcode.synth.code_faults import CodeFaultConfig, apply_code_faults, stable_seed


@dataclass(frozen=True)
class TrainingDataConfig:
    """Which questions of the synthetic ``dataset`` folder become training rows: those of
    ``split`` whose task is in ``tasks``, at most ``per_task`` of each task (drawn with ``seed``;
    ``None``: all), asked with the ``prompt`` settings, about the scene codes passed through the
    code-fault preset ``code_faults`` (``None``: the clean codes) seeded by ``code_faults_seed``
    and each question's id (see the module docstring)."""

    dataset: str = "runs/synth"
    split: str = "train"
    tasks: tuple[str, ...] = tasks.VSI_TASKS
    per_task: int | None = None
    seed: int = 0
    prompt: PromptConfig = field(default_factory=lambda: PromptConfig(serialisation="table", objects="question"))
    code_faults: str | None = None
    code_faults_seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "tasks", tuple(self.tasks))
        for task in self.tasks:
            tasks.check_task(task, "tasks")
        if not self.tasks:
            raise ValidationError("tasks", "expected at least one task")
        check_whole_number(self.per_task, "per_task", optional=True)
        check_whole_number(self.seed, "seed", minimum=0)
        check_whole_number(self.code_faults_seed, "code_faults_seed", minimum=0)
        if self.code_faults is not None:
            try:
                self.faults
            except ValidationError as err:
                raise ValidationError("code_faults", err.problem) from None

    @property
    def faults(self) -> CodeFaultConfig:
        """The code faults of ``code_faults`` (none when it is ``None``)."""
        return CodeFaultConfig.preset(self.code_faults or "clean")

    @property
    def path(self) -> Path:
        """The split's rows file."""
        return Path(self.dataset) / "data" / f"{self.split}.jsonl"


def training_rows(config: TrainingDataConfig, with_completions: bool = False) -> list[dict[str, Any]]:
    """The training rows of ``config`` (see the module docstring), in the dataset's order;
    with ``with_completions`` each has its worked ``completion`` and rows the solver cannot
    answer are left out."""
    chosen = _chosen(config)
    faults = config.faults
    rows = []
    for record in chosen:
        code = SpatialCode.from_json(record["spatial_code"])
        text = record["spatial_code"]
        if faults.enabled:
            code = apply_code_faults(code, faults, stable_seed(config.code_faults_seed, str(record["id"])))
            text = code.to_json()
        options = list(record.get("options") or [])
        row = {"id": record["id"], "question": record["question"], "options": options,
               "question_type": record["question_type"], "ground_truth": str(record["ground_truth"]),
               "code": text,
               "prompt": build_prompt(code, record["question"], options or None, record["question_type"],
                                      config.prompt).messages()}
        if with_completions:
            completion = solver_completion(code, record["question"], options or None, record["question_type"])
            if completion is None:
                continue
            row["completion"] = [{"role": "assistant", "content": completion}]
        rows.append(row)
    return rows


def _chosen(config: TrainingDataConfig) -> list[dict[str, Any]]:
    """The split's records of the configured tasks, at most ``per_task`` of each (seeded draw),
    in file order."""
    by_task: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for index, record in enumerate(_records(config.path)):
        if record.get("question_type") in config.tasks:
            by_task[record["question_type"]].append((index, record))
    if not by_task:
        raise SpatialCodeError(f"{config.path}: no questions of the tasks {', '.join(config.tasks)}")
    rng = random.Random(config.seed)
    kept = []
    for task in sorted(by_task):
        items = by_task[task]
        kept += items if config.per_task is None or len(items) <= config.per_task else rng.sample(items, config.per_task)
    return [record for _, record in sorted(kept, key=lambda item: item[0])]


def _records(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON rows of a dataset split file; a clear error when it is missing or broken."""
    if not path.is_file():
        raise SpatialCodeError(f"no synthetic dataset split at {path}: make one with `spatialcode generate --scenes 200 "
                               f"--walkthrough --splits train=0.9,test=0.1 --out {path.parent.parent}`")
    for where, record in jsonl_records(path, path.read_text(encoding="utf-8")):
        missing = [k for k in ("id", "question", "question_type", "ground_truth", "spatial_code") if k not in record]
        if missing:
            raise InputFileError(f"{path} {where}: missing {', '.join(missing)} (not a dataset written by "
                                 "`spatialcode generate --scenes`)")
        yield record
