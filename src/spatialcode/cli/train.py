"""``spatialcode train …``: fine-tune the reasoning LLM (SFT warm start, GRPO with the spatial
rubric reward), train the learned spatial encoder on synthetic renders, plot the learning curves,
and merge an LLM run into a model folder."""

from __future__ import annotations

from pathlib import Path

import click

from spatialcode.cli.errors import one_line_errors

_CONFIG = click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                       help="YAML settings (see configs/); the dataclass defaults fill in the rest.")
_SET = click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                    help="Override one setting, e.g. --set max_steps=20 --set lora.r=8 (repeatable).")
_DRY_RUN = click.option("--dry-run", is_flag=True,
                        help="Check the settings and the training data, print them, and stop before loading the model.")


@click.group()
def train() -> None:
    """Train the reasoning LLM on synthetic questions (never on VSI-Bench) and the spatial encoder on synthetic renders."""


def _prepare(cls: type, config_path: Path | None, overrides: tuple[str, ...], dry_run: bool, with_completions: bool):
    """The run's settings; with ``dry_run`` also build the training rows and print a summary."""
    import yaml

    from spatialcode.core.config import config_dict, load_config
    from spatialcode.rl.data import training_rows
    from spatialcode.rl.training import missing_for

    config = load_config(cls, config_path, overrides)
    if dry_run:
        rows = training_rows(config.data, with_completions=with_completions)
        click.echo(yaml.safe_dump(config_dict(config), sort_keys=False).rstrip())
        tasks = sorted({row["question_type"] for row in rows})
        click.echo(f"dry run: {len(rows)} training rows ({len(tasks)} tasks) from {config.data.path}; settings valid")
        for line in missing_for(config.bf16, getattr(config, "use_vllm", False)):
            click.echo(f"note: {line}")
    return config


@train.command("sft", epilog="Example:\n\n  spatialcode train sft --config configs/sft_cpu.yaml "
               "--set model.path=/abs/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf\n\n"
               "Running the same command again resumes from the newest checkpoint in output_dir.")
@_CONFIG
@_SET
@_DRY_RUN
@one_line_errors
def sft_command(config_path: Path | None, overrides: tuple[str, ...], dry_run: bool) -> None:
    """Supervised warm start on the solver's worked answers (LoRA)."""
    from spatialcode.rl.sft import SFTRunConfig, run_sft

    config = _prepare(SFTRunConfig, config_path, overrides, dry_run, with_completions=True)
    if not dry_run:
        click.echo(f"trained: {run_sft(config)}", err=True)


@train.command("grpo", epilog="Example:\n\n  spatialcode train grpo --config configs/grpo_rubric_cpu.yaml "
               "--set model.path=/abs/model.gguf --set model.init_adapter=runs/train/sft/final\n\n"
               "Running the same command again resumes from the newest checkpoint in output_dir.")
@_CONFIG
@_SET
@_DRY_RUN
@one_line_errors
def grpo_command(config_path: Path | None, overrides: tuple[str, ...], dry_run: bool) -> None:
    """Reinforcement learning with GRPO and the spatial rubric reward (LoRA)."""
    from spatialcode.rl.grpo import GRPORunConfig, run_grpo

    config = _prepare(GRPORunConfig, config_path, overrides, dry_run, with_completions=False)
    if not dry_run:
        click.echo(f"trained: {run_grpo(config)}", err=True)


@train.command("encoder", epilog="Example:\n\n  spatialcode train encoder --config configs/encoder_cpu.yaml "
               "--set renders=runs/renders --set max_steps=500\n\n"
               "Running the same command again resumes from output_dir/checkpoint.pt.")
@_CONFIG
@_SET
@one_line_errors
def encoder_command(config_path: Path | None, overrides: tuple[str, ...]) -> None:
    """Train the learned spatial encoder (boxes and depth from RGB clips) on synthetic renders."""
    from spatialcode.core.config import load_config
    from spatialcode.encode.learned.train import EncoderTrainConfig, run_encoder_training

    click.echo(f"trained: {run_encoder_training(load_config(EncoderTrainConfig, config_path, overrides))}", err=True)


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
