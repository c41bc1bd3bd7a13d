"""Synthetic training/test sets: many generated scenes with their verified questions.

Layout written by :func:`write_dataset` (``out`` is the folder)::

    out/scenes/<scene_name>.json        the ground-truth SpatialCode of each scene
    out/questions.jsonl                 every question, official VSI-Bench schema (+ split, scene_seed)
    out/data/<split>.jsonl              the same rows with the scene's code embedded as compact JSON
                                        (``spatial_code``), loadable with
                                        ``datasets.load_dataset("json", data_dir="out/data")``
    out/README.md                       a dataset card (config, counts, seeds)

Scene seeds are drawn from ``numpy.random.SeedSequence(seed, spawn_key=(split_id, index))``, a
separate stream per split, so a train and a test set never share a scene (checked).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from spatialcode.errors import SpatialCodeError
from spatialcode.questions.generate import QuestionGenConfig, generate_questions
from spatialcode.synth.generate import SceneGenConfig, generate_scene

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


def write_dataset(
    out: str | Path,
    scenes: int,
    seed: int = 0,
    splits: dict[str, float] | None = None,
    scene_config: SceneGenConfig | None = None,
    question_config: QuestionGenConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> DatasetSummary:
    """Generate ``scenes`` scenes split by the fractions in ``splits`` (default all train) and
    write them with their questions under ``out`` (layout in the module docstring).

    A scene the generator cannot build is recorded in the summary (with the reason) and skipped.
    """
    splits = splits or {"train": 1.0}
    if scenes < 1:
        raise SpatialCodeError("--scenes: must be at least 1")
    if any(name not in SPLITS for name in splits) or abs(sum(splits.values()) - 1.0) > 1e-9:
        raise SpatialCodeError(f"splits: names must be among {', '.join(SPLITS)} and fractions must sum to 1")
    out = Path(out)
    (out / "scenes").mkdir(parents=True, exist_ok=True)
    (out / "data").mkdir(parents=True, exist_ok=True)
    counts = _split_counts(scenes, splits)
    seeds = {s: [scene_seed(s, i, seed) for i in range(n)] for s, n in counts.items()}
    if len({x for v in seeds.values() for x in v}) != sum(counts.values()):
        raise SpatialCodeError("scene seeds collide across splits; choose another --seed")
    scene_counts: Counter[str] = Counter()
    question_counts: Counter[str] = Counter()
    per_task: Counter[str] = Counter()
    failed: list[dict[str, str]] = []
    with open(out / "questions.jsonl", "w") as all_rows:
        for split, split_seeds in seeds.items():
            with open(out / "data" / f"{split}.jsonl", "w") as split_rows:
                for s in split_seeds:
                    try:
                        code = generate_scene(s, scene_config)
                    except SpatialCodeError as err:
                        failed.append({"split": split, "scene_seed": str(s), "reason": str(err)})
                        continue
                    code.save(out / "scenes" / f"{code.source.scene_name}.json")
                    compact = json.dumps(code.to_dict(), separators=(",", ":"))
                    for question in generate_questions(code, s, question_config):
                        row = {**question.to_record(), "split": split, "scene_seed": s}
                        all_rows.write(json.dumps(row) + "\n")
                        split_rows.write(json.dumps({**row, "spatial_code": compact}) + "\n")
                        question_counts[split] += 1
                        per_task[question.question_type] += 1
                    scene_counts[split] += 1
                    if progress is not None:
                        progress(1)
    summary = DatasetSummary(str(out), dict(scene_counts), dict(question_counts), dict(per_task), failed)
    _write_card(out, summary, seed, scene_config or SceneGenConfig(), question_config or QuestionGenConfig())
    return summary


def _split_counts(scenes: int, splits: dict[str, float]) -> dict[str, int]:
    names = list(splits)
    counts = {name: int(round(scenes * splits[name])) for name in names}
    counts[names[0]] += scenes - sum(counts.values())
    return {name: n for name, n in counts.items() if n > 0}


def _write_card(out: Path, summary: DatasetSummary, seed: int, scene_config: SceneGenConfig, question_config: QuestionGenConfig) -> None:
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
        "```json",
        json.dumps({"scene_config": asdict(scene_config), "question_config": asdict(question_config)}, indent=1, default=str),
        "```",
    ]
    (out / "README.md").write_text("\n".join(lines) + "\n")
