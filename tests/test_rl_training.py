"""Training the reasoning LLM: worked answers from the solver, training rows from a synthetic
dataset, YAML settings with overrides, and one SFT and one GRPO step (resumed) with a tiny
random model."""

from __future__ import annotations

import json
import re

import pytest

from spatialcode.core.config import config_dict, load_config
from spatialcode.core.errors import InputFileError, SpatialCodeError, ValidationError
from spatialcode.reason.backends.base import Sampling
from spatialcode.reason.llm import make_backend
from spatialcode.reason.prompt import Prompt
from spatialcode.reason.solver import Solver
from spatialcode.rl.data import TrainingDataConfig, training_rows
from spatialcode.rl.grpo import GRPORunConfig, run_grpo
from spatialcode.rl.rewards import reward_breakdown
from spatialcode.rl.sft import SFTRunConfig, run_sft
from spatialcode.rl.traces import reasoning_trace, solver_completion
from spatialcode.rl.training import LoRAConfig, ModelConfig, last_checkpoint
from spatialcode.synth.dataset import write_dataset
from tests.fixtures import make_tiny_chat_model, small_scene

DISTANCE = "Measuring from the closest point of each object, what is the distance between the sofa and the laptop (in meters)?"


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    write_dataset(out, 2, seed=0, splits={"train": 0.5, "test": 0.5})
    return out


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return make_tiny_chat_model(tmp_path_factory.mktemp("tiny") / "model")


def test_worked_answers_name_objects_as_the_prompt_does():
    code = small_scene()
    answer = Solver().answer_question(code, DISTANCE, None, "object_abs_distance")
    assert any("sofa#0" in step for step in answer.derivation)
    trace = reasoning_trace(code, answer)
    assert "sofa_1 centre (1.00, 2.00, 0.40)" in trace and "laptop_1" in trace and "#" not in trace
    completion = solver_completion(code, DISTANCE, None, "object_abs_distance")
    assert completion.startswith("<think>\n") and completion.endswith(f"</think>\n<answer>{answer.prediction}</answer>")
    # a distance to an object the code lacks is estimated, and the trace says so: the median of the
    # sofa's distances to the 3 other objects — laptop 0.949 m, second chair 1.55 m (x gap 1.55),
    # first chair √(1.55² + 0.175²) ≈ 1.56 m — is 1.55 m, written to 0.1 m
    estimated = solver_completion(code, DISTANCE.replace("laptop", "piano"), None, "object_abs_distance")
    assert "estimate: median closest-point distance from sofa to the 3 other objects, 1.550 m" in estimated
    assert re.search(r"</think>\n<answer>1\.[56]</answer>$", estimated)
    # an option chosen by a prior (the dining chair's direction cannot be computed without the piano) is not taught
    direction = "If I am standing by the sofa and facing the piano, is the laptop to my left or right?"
    assert solver_completion(code, direction, ["A. left", "B. right"], "object_rel_direction_easy") is None


def test_training_rows_carry_the_prompt_the_worked_answer_and_the_reward_columns(synth):
    rows = training_rows(TrainingDataConfig(dataset=str(synth), per_task=2), with_completions=True)
    assert 0 < len(rows) <= 2 * 10 and len({r["id"] for r in rows}) == len(rows)
    assert max(sum(r["question_type"] == t for r in rows) for t in {r["question_type"] for r in rows}) <= 2
    for row in rows:
        assert [m["role"] for m in row["prompt"]] == ["system", "user"]
        assert "Question: " + " ".join(row["question"].split()) in row["prompt"][1]["content"]
        assert row["options"] == [] or row["options"][0].startswith("A.")
        # the worked answer earns the full reward against the row's own columns
        assert reward_breakdown(row["completion"], row)["accuracy"] == 1.0, row["question"]
    test_rows = training_rows(TrainingDataConfig(dataset=str(synth), split="test"))
    assert "completion" not in test_rows[0] and not {r["id"] for r in test_rows} & {r["id"] for r in rows}


