"""Synthetic training/test sets: many generated scenes with their verified questions.

Layout written by :func:`write_dataset` (``out`` is the folder)::

    out/scenes/<scene_name>.json        the ground-truth SpatialCode of each scene
    out/questions.jsonl                 every question, official VSI-Bench schema (+ split, scene_seed)
    out/data/<split>.jsonl              the same rows with the scene's code embedded as compact JSON
                                        (``spatial_code``), loadable with
                                        ``datasets.load_dataset("json", data_dir="out/data")``
    out/README.md                       a dataset card (config, counts, seeds)

The question files are written under ``.partial`` names and take their names only once every
scene is done: an interrupted run leaves no ``questions.jsonl`` or ``data/<split>.jsonl`` that
looks finished (a script that skips an existing dataset then makes it again).

Scene seeds are drawn from ``numpy.random.SeedSequence(seed, spawn_key=(split_id, index))``, a
separate stream per split, so a train and a test set never share a scene (checked).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.scene import SpatialCode
from spatialcode.synth.camera_path import PathConfig, walkthrough_code
from spatialcode.synth.generate import generate_scene
from spatialcode.synth.questions import QuestionGenConfig, generate_questions
from spatialcode.synth.scene_config import SceneGenConfig
from spatialcode.tasks.records import VSIQuestion

#: Split names and the stream id their scene seeds come from.
SPLITS: dict[str, int] = {"train": 1, "test": 2, "validation": 3}


def scene_seed(split: str, index: int, seed: int) -> int:
    """The generator seed of scene ``index`` of ``split`` in a dataset made with ``seed`` (a
    non-negative 31-bit integer; different splits use disjoint seed streams)."""
    if split not in SPLITS:
        raise SpatialCodeError(f"split: unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    state = np.random.SeedSequence(seed, spawn_key=(SPLITS[split], index)).generate_state(1)[0]
    return int(state) & 0x7FFFFFFF


@dataclass(frozen=True)
class DatasetSummary:
    """What :func:`write_dataset` wrote: scene and question counts per split and task."""

    out: str
    scenes: dict[str, int]
    questions: dict[str, int]
    per_task: dict[str, int]
    failed_scenes: list[dict[str, str]] = field(default_factory=list)


def make_scene(seed: int, scene_config: SceneGenConfig | None = None, question_config: QuestionGenConfig | None = None,
               walkthrough: PathConfig | None = None) -> tuple[SpatialCode, list[VSIQuestion]]:
    """One dataset item: the scene of ``seed``, with its planned walkthrough (camera path and
    ``first_seen``, so that appearance-order questions exist) when ``walkthrough`` is given, and
    its verified questions. Raises :class:`SpatialCodeError` when the scene cannot be built."""
    code = generate_scene(seed, scene_config)
    if walkthrough is not None:
        code = walkthrough_code(code, walkthrough)
    return code, generate_questions(code, seed, question_config)


def _make_item(args: tuple) -> tuple[SpatialCode, list[VSIQuestion]] | str:
    """:func:`make_scene` for a worker process: the reason string instead of raising."""
    try:
        return make_scene(*args)
    except SpatialCodeError as err:
        return str(err)


def write_dataset(
    out: str | Path,
    scenes: int,
    seed: int = 0,
    splits: dict[str, float] | None = None,
    scene_config: SceneGenConfig | None = None,
    question_config: QuestionGenConfig | None = None,
    progress: Callable[[int], None] | None = None,
    walkthrough: PathConfig | None = None,
    workers: int = 1,
) -> DatasetSummary:
    """Generate ``scenes`` scenes split by the fractions in ``splits`` (default all train) and
    write them with their questions under ``out`` (layout in the module docstring).

    With ``walkthrough`` every scene gets its planned camera path and ``first_seen`` times
    (:func:`~spatialcode.synth.camera_path.walkthrough_code`; ≈ 0.5 s per scene), which adds the
    appearance-order questions. ``workers`` > 1 builds scenes in that many processes; the files
    are identical whatever the number of workers. A scene the generator cannot build is recorded
    in the summary (with the reason) and skipped.
    """
    splits = splits or {"train": 1.0}
    if scenes < 1:
        raise ValidationError("scenes", "must be at least 1")
    if any(name not in SPLITS for name in splits) or abs(sum(splits.values()) - 1.0) > 1e-9:
        raise SpatialCodeError(f"splits: names must be among {', '.join(SPLITS)} and fractions must sum to 1")
    out = Path(out)
    (out / "scenes").mkdir(parents=True, exist_ok=True)
    (out / "data").mkdir(parents=True, exist_ok=True)
    counts = _split_counts(scenes, splits)
    seeds = {s: [scene_seed(s, i, seed) for i in range(n)] for s, n in counts.items()}
    if len({x for v in seeds.values() for x in v}) != sum(counts.values()):
        raise SpatialCodeError("scene seeds collide across splits; choose another seed")
    scene_counts: Counter[str] = Counter()
    question_counts: Counter[str] = Counter()
    per_task: Counter[str] = Counter()
    failed: list[dict[str, str]] = []
    jobs = [(split, s) for split, split_seeds in seeds.items() for s in split_seeds]
    items = ((s, scene_config, question_config, walkthrough) for _, s in jobs)
    finals = [out / "questions.jsonl", *(out / "data" / f"{split}.jsonl" for split in seeds)]
    for path in finals:
        path.unlink(missing_ok=True)  # an earlier dataset's files: never left beside this one's scenes
    partial = {path: path.with_name(path.name + ".partial") for path in finals}
    with contextlib.ExitStack() as stack:
        if workers > 1:
            pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")))
            results = pool.map(_make_item, items, chunksize=4)
        else:
            results = map(_make_item, items)
        all_rows = stack.enter_context(open(partial[finals[0]], "w"))
        split_files = {split: stack.enter_context(open(partial[path], "w")) for split, path in zip(seeds, finals[1:])}
        for (split, s), item in zip(jobs, results):
            if isinstance(item, str):
                failed.append({"split": split, "scene_seed": str(s), "reason": item})
                continue
            code, questions = item
            code.save(out / "scenes" / f"{code.source.scene_name}.json")
            compact = json.dumps(code.to_dict(), separators=(",", ":"))
            for question in questions:
                row = {**question.to_record(), "split": split, "scene_seed": s}
                all_rows.write(json.dumps(row) + "\n")
                split_files[split].write(json.dumps({**row, "spatial_code": compact}) + "\n")
                question_counts[split] += 1
                per_task[question.question_type] += 1
            scene_counts[split] += 1
            if progress is not None:
                progress(1)
    for final, written in partial.items():
        written.replace(final)
    summary = DatasetSummary(str(out), dict(scene_counts), dict(question_counts), dict(per_task), failed)
    _write_card(out, summary, seed, scene_config or SceneGenConfig(), question_config or QuestionGenConfig(), walkthrough)
    return summary


def _split_counts(scenes: int, splits: dict[str, float]) -> dict[str, int]:
    names = list(splits)
    counts = {name: int(round(scenes * splits[name])) for name in names}
    counts[names[0]] += scenes - sum(counts.values())
    return {name: n for name, n in counts.items() if n > 0}


def _write_card(out: Path, summary: DatasetSummary, seed: int, scene_config: SceneGenConfig, question_config: QuestionGenConfig,
                walkthrough: PathConfig | None) -> None:
    lines = [
        "# spatialcode synthetic spatial-reasoning set",
        "",
        f"Made by `spatialcode generate` with seed {seed}. Scenes are procedural rooms with exact",
        "ground truth; questions follow VSI-Bench's templates and generation rules, and every answer",
        "was re-derived by the exact solver. Load with",
        '`datasets.load_dataset("json", data_dir="data")`.',
        "",
        "| split | scenes | questions |",
        "|---|---:|---:|",
        *(f"| {s} | {summary.scenes.get(s, 0)} | {summary.questions.get(s, 0)} |" for s in summary.scenes),
        "",
        "Questions per task: " + ", ".join(f"{t} {n}" for t, n in sorted(summary.per_task.items())),
        "",
        f"Scenes that could not be built: {len(summary.failed_scenes)}.",
        "",
        ("Each scene carries its planned camera walkthrough and first_seen times (appearance-order questions included)."
         if walkthrough is not None else
         "Scenes carry no camera walkthrough, so there are no appearance-order questions (use --walkthrough)."),
        "",
        "```json",
        json.dumps({"scene_config": asdict(scene_config), "question_config": asdict(question_config),
                    "walkthrough": None if walkthrough is None else asdict(walkthrough)}, indent=1, default=str),
        "```",
    ]
    (out / "README.md").write_text("\n".join(lines) + "\n")


@dataclass
class GenerateConfig:
    """What ``spatialcode generate`` makes: one scene of room ``kind`` (``None``: drawn from the
    seed) written to the file ``out``, or with ``scenes`` a dataset of that many scenes split by
    the fractions ``splits`` into the folder ``out`` (:func:`write_dataset`, on ``workers``
    processes); ``seed`` the random seed; ``walkthrough`` plans each scene's camera path
    (``path``) and records ``first_seen``; ``scene`` and ``questions`` the generators' settings."""

    out: Path
    seed: int = 0
    kind: str | None = None
    scenes: int | None = None
    splits: dict[str, float] = field(default_factory=lambda: {"train": 1.0})
    walkthrough: bool = False
    workers: int = 1
    scene: SceneGenConfig = field(default_factory=SceneGenConfig)
    questions: QuestionGenConfig = field(default_factory=QuestionGenConfig)
    path: PathConfig = field(default_factory=PathConfig)

    def __post_init__(self) -> None:
        check_whole_number(self.seed, "seed", minimum=0)
        check_whole_number(self.scenes, "scenes", optional=True)
        check_whole_number(self.workers, "workers")
        if self.kind is not None and self.scenes is not None:
            raise ValidationError("kind", "applies to a single scene; leave it out with scenes")


def run_generate(config: GenerateConfig, progress: Callable[[int], None] | None = None) -> SpatialCode | DatasetSummary:
    """Make what ``config`` asks for (see :class:`GenerateConfig`) and write it: the scene's code
    (returned) or the dataset (its summary returned; ``progress`` is called with 1 per scene)."""
    path = config.path if config.walkthrough else None
    if config.scenes is None:
        code = generate_scene(config.seed, config.scene, kind=config.kind)
        if path is not None:
            code = walkthrough_code(code, path)
        code.save(config.out)
        return code
    return write_dataset(config.out, config.scenes, config.seed, config.splits, scene_config=config.scene,
                         question_config=config.questions, progress=progress, walkthrough=path, workers=config.workers)
