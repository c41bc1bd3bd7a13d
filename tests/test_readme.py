"""The README's Python examples run as written, in a folder holding the files they name; an
example that loads pretrained model weights (``*_model=`` a folder, or a ``preset=`` of the video
path's models) is compiled, not run (tests use no weights)."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
import warnings
from importlib import resources
from pathlib import Path

import pytest

from spatialcode.formats.vsibench_meta import convert_vsibench_meta
from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.render import RenderConfig, render_scene
from tests.fixtures import META, tiny_scene

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = [textwrap.dedent(block) for block in
          re.findall(r"^ *```python\n(.*?)^ *```", README.read_text(encoding="utf-8"), flags=re.S | re.M)]


@pytest.fixture(scope="module")
def readme_folder(tmp_path_factory) -> Path:
    """scene.json (the demo scene), eval.yaml over a one-scene codes folder and its questions,
    and spatialcode-demo/ (a tiny render)."""
    folder = tmp_path_factory.mktemp("readme")
    shutil.copy(resources.files("spatialcode") / "data" / "demo_scene.json", folder / "scene.json")
    meta = folder / "meta_info"
    meta.mkdir()
    (meta / "scannet_meta_info_val.json").write_text(json.dumps(META))
    convert_vsibench_meta(meta, folder / "codes")
    question = {"id": 1, "dataset": "scannet", "scene_name": "scene0001_00", "question_type": "object_counting",
                "question": "How many chair(s) are in this room?", "options": None, "ground_truth": "3",
                "pruned": False}
    (folder / "questions.jsonl").write_text(json.dumps(question) + "\n")
    (folder / "eval.yaml").write_text("questions: questions.jsonl\ncodes: codes\npredictions: runs/solver.jsonl\n")
    with warnings.catch_warnings():  # 12 frames for the whole walkthrough: a compressed path, as asked
        warnings.simplefilter("ignore")
        render_scene(tiny_scene(), folder / "spatialcode-demo",
                     RenderConfig(path=PathConfig(width=64, height=48, fps=4.0, max_frames=12, mask_threshold=20)),
                     progress=False)
    return folder


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_a_readme_example_runs(number, readme_folder, monkeypatch, capsys):
    monkeypatch.chdir(readme_folder)
    code = compile(BLOCKS[number], f"README.md python example {number + 1}", "exec")
    if "_model=" in BLOCKS[number] or "preset=" in BLOCKS[number]:
        return  # needs model weights: its syntax is checked, it is not run
    exec(code, {"__name__": "readme"})
    if "spatialcode.answer" in BLOCKS[number]:  # the demo scene has two chairs, as the comment says
        assert capsys.readouterr().out.startswith("2 ('chair: 2 (2 boxes;")
    if "run_eval" in BLOCKS[number]:  # the one question, answered 3 (three chairs declared): right
        assert capsys.readouterr().out.split() == ["1", "100.0"]