def test_training_data_errors_are_one_clear_line(tmp_path, synth):
    with pytest.raises(SpatialCodeError, match="spatialcode generate --scenes"):
        training_rows(TrainingDataConfig(dataset=str(tmp_path / "none")))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text('{"id": 1}\n')
    with pytest.raises(InputFileError, match="line 1: missing question"):
        training_rows(TrainingDataConfig(dataset=str(tmp_path)))
    with pytest.raises(ValidationError, match="tasks"):
        TrainingDataConfig(tasks=("object_counting", "juggling"))


def test_settings_load_from_yaml_with_overrides(tmp_path):
    path = tmp_path / "grpo.yaml"
    path.write_text("model:\n  path: m.gguf\nlora:\n  r: 4\n  target_modules: [q_proj, v_proj]\n"
                    "reward:\n  accuracy_weight: 1.0\n  grounding_weight: 0\ndata:\n  prompt:\n    serialisation: json\n")
    config = load_config(GRPORunConfig, path, ["max_steps=7", "reward.gate_rubric_on_correct=true", "lora.alpha=8"])
    assert config.max_steps == 7 and config.lora.r == 4 and config.lora.alpha == 8
    assert config.lora.target_modules == ("q_proj", "v_proj") and config.reward.gate_rubric_on_correct is True
    assert config.data.prompt.serialisation == "json" and config.data.prompt.objects == "question"
    assert config_dict(config)["lora"]["target_modules"] == ["q_proj", "v_proj"]
    assert load_config(GRPORunConfig, path, ["lora=null"]).lora is None
    with pytest.raises(ValidationError, match="lora.rank.*unknown setting"):
        load_config(GRPORunConfig, path, ["lora.rank=4"])
    assert load_config(GRPORunConfig, path, ["learning_rate=2e-4"]).learning_rate == 2e-4  # YAML reads 2e-4 as text
    with pytest.raises(ValidationError, match="learning_rate: expected a number"):
        load_config(GRPORunConfig, path, ["learning_rate=fast"])
    with pytest.raises(ValidationError, match="num_generations"):
        load_config(GRPORunConfig, path, ["num_generations=1"])
    with pytest.raises(ValidationError, match="model: missing setting"):
        load_config(GRPORunConfig, None, [])
    with pytest.raises(ValidationError, match="model.path: missing"):
        load_config(GRPORunConfig, None, ["model.path="])
    with pytest.raises(InputFileError, match="no such config file"):
        load_config(GRPORunConfig, tmp_path / "missing.yaml")


def test_a_bad_value_in_the_file_names_the_file_and_a_bad_override_does_not(tmp_path):
    path = tmp_path / "grpo.yaml"
    path.write_text("model:\n  path: m.gguf\nnum_generations: 1\n")
    with pytest.raises(InputFileError, match=r"grpo\.yaml: num_generations"):
        load_config(GRPORunConfig, path)
    assert load_config(GRPORunConfig, path, ["num_generations=4"]).num_generations == 4  # an override mends it
    path.write_text("model:\n  path: m.gguf\n")
    with pytest.raises(ValidationError, match="^learning_rate: expected a number"):
        load_config(GRPORunConfig, path, ["learning_rate=fast"])


def _metrics(folder):
    return [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]


def test_one_sft_step_then_resumed(tmp_path, synth, tiny_model):
    config = SFTRunConfig(model=ModelConfig(path=tiny_model), data=TrainingDataConfig(dataset=str(synth), per_task=1),
                          lora=LoRAConfig(r=2, alpha=4), output_dir=str(tmp_path / "sft"), max_steps=1, batch_size=2,
                          save_steps=1, max_length=4096)
    final = run_sft(config)
    assert (final / "adapter_config.json").is_file() and last_checkpoint(tmp_path / "sft").endswith("checkpoint-1")
    first = _metrics(tmp_path / "sft")
    assert first[0]["step"] == 1 and first[0]["loss"] > 0 and first[0]["peak_memory_mb"] > 0
    run_sft(config.__class__(**{**config.__dict__, "max_steps": 2}))  # resumes from checkpoint-1
    steps = [row["step"] for row in _metrics(tmp_path / "sft") if "loss" in row]
    assert steps == [1, 2] and last_checkpoint(tmp_path / "sft").endswith("checkpoint-2")


