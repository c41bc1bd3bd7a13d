"""Every run configuration shipped in configs/ loads into its config class (no unknown keys, valid values)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spatialcode.core.config import load_config
from spatialcode.encode.learned.train import EncoderTrainConfig
from spatialcode.rl.grpo import GRPORunConfig
from spatialcode.rl.sft import SFTRunConfig

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
CLASSES = {"grpo": GRPORunConfig, "sft": SFTRunConfig, "encoder": EncoderTrainConfig}


@pytest.mark.parametrize("path", sorted(p for p in CONFIGS.glob("*.yaml") if not p.name.startswith("accelerate")),
                         ids=lambda p: p.name)
def test_a_shipped_config_loads(path):
    config = load_config(CLASSES[path.name.split("_")[0]], path, [])
    assert config.output_dir.startswith("runs/")  # checkpoints go to the ignored runs/ folder, never into the tree


def test_the_gated_rubric_run_differs_from_the_rubric_run_only_by_the_gate_and_its_folder():
    rubric = load_config(GRPORunConfig, CONFIGS / "grpo_rubric_cpu.yaml", [])
    gated = load_config(GRPORunConfig, CONFIGS / "grpo_rubric_gated_cpu.yaml", [])
    assert gated.reward.gate_rubric_on_correct and not rubric.reward.gate_rubric_on_correct
    assert gated.reward.weights == rubric.reward.weights and gated.learning_rate == rubric.learning_rate
    assert gated.data == rubric.data and gated.output_dir != rubric.output_dir
