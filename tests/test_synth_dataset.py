"""Synthetic datasets: layout, split separation, determinism, answers verified."""

from __future__ import annotations

import json

import pytest

from spatialcode.bench import load_questions
from spatialcode.core.errors import SpatialCodeError
from spatialcode.reason.solver import Solver
from spatialcode.scene import SpatialCode
from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.dataset import scene_seed, write_dataset


def test_dataset_layout_and_answers(tmp_path):
    summary = write_dataset(tmp_path / "ds", scenes=5, seed=7, splits={"train": 0.6, "test": 0.4})
    assert summary.scenes == {"train": 3, "test": 2} and not summary.failed_scenes
    out = tmp_path / "ds"
    questions = load_questions(out / "questions.jsonl")  # the official loader reads it
    assert len(questions) == sum(summary.questions.values()) > 0
    rows = [json.loads(line) for line in (out / "data" / "test.jsonl").read_text().splitlines()]
    assert {r["split"] for r in rows} == {"test"}
    solver = Solver()
    for row in rows:
        code = SpatialCode.from_json(row["spatial_code"])
        assert code == SpatialCode.load(out / "scenes" / f"{row['scene_name']}.json")
        answer = solver.answer_question(code, row["question"], row["options"], row["question_type"])
        assert answer.prediction == row["ground_truth"] and answer.answered
    assert "| test | 2 |" in (out / "README.md").read_text()


def test_splits_never_share_scenes_and_runs_are_deterministic(tmp_path):
    train = {scene_seed("train", i, 0) for i in range(2000)}
    test = {scene_seed("test", i, 0) for i in range(2000)}
    assert not train & test and len(train) == 2000
    write_dataset(tmp_path / "a", scenes=3, seed=1)
    write_dataset(tmp_path / "b", scenes=3, seed=1)
    assert (tmp_path / "a" / "questions.jsonl").read_bytes() == (tmp_path / "b" / "questions.jsonl").read_bytes()


def test_an_interrupted_run_leaves_no_question_file_that_looks_finished(tmp_path, monkeypatch):
    """A run stopped at its third scene (Ctrl-C) leaves neither questions.jsonl nor a split file,
    also where a finished earlier dataset was; the run made again gives them whole."""
    import spatialcode.synth.dataset as dataset

    write_dataset(tmp_path, scenes=2, seed=1, splits={"train": 0.5, "test": 0.5})  # an earlier dataset
    made = dataset._make_item
    calls = []

    def stopped_at_the_third(item):
        calls.append(item)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return made(item)

    monkeypatch.setattr(dataset, "_make_item", stopped_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        write_dataset(tmp_path, scenes=4, seed=2, splits={"train": 0.5, "test": 0.5})
    names = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.jsonl")}
    assert names == set()  # the two scenes done are in .partial files only
    monkeypatch.setattr(dataset, "_make_item", made)
    summary = write_dataset(tmp_path, scenes=4, seed=2, splits={"train": 0.5, "test": 0.5})
    assert summary.scenes == {"train": 2, "test": 2}
    assert len(load_questions(tmp_path / "questions.jsonl")) == sum(summary.questions.values())
    assert not list(tmp_path.rglob("*.partial"))


def test_bad_dataset_arguments(tmp_path):
    with pytest.raises(SpatialCodeError, match="^scenes: must be at least 1"):
        write_dataset(tmp_path, scenes=0)
    with pytest.raises(SpatialCodeError, match="fractions must sum to 1"):
        write_dataset(tmp_path, scenes=3, splits={"train": 0.5})
    with pytest.raises(SpatialCodeError, match="unknown split"):
        scene_seed("dev", 0, 0)


def test_walkthrough_adds_first_seen_and_appearance_questions_whatever_the_workers(tmp_path):
    path = PathConfig(width=96, height=72, mask_threshold=40, fps=5.0)
    one = write_dataset(tmp_path / "one", scenes=2, seed=3, walkthrough=path)
    two = write_dataset(tmp_path / "two", scenes=2, seed=3, walkthrough=path, workers=2)
    assert one == two.__class__(str(tmp_path / "one"), two.scenes, two.questions, two.per_task, two.failed_scenes)
    for name in ("questions.jsonl", "data/train.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    assert one.per_task.get("obj_appearance_order", 0) > 0
    for scene in (tmp_path / "one" / "scenes").glob("*.json"):
        code = SpatialCode.load(scene)
        assert code.camera and code.source.fps == 5.0 and code.source.frame_count == len(code.camera)
        assert sum(o.first_seen is not None for o in code.objects) >= len(code.objects) - 1
    assert "planned camera walkthrough" in (tmp_path / "one" / "README.md").read_text()
    plain = write_dataset(tmp_path / "plain", scenes=2, seed=3)
    assert "obj_appearance_order" not in plain.per_task
