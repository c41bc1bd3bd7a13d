"""Supervised warm start (``spatialcode train sft``): the policy learns the answer format and
the derivation's steps from the solver's worked answers on synthetic questions
(:mod:`spatialcode.rl.traces`), with TRL's ``SFTTrainer`` and LoRA (peft); the loss is on the
completion only.

A run resumes from its newest checkpoint when started again with the same ``output_dir``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spatialcode.core.validation import check_whole_number
from spatialcode.rl.data import training_rows
from spatialcode.rl.training import TrainingRunConfig, load_policy, metrics_callback, save_run_config, train_and_save


@dataclass(frozen=True)
class SFTRunConfig(TrainingRunConfig):
    """Settings of an SFT run (:class:`~spatialcode.rl.training.TrainingRunConfig`, and
    ``batch_size`` rows of at most ``max_length`` tokens per step)."""

    output_dir: str = "runs/train/sft"
    learning_rate: float = 2e-4
    max_steps: int = 100
    batch_size: int = 4
    max_length: int = 1024
    save_steps: int = 25

    def __post_init__(self) -> None:
        super().__post_init__()
        check_whole_number(self.batch_size, "batch_size")
        check_whole_number(self.max_length, "max_length")

    def trainer_args(self) -> Any:
        """TRL's ``SFTConfig`` for these settings."""
        from trl import SFTConfig

        return SFTConfig(**self.common_args(), per_device_train_batch_size=self.batch_size, max_length=self.max_length,
                         completion_only_loss=True)


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
    return train_and_save(trainer, tokenizer, config.output_dir)
