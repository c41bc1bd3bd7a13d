"""Reinforcement learning of the reasoning LLM (``spatialcode train grpo``): TRL's
``GRPOTrainer`` samples ``num_generations`` completions per synthetic question, scores them with
the spatial rubric reward (:class:`~spatialcode.rl.rewards.SpatialRubricReward` under the run's
:class:`~spatialcode.rl.config.RewardConfig`; accuracy-only training is the same reward with the
other weights at 0) and updates a LoRA adapter (peft) against a KL penalty ``beta`` to the
starting policy.

Generation runs in transformers on the CPU, or in vLLM on a GPU (``use_vllm``; see
``docs/training.md``). A run resumes from its newest checkpoint when started again with the
same ``output_dir``; ``metrics.jsonl`` logs each step's reward, its items (``items/<item>``),
completion lengths, seconds and peak memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spatialcode.core.errors import ValidationError
from spatialcode.core.validation import check_whole_number, optional_number
from spatialcode.rl.columns import COLUMNS
from spatialcode.rl.config import RewardConfig
from spatialcode.rl.data import training_rows
from spatialcode.rl.rewards import SpatialRubricReward
from spatialcode.rl.training import TrainingRunConfig, load_policy, metrics_callback, save_run_config, train_and_save


@dataclass(frozen=True)
class GRPORunConfig(TrainingRunConfig):
    """Settings of a GRPO run (:class:`~spatialcode.rl.training.TrainingRunConfig`; start from the
    SFT adapter with ``model.init_adapter``), and the ``reward``; each step samples
    ``num_generations`` completions (at most ``max_completion_length`` tokens, at
    ``temperature``) for each of ``prompts_per_step`` questions; ``beta`` is the KL weight;
    ``use_vllm`` generates with vLLM (GPU only, colocated with training)."""

    reward: RewardConfig = field(default_factory=RewardConfig)
    output_dir: str = "runs/train/grpo"
    prompts_per_step: int = 2
    num_generations: int = 4
    max_completion_length: int = 256
    temperature: float = 1.0
    beta: float = 0.04
    use_vllm: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        check_whole_number(self.prompts_per_step, "prompts_per_step")
        check_whole_number(self.max_completion_length, "max_completion_length")
        check_whole_number(self.num_generations, "num_generations", minimum=2)
        for name in ("temperature", "beta"):
            object.__setattr__(self, name, optional_number(getattr(self, name), name, text=True))
        if self.temperature is None or not self.temperature > 0:
            raise ValidationError("temperature", f"must be > 0 (GRPO compares sampled completions), got {self.temperature}")
        if self.beta is None or not self.beta >= 0:
            raise ValidationError("beta", f"must be >= 0, got {self.beta}")

    def trainer_args(self) -> Any:
        """TRL's ``GRPOConfig`` for these settings."""
        from trl import GRPOConfig

        return GRPOConfig(**self.common_args(), per_device_train_batch_size=self.prompts_per_step * self.num_generations,
                          num_generations=self.num_generations, max_completion_length=self.max_completion_length,
                          temperature=self.temperature, beta=self.beta, use_vllm=self.use_vllm, vllm_mode="colocate")


def run_grpo(config: GRPORunConfig) -> Path:
    """Train (or resume) the GRPO run of ``config``; the ``final/`` folder (adapter or model,
    with the tokenizer)."""
    from datasets import Dataset
    from trl import GRPOTrainer

    rows = [{"prompt": row["prompt"], **{k: row[k] for k in COLUMNS}} for row in training_rows(config.data)]
    tokenizer, model = load_policy(config.model)
    save_run_config(config.output_dir, config)
    trainer = GRPOTrainer(model=model, reward_funcs=[SpatialRubricReward(config.reward)], args=config.trainer_args(),
                          train_dataset=Dataset.from_list(rows), processing_class=tokenizer,
                          peft_config=config.lora.build() if config.lora else None,
                          callbacks=[metrics_callback(Path(config.output_dir) / "metrics.jsonl")])
    return train_and_save(trainer, tokenizer, config.output_dir)
