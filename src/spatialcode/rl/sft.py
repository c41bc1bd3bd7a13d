"""Supervised warm start (``spatialcode train sft``): the policy learns the answer format and
the derivation's steps from the solver's worked answers on synthetic questions
(:mod:`spatialcode.rl.traces`), with TRL's ``SFTTrainer`` and LoRA (peft); the loss is on the
completion only.

A run resumes from its newest checkpoint when started again with the same ``output_dir``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spatialcode.errors import ValidationError
from spatialcode.rl.data import TrainingDataConfig, training_rows
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


@dataclass(frozen=True)
class SFTRunConfig:
    """Settings of an SFT run: the ``model``, the ``data``, ``lora`` (``None``: full
    fine-tuning), the optimisation (``learning_rate``; ``max_steps`` of ``batch_size`` ×
    ``gradient_accumulation_steps`` rows of at most ``max_length`` tokens), checkpoints every
    ``save_steps`` steps, metrics every ``logging_steps`` steps, the ``seed``, ``bf16`` (``None``:
    on a GPU that supports it) and ``output_dir``."""

    model: ModelSettings
    data: TrainingDataConfig = field(default_factory=TrainingDataConfig)
    lora: LoRASettings | None = field(default_factory=LoRASettings)
    output_dir: str = "runs/train/sft"
    learning_rate: float = 2e-4
    max_steps: int = 100
    batch_size: int = 4
    gradient_accumulation_steps: int = 1
    max_length: int = 1024
    logging_steps: int = 1
    save_steps: int = 25
    seed: int = 0
    bf16: bool | None = None

    def __post_init__(self) -> None:
        if not self.learning_rate > 0:
            raise ValidationError("learning_rate", f"must be > 0, got {self.learning_rate}")
        for name in ("max_steps", "batch_size", "gradient_accumulation_steps", "max_length", "logging_steps", "save_steps"):
            check_whole_number(getattr(self, name), name)
        check_whole_number(self.seed, "seed", minimum=0)

    def trainer_args(self) -> Any:
        """TRL's ``SFTConfig`` for these settings."""
        import torch
        from trl import SFTConfig

        return SFTConfig(output_dir=self.output_dir, learning_rate=self.learning_rate, max_steps=self.max_steps,
                         per_device_train_batch_size=self.batch_size,
                         gradient_accumulation_steps=self.gradient_accumulation_steps, max_length=self.max_length,
                         logging_steps=self.logging_steps, save_steps=self.save_steps, save_total_limit=2,
                         seed=self.seed, report_to="none", disable_tqdm=True, completion_only_loss=True,
                         bf16=bf16_enabled(self.bf16), use_cpu=not torch.cuda.is_available())


def run_sft(config: SFTRunConfig) -> Path:
    """Train (or resume) the SFT run of ``config``; the ``final/`` folder (adapter or model,
    with the tokenizer)."""
    from datasets import Dataset
    from trl import SFTTrainer

    rows = [{"prompt": row["prompt"], "completion": row["completion"]}
            for row in training_rows(config.data, with_completions=True)]
    tokenizer, model = load_policy(config.model)
    save_run_config(config.output_dir, config)
    trainer = SFTTrainer(model=model, args=config.trainer_args(), train_dataset=Dataset.from_list(rows),
                         processing_class=tokenizer, peft_config=config.lora.build() if config.lora else None,
                         callbacks=[metrics_callback(Path(config.output_dir) / "metrics.jsonl")])
    trainer.train(resume_from_checkpoint=last_checkpoint(config.output_dir))
    final = Path(config.output_dir) / "final"
    trainer.save_model(str(final))
    tokenizer.save_pretrained(str(final))
    return final
