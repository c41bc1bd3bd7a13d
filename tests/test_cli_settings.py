"""One configuration mechanism for the long commands: a YAML ``--config`` file, the command's
options, ``--set dotted.key=VALUE`` (each later one wins), ``--show-config``; settings that no
option reaches; one-line errors naming the key (and the option that sets it)."""

from __future__ import annotations

import json

import pytest
import yaml

from spatialcode.core.config import load_config
from spatialcode.core.errors import ValidationError
from spatialcode.reason.registry import ReasonerConfig
from spatialcode.reason.sandbox import SandboxLimits
from tests.test_cli import bench_fixture, run  # noqa: F401 - the fixture is used by name

BASE = ("--questions", "q.jsonl", "--codes", "codes", "--predictions", "p.jsonl")


def shown(*args: str, cwd=None) -> dict:
    """The settings ``eval`` would run with, as ``--show-config`` prints them."""
    result = run("eval", *args, "--show-config", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_the_file_then_the_options_then_set_each_win(tmp_path):
    config = tmp_path / "eval.yaml"
    config.write_text("select:\n  limit: 1\nreasoner:\n  solver:\n    fallback: false\n")
    assert shown(*BASE, "--config", str(config))["select"]["limit"] == 1
    assert shown(*BASE, "--config", str(config), "--limit", "2")["select"]["limit"] == 2
    settings = shown(*BASE, "--config", str(config), "--limit", "2", "--set", "select.limit=3")
    assert settings["select"]["limit"] == 3
    # what the file says and nothing overrides stays; what nobody says keeps its default
    assert settings["reasoner"]["solver"]["fallback"] is False and settings["time_limit"] == 600.0


def test_an_option_that_sets_two_keys_sets_both():
    settings = shown(*BASE, "--max-tokens", "77", "--temperature", "0.5")
    for reasoner in ("llm", "tools"):
        assert settings["reasoner"][reasoner]["sampling"]["max_tokens"] == 77
        assert settings["reasoner"][reasoner]["sampling"]["temperature"] == 0.5


def test_show_config_prints_a_file_that_gives_the_same_settings(tmp_path):
    first = run("eval", *BASE, "--task", "object_counting", "--tool-timeout", "2.5", "--show-config", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    (tmp_path / "eval.yaml").write_text(first.stdout)
    again = run("eval", "--config", "eval.yaml", "--show-config", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout == first.stdout
    assert yaml.safe_load(first.stdout)["select"]["tasks"] == ["object_counting"]


def test_a_setting_no_option_reaches_changes_the_answers(bench_fixture):  # noqa: F811
    root, meta, qpath = bench_fixture
    assert run("convert", "vsibench-meta", "--meta-info", str(meta), "--out", str(root / "codes")).returncode == 0
    predictions = {}
    for name, extra in (("default", ()), ("one-decimal", ("--set", "reasoner.solver.decimals.cm=1"))):
        path = root / f"{name}.jsonl"
        result = run("eval", "--questions", str(qpath), "--codes", str(root / "codes"), "--predictions", str(path),
                     "--task", "object_size_estimation", "--no-progress", *extra)
        assert result.returncode == 0, result.stderr
        predictions[name] = [json.loads(line)["prediction"] for line in path.read_text().splitlines()]
    # the table's longest side is 1.2 m: 120 cm at the solver's default 0 decimals, 120.0 at 1
    assert predictions == {"default": ["120"], "one-decimal": ["120.0"]}


@pytest.mark.parametrize(("args", "message"), [
    (("--set", "reasoner.bogus=1"), "error: reasoner.bogus: unknown setting (known: llm, model, name, solver, tools)"),
    (("--set", "workers=0"), "error: workers: "),
    (("--set", "reasoner.llm.sampling.temperature=-1"), "error: reasoner.llm.sampling.temperature: must be >= 0"),
    (("--reasoner", "oracle"), "error: reasoner.name (from --reasoner): unknown reasoner 'oracle'"),
    (("--set", "limit"), "error: override: expected key=value"),
    (("--set", "select.limit.deeper=1"), "error: select.limit: must be a whole number"),
    (("--limit", "2", "--set", "select.limit.deeper=1"), "error: select.limit.deeper: 'limit' is a value, not a group of settings"),
])
def test_a_bad_setting_is_one_line_naming_its_key(args, message):
    result = run("eval", *BASE, *args)
    assert result.returncode == 2 and result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr


def test_a_missing_setting_names_the_option_and_a_bad_file_names_the_file(tmp_path):
    missing = run("eval", "--codes", "codes", "--predictions", "p.jsonl")
    assert missing.returncode == 2
    assert missing.stderr == "error: questions: missing setting: give --questions (or questions in a --config file)\n"
    bad = tmp_path / "eval.yaml"
    bad.write_text("select:\n  limits: 3\n")
    result = run("eval", *BASE, "--config", str(bad))
    assert result.returncode == 2 and result.stderr.startswith(f"error: {bad}: select.limits: unknown setting")
    bad.write_text("- a list\n")
    result = run("eval", *BASE, "--config", str(bad))
    assert result.stderr == f"error: {bad}: expected a mapping of settings at the top level\n"


def test_train_commands_share_the_mechanism(tmp_path):
    result = run("train", "encoder", "--set", "max_steps=3", "--set", "renders=r", "--show-config")
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["max_steps"] == 3
    bogus = run("train", "sft", "--set", "lora.bogus=1")
    assert bogus.returncode == 2 and bogus.stderr.startswith("error: lora.bogus: unknown setting")


def test_the_cpu_limit_follows_the_timeout_unless_given():
    assert SandboxLimits(timeout=2.5).cpu_limit == 3 and SandboxLimits(timeout=0.2).cpu_limit == 1
    assert SandboxLimits(timeout=2.5, cpu_seconds=7).cpu_limit == 7
    # a timeout set over the defaults (a file, an option) moves the CPU limit with it
    config = load_config(ReasonerConfig, values={"tools.limits.timeout": 9.5})
    assert config.tools.limits.cpu_limit == 10
    with pytest.raises(ValidationError, match="timeout"):
        SandboxLimits(timeout=0)
    with pytest.raises(ValidationError, match="memory_mb"):
        SandboxLimits(memory_mb=10)
    with pytest.raises(ValidationError, match="^reasoner.model.threads"):
        _in_eval({"reasoner.model.threads": 0})


def test_a_language_model_reasoner_without_a_model_is_refused_when_configured(monkeypatch):
    monkeypatch.delenv("SPATIALCODE_MODEL", raising=False)
    with pytest.raises(ValidationError, match=r"^reasoner\.model\.path: a language model reasoner needs a model"):
        _in_eval({"reasoner.name": "llm"})
    monkeypatch.setenv("SPATIALCODE_MODEL", "served.gguf")
    assert load_config(ReasonerConfig, values={"name": "llm-tools"}).model.path == "served.gguf"


def _in_eval(values: dict) -> None:
    from spatialcode.bench.evaluate import EvalConfig

    load_config(EvalConfig, values={"questions": "q", "codes": "c", "predictions": "p", **values})


def _settings(*args: str, cwd=None) -> dict:
    result = run(*args, "--show-config", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_render_options_presets_and_set_meet_in_one_tree(tmp_path):
    (tmp_path / "render.yaml").write_text("path:\n  fps: 5\nfaults:\n  depth_noise: 0.01\n")
    settings = _settings("render", "scene.json", "--out", "r", "--config", "render.yaml", "--width", "320", cwd=tmp_path)
    assert settings["path"]["fps"] == 5 and settings["path"]["width"] == 320 and settings["path"]["height"] == 480
    assert settings["faults"]["depth_noise"] == 0.01
    # --faults replaces the file's fault group by the preset (2.5 mm·z², 10 % missed); --fault and --set win over it
    settings = _settings("render", "scene.json", "--out", "r", "--config", "render.yaml", "--faults", "realistic",
                         "--fault", "missed_detection=0.3", "--set", "faults.pose_drift=0", cwd=tmp_path)
    faults = settings["faults"]
    assert (faults["depth_noise"], faults["missed_detection"], faults["pose_drift"]) == (0.0025, 0.3, 0)


def test_demo_and_generate_and_encode_take_the_same_mechanism():
    demo = _settings("demo", "--kind", "any", "--max-frames", "60", "--set", "render.path.hfov_deg=70")
    assert demo["kind"] is None and demo["render"]["path"]["max_frames"] == 60
    assert demo["render"]["path"]["hfov_deg"] == 70 and demo["render"]["path"]["width"] == 640
    generate = _settings("generate", "--scenes", "4", "--splits", "train=0.5,test=0.5", "--out", "d",
                         "--set", "scene.furniture_density=2")
    assert generate["splits"] == {"train": 0.5, "test": 0.5} and generate["scene"]["furniture_density"] == 2
    encode = _settings("encode", "walk.mp4", "--out", "s.json", "--poses", "estimate",
                       "--set", "encoder.tracks.voxel_size=0.03", "--set", "odometry.depth_max=4")
    assert encode["source"] == "walk.mp4" and encode["poses"] == "estimate"
    assert encode["encoder"]["tracks"]["voxel_size"] == 0.03 and encode["odometry"]["depth_max"] == 4


def test_a_generate_setting_without_an_option_reaches_the_scene(tmp_path):
    """The walkthrough camera's frame rate, set by --set path.fps=4, spaces the camera poses 0.25 s apart."""
    result = run("generate", "--seed", "2", "--walkthrough", "--out", str(tmp_path / "s.json"), "--set", "path.fps=4")
    assert result.returncode == 0, result.stderr
    times = [pose["t"] for pose in json.loads((tmp_path / "s.json").read_text())["camera"]]
    assert len(times) > 10 and {round(b - a, 6) for a, b in zip(times, times[1:])} == {0.25}
    wrong = run("generate", "--scenes", "2", "--kind", "bedroom", "--out", str(tmp_path / "d"))
    assert wrong.returncode == 2 and wrong.stderr.startswith("error: kind (from --kind): applies to a single scene")


def test_ask_and_questions_take_their_settings_the_same_way(tmp_path):
    from spatialcode.demo import demo_scene

    demo_scene().save(tmp_path / "scene.json")
    unanswerable = ("ask", "scene.json", "Measuring from the closest point of each object, which of these objects "
                    "(piano, harp, drum) is the closest to the sofa?", "-o", "A. piano", "-o", "B. harp", "-o", "C. drum")
    prior = run(*unanswerable, cwd=tmp_path)  # no such objects: the solver falls back to its documented prior
    assert prior.returncode == 0 and "fell back to a prior" in prior.stdout
    strict = run(*unanswerable, "--set", "solver.fallback=false", cwd=tmp_path)
    assert strict.returncode == 1 and "fell back" not in strict.stdout and "cannot answer" in strict.stdout
    counting = ("questions", "scene.json", "--task", "object_counting")
    assert len(run(*counting, cwd=tmp_path).stdout.splitlines()) >= 1
    capped = run(*counting, "--set", "max_per_task.object_counting=0", cwd=tmp_path)
    assert capped.returncode == 0 and capped.stdout == ""
    bad = run("questions", "scene.json", "--task", "bogus", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("error: tasks (from --task): unknown task 'bogus'")


@pytest.mark.parametrize(("content", "message"), [
    (b"a: &x [1, 2]\nb: *x\n", "YAML aliases (*name) are not supported"),
    (b"\xff\xfe\x00binary", "not a text file (UTF-8 YAML expected)"),
    (b"select: {limit: [\n", "not valid YAML"),
    (b"x: " + b"1" * (1024 * 1024), "a settings file of more than 1024 KiB"),
], ids=["alias", "binary", "broken", "huge"])
def test_a_settings_file_is_read_as_untrusted_input(tmp_path, content, message):
    bad = tmp_path / "eval.yaml"
    bad.write_bytes(content)
    result = run("eval", *BASE, "--config", str(bad))
    assert result.returncode == 2 and result.stderr.startswith(f"error: {bad}: {message}"), result.stderr
    assert result.stderr.count("\n") == 1