def test_one_grpo_step_logs_the_reward_items(tmp_path, synth, tiny_model):
    config = GRPORunConfig(model=ModelConfig(path=tiny_model), data=TrainingDataConfig(dataset=str(synth), per_task=1),
                           lora=LoRAConfig(r=2, alpha=4), output_dir=str(tmp_path / "grpo"), max_steps=1,
                           prompts_per_step=1, num_generations=2, max_completion_length=8, save_steps=1)
    final = run_grpo(config)
    assert (final / "adapter_config.json").is_file()
    row = _metrics(tmp_path / "grpo")[0]
    assert row["step"] == 1 and "items/accuracy" in row and "items/format" in row
    assert row["completions/max_length"] <= 8 and 0.0 <= row["reward"] <= 1.0


def test_train_cli_dry_run_curves_export_and_clear_errors(tmp_path, synth, tiny_model):
    from tests.test_cli import run

    config = tmp_path / "grpo.yaml"
    config.write_text(f"model:\n  path: {tiny_model}\ndata:\n  dataset: {synth}\n  per_task: 1\n"
                      f"lora:\n  r: 2\n  alpha: 4\noutput_dir: {tmp_path / 'run'}\nmax_steps: 1\nprompts_per_step: 1\n"
                      "num_generations: 2\nmax_completion_length: 4\n")
    dry = run("train", "grpo", "--config", str(config), "--dry-run", "--set", "use_vllm=true")
    assert dry.returncode == 0 and "settings valid" in dry.stdout and "vLLM" in dry.stdout and not (tmp_path / "run").exists()
    bad = run("train", "grpo", "--config", str(config), "--set", "lora.rank=3")
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1].startswith("error: lora.rank: unknown setting")
    missing = run("train", "sft", "--set", f"data.dataset={synth}")
    assert missing.returncode == 2 and "error: model: missing setting" in missing.stderr
    trained = run("train", "grpo", "--config", str(config))
    assert trained.returncode == 0, trained.stderr
    curves = run("train", "curves", str(tmp_path / "run"), "--out", str(tmp_path / "curves.png"))
    assert curves.returncode == 0 and (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
    exported = run("train", "export", str(tmp_path / "run"), "--out", str(tmp_path / "merged"))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "merged" / "config.json").is_file() and not (tmp_path / "merged" / "adapter_config.json").exists()
    assert run("train", "curves", str(tmp_path), "--out", str(tmp_path / "x.png")).returncode == 2
    # the merged model plugs into the reasoning backends by path
    completion = make_backend(str(tmp_path / "merged")).complete([Prompt("system", "user")], Sampling(max_tokens=2))[0]
    assert completion.error is None and completion.completion_tokens == 2


def test_metrics_of_a_resumed_run_keep_one_row_per_step_the_later(tmp_path):
    from spatialcode.rl.curves import read_metrics

    rows = [{"step": 1, "loss": 3.0}, {"step": 2, "loss": 2.0}, {"step": 3, "loss": 9.0},  # killed after step 3
            {"step": 3, "loss": 1.5}, {"step": 4, "loss": 1.0},  # resumed from checkpoint-2
            {"step": 4, "train_runtime": 10.0}]
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert [(r["step"], r["loss"]) for r in read_metrics(tmp_path)] == [(1, 3.0), (2, 2.0), (3, 1.5), (4, 1.0)]


def test_bf16_on_a_cpu_without_native_bf16_is_flagged_as_slow():
    """The flags line of /proc/cpuinfo decides: an AMD EPYC with AVX2 only is slow in bf16, a Xeon
    with AMX or AVX512-BF16 is not; float32 and an unreadable CPU never warn."""
    from spatialcode.rl.training import slow_dtype_note

    epyc = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n"
    xeon = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 amx_tile amx_bf16\n"
    assert "model.dtype=float32" in slow_dtype_note("bfloat16", epyc)
    assert slow_dtype_note("bfloat16", xeon) is None
    assert slow_dtype_note("float32", epyc) is None and slow_dtype_note("bfloat16", "no flags here") is None
