"""`ask` and `eval` say which backend a language model runs on, and warn when a .gguf file goes
through the slow transformers fallback (llama-cpp-python missing, simulated by monkeypatching
``_has_llama_cpp``); llama.cpp generates on every CPU the process may use by default."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from spatialcode.cli import main
from tests.fixtures import tiny_scene

QUESTION = "How many chair(s) are in this room?"
INSTALL = "`.venv/bin/pip install llama-cpp-python==0.3.36`"


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory) -> str:
    from tests.tiny_gguf import write_tiny_gguf

    return str(write_tiny_gguf(tmp_path_factory.mktemp("tiny-gguf") / "tiny.gguf"))


@pytest.fixture
def scene(tmp_path):
    path = tmp_path / "scene.json"
    tiny_scene().save(path)
    return path


def _notices(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("spatialcode:")]


def test_ask_says_llama_cpp_and_its_threads(tiny_gguf, scene):
    pytest.importorskip("llama_cpp")
    given = CliRunner().invoke(main, ["ask", str(scene), QUESTION, "--reasoner", "llm", "--model", tiny_gguf,
                                      "--set", "model.threads=1", "--set", "llm.sampling.max_tokens=4"])
    assert given.exit_code in (0, 1), given.output  # the tiny model's "OK" is no count: cannot answer is fine
    assert _notices(given.stderr) == ["spatialcode: model tiny.gguf via llama.cpp (threads 1)"]
    default = CliRunner().invoke(main, ["ask", str(scene), QUESTION, "--reasoner", "llm", "--model", tiny_gguf,
                                        "--set", "llm.sampling.max_tokens=4"])
    cpus = len(os.sched_getaffinity(0))  # llama-cpp-python's own default would be half of them
    assert _notices(default.stderr) == [f"spatialcode: model tiny.gguf via llama.cpp (threads {cpus})"]


def test_ask_warns_when_a_gguf_goes_through_the_slow_fallback(tiny_gguf, scene, monkeypatch):
    monkeypatch.setattr("spatialcode.reason.llm._has_llama_cpp", lambda: False)
    result = CliRunner().invoke(main, ["ask", str(scene), QUESTION, "--reasoner", "llm", "--model", tiny_gguf,
                                       "--set", "llm.sampling.max_tokens=4"])
    notices = _notices(result.stderr)
    assert notices[0] == "spatialcode: model tiny.gguf via transformers (torch threads)"
    assert notices[1].startswith("spatialcode: warning: llama-cpp-python is not installed, so tiny.gguf is "
                                 "dequantised to float32 and run by transformers")
    assert notices[1].endswith(f"install the fast path with {INSTALL}")
    assert len(notices) == 2


def test_eval_says_the_backend_once(tiny_gguf, tmp_path):
    pytest.importorskip("llama_cpp")
    code = tiny_scene()
    codes = tmp_path / "codes" / "test"
    codes.mkdir(parents=True)
    code.save(codes / "tiny.json")
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": 1, "dataset": "test", "scene_name": "tiny", "question_type": "object_counting",
                                     "question": QUESTION, "options": None, "ground_truth": "1"}) + "\n")
    result = CliRunner().invoke(main, ["eval", "--questions", str(questions), "--codes", str(tmp_path / "codes"),
                                       "--reasoner", "llm", "--model", tiny_gguf, "--predictions",
                                       str(tmp_path / "p.jsonl"), "--no-progress", "--set", "reasoner.model.threads=1",
                                       "--set", "reasoner.llm.sampling.max_tokens=4"])
    assert result.exit_code == 0, result.output
    assert _notices(result.stderr) == ["spatialcode: model tiny.gguf via llama.cpp (threads 1)"]


def test_the_solver_says_nothing_about_models(scene):
    result = CliRunner().invoke(main, ["ask", str(scene), QUESTION])
    assert result.exit_code == 0 and _notices(result.stderr) == []
