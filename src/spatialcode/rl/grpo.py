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

from spatialcode.errors import ValidationError
from spatialcode.rl.config import RewardConfig
from spatialcode.rl.data import TrainingDataConfig, training_rows
from spatialcode.rl.rewards import SpatialRubricReward
from spatialcode.rl.training import (
    LoRASettings,
    ModelSettings,
    bf16_enabled,
    last_checkpoint,
    load_policy,
    metrics_callback,
    save_run_config,
)
from spatialcode.validation import check_whole_number

#: The reward columns each training row carries (beside ``prompt``).
_REWARD_COLUMNS = ("question", "options", "question_type", "ground_truth", "code")


@dataclass(frozen=True)
class GRPORunConfig:
    """Settings of a GRPO run: the ``model`` (start from the SFT adapter with
    ``model.init_adapter``), the ``data``, ``lora`` (``None``: full fine-tuning), the ``reward``;
    each step samples ``num_generations`` completions (at most ``max_completion_length`` tokens,
    at ``temperature``) for each of ``prompts_per_step`` questions; ``beta`` is the KL weight,
    ``learning_rate`` the step size; ``max_steps`` steps, checkpoints every ``save_steps``,
    metrics every ``logging_steps``; ``bf16`` (``None``: on a GPU that supports it);
    ``use_vllm`` generates with vLLM (GPU only, colocated with training)."""

    model: ModelSettings
    data: TrainingDataConfig = field(default_factory=TrainingDataConfig)
    lora: LoRASettings | None = field(default_factory=LoRASettings)
    reward: RewardConfig = field(default_factory=RewardConfig)
    output_dir: str = "runs/train/grpo"
    learning_rate: float = 2e-5
    max_steps: int = 50
    prompts_per_step: int = 2
    num_generations: int = 4
    gradient_accumulation_steps: int = 1
    max_completion_length: int = 256
    temperature: float = 1.0
    beta: float = 0.04
    logging_steps: int = 1
    save_steps: int = 10
    seed: int = 0
    bf16: bool | None = None
    use_vllm: bool = False

    def __post_init__(self) -> None:
        if not self.learning_rate > 0:
            raise ValidationError("learning_rate", f"must be > 0, got {self.learning_rate}")
        for name in ("max_steps", "prompts_per_step", "gradient_accumulation_steps", "max_completion_length",
                     "logging_steps", "save_steps"):
            check_whole_number(getattr(self, name), name)
        check_whole_number(self.num_generations, "num_generations", minimum=2)
        check_whole_number(self.seed, "seed", minimum=0)
        if not self.temperature > 0:
            raise ValidationError("temperature", f"must be > 0 (GRPO compares sampled completions), got {self.temperature}")
        if not self.beta >= 0:
            raise ValidationError("beta", f"must be >= 0, got {self.beta}")

    def trainer_args(self) -> Any:
        """TRL's ``GRPOConfig`` for these settings."""
        import torch
        from trl import GRPOConfig

        return GRPOConfig(
            output_dir=self.output_dir, learning_rate=self.learning_rate, max_steps=self.max_steps,
            per_device_train_batch_size=self.prompts_per_step * self.num_generations,
            gradient_accumulation_steps=self.gradient_accumulation_steps, num_generations=self.num_generations,
            max_completion_length=self.max_completion_length, temperature=self.temperature, beta=self.beta,
            logging_steps=self.logging_steps, save_steps=self.save_steps, save_total_limit=2, seed=self.seed,
            report_to="none", disable_tqdm=True, bf16=bf16_enabled(self.bf16), use_cpu=not torch.cuda.is_available(),
            use_vllm=self.use_vllm, vllm_mode="colocate")


def run_grpo(config: GRPORunConfig) -> Path:
    """Train (or resume) the GRPO run of ``config``; the ``final/`` folder (adapter or model,
    with the tokenizer)."""
    from datasets import Dataset
    from trl import GRPOTrainer

    rows = [{"prompt": row["prompt"], **{k: row[k] for k in _REWARD_COLUMNS}} for row in training_rows(config.data)]
    tokenizer, model = load_policy(config.model)
    save_run_config(config.output_dir, config)
    trainer = GRPOTrainer(model=model, reward_funcs=[SpatialRubricReward(config.reward)], args=config.trainer_args(),
                          train_dataset=Dataset.from_list(rows), processing_class=tokenizer,
                          peft_config=config.lora.build() if config.lora else None,
                          callbacks=[metrics_callback(Path(config.output_dir) / "metrics.jsonl")])
    trainer.train(resume_from_checkpoint=last_checkpoint(config.output_dir))
    final = Path(config.output_dir) / "final"
    trainer.save_model(str(final))
    tokenizer.save_pretrained(str(final))
    return final
