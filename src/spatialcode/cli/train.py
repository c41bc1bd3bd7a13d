"""``spatialcode train …``: fine-tune the reasoning LLM (SFT warm start, GRPO with the spatial
rubric reward), train the learned spatial encoder on synthetic renders, plot the learning curves,
and merge an LLM run into a model folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.settings import configured, settings_yaml

if TYPE_CHECKING:
    from spatialcode.encode.learned.train import EncoderTrainConfig
    from spatialcode.rl.grpo import GRPORunConfig
    from spatialcode.rl.sft import SFTRunConfig

_DRY_RUN = click.option("--dry-run", is_flag=True,
                        help="Check the settings and the training data, print them, and stop before loading the model.")


@click.group()
def train() -> None:
    """Train the reasoning LLM on synthetic questions (never on VSI-Bench) and the spatial encoder on synthetic renders."""


def _train_llm(config: Any, dry_run: bool, run: Callable[[Any], Path], with_completions: bool) -> None:
    """Train with ``run(config)``; with ``dry_run`` print the settings and a summary of the
    training rows (with the solver's worked answers when ``with_completions``) instead."""
    from spatialcode.rl.data import training_rows
    from spatialcode.rl.training import missing_for, slow_dtype_note

    slow = slow_dtype_note(config.model.dtype)
    if not dry_run:
        if slow:
            click.echo(f"warning: {slow}", err=True)
        click.echo(f"trained: {run(config)}", err=True)
        return
    rows = training_rows(config.data, with_completions=with_completions)
    click.echo(settings_yaml(config).rstrip())
    tasks = sorted({row["question_type"] for row in rows})
    click.echo(f"dry run: {len(rows)} training rows ({len(tasks)} tasks) from {config.data.path}; settings valid")
    for line in [*missing_for(config.bf16, getattr(config, "use_vllm", False)), *filter(None, [slow])]:
        click.echo(f"note: {line}")


@train.command("sft", epilog="Example:\n\n  spatialcode train sft --config configs/sft_cpu.yaml "
               "--set model.path=/abs/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf\n\n"
               "Running the same command again resumes from the newest checkpoint in output_dir.")
@_DRY_RUN
@one_line_errors
@configured("spatialcode.rl.sft:SFTRunConfig")
def sft_command(config: SFTRunConfig, dry_run: bool) -> None:
    """Supervised warm start on the solver's worked answers (LoRA)."""
    from spatialcode.rl.sft import run_sft

    _train_llm(config, dry_run, run_sft, with_completions=True)


@train.command("grpo", epilog="Example:\n\n  spatialcode train grpo --config configs/grpo_rubric_cpu.yaml "
               "--set model.path=/abs/model.gguf --set model.init_adapter=runs/train/sft/final\n\n"
               "Running the same command again resumes from the newest checkpoint in output_dir.")
@_DRY_RUN
@one_line_errors
@configured("spatialcode.rl.grpo:GRPORunConfig")
def grpo_command(config: GRPORunConfig, dry_run: bool) -> None:
    """Reinforcement learning with GRPO and the spatial rubric reward (LoRA)."""
    from spatialcode.rl.grpo import run_grpo

    _train_llm(config, dry_run, run_grpo, with_completions=False)


@train.command("encoder", epilog="Example:\n\n  spatialcode train encoder --config configs/encoder_cpu.yaml "
               "--set renders=runs/renders --set max_steps=500\n\n"
               "Running the same command again resumes from output_dir/checkpoint.pt.")
@one_line_errors
@configured("spatialcode.encode.learned.train:EncoderTrainConfig")
def encoder_command(config: EncoderTrainConfig) -> None:
    """Train the learned spatial encoder (boxes and depth from RGB clips) on synthetic renders."""
    from spatialcode.encode.learned.train import run_encoder_training

    click.echo(f"trained: {run_encoder_training(config)}", err=True)


@train.command("curves", epilog="Example:\n\n  spatialcode train curves runs/train/grpo-accuracy runs/train/grpo-rubric "
               "--out runs/train/grpo.png")
@click.argument("runs", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="PNG to write.")
@one_line_errors
def curves_command(runs: tuple[Path, ...], out: Path) -> None:
    """Plot the learning curves of one or more runs into one PNG."""
    from spatialcode.rl.curves import plot_curves

    click.echo(f"wrote {plot_curves(runs, out)}", err=True)


@train.command("export", epilog="Example:\n\n  spatialcode train export runs/train/grpo-rubric --out runs/models/grpo-rubric\n\n"
               "Then: spatialcode eval --reasoner llm --model runs/models/grpo-rubric …")
@click.argument("run", type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Model folder to write.")
@one_line_errors
def export_command(run: Path, out: Path) -> None:
    """Merge a finished run's adapters into its base model and save it as a model folder."""
    from spatialcode.rl.export import export_merged

    click.echo(f"wrote {export_merged(run, out)}", err=True)
