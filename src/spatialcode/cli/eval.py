"""``spatialcode eval``: answer VSI-Bench questions from spatial codes and score them; its settings
are :class:`~spatialcode.bench.evaluate.EvalConfig` (a ``--config`` file, the options below, ``--set``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from spatialcode.cli.errors import one_line_errors, sigterm_as_interrupt
from spatialcode.cli.settings import configured

if TYPE_CHECKING:
    from spatialcode.bench.evaluate import EvalConfig

#: Each option of ``eval`` and the setting (dotted key) it gives.
EVAL_OPTIONS = {
    "questions": "questions", "codes": "codes", "predictions": "predictions", "report": "report",
    "reasoner": "reasoner.name", "model": "reasoner.model.path", "server_model": "reasoner.model.server_model",
    "cache": "reasoner.model.cache", "serialisation": "reasoner.llm.prompt.serialisation",
    "objects": "reasoner.llm.prompt.objects",
    "max_tokens": ("reasoner.llm.sampling.max_tokens", "reasoner.tools.sampling.max_tokens"),
    "temperature": ("reasoner.llm.sampling.temperature", "reasoner.tools.sampling.temperature"),
    "max_rounds": "reasoner.tools.max_rounds", "tool_protocol": "reasoner.tools.protocol",
    "tool_timeout": "reasoner.tools.limits.timeout", "tasks": "select.tasks", "datasets": "select.datasets",
    "debiased": "select.debiased", "limit": "select.limit", "workers": "workers", "ray_address": "ray_address",
    "time_limit": "time_limit",
}


@click.command(
    "eval",
    epilog="Example:\n\n  spatialcode eval --questions questions.jsonl --codes codes/ --reasoner solver "
    "--predictions runs/solver.jsonl --report runs/solver\n\n"
    "From the benchmark's videos (a GPU helps): spatialcode eval --questions questions.jsonl --videos videos/ "
    "--codes codes/ --preset quality --predictions runs/videos.jsonl\n\n"
    "With --videos, each scene's <dataset>/<scene_name>.mp4 is encoded once into --codes (resumable; "
    "codes/encode_log.jsonl says what was done) before the questions are answered. "
    "Re-running the same command resumes: questions already in the predictions file are skipped. One run at a "
    "time writes a predictions file; a question past --time-limit, or whose row cannot be answered (no code for "
    "its scene, a scene name that is not a plain name, a question too long), is recorded as an error row and "
    "retried by the next run.",
)
@click.option("--questions", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="VSI-Bench questions (.jsonl, .json or .parquet). [questions]")
@click.option("--codes", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Codes folder: <dataset>/<scene_name>.json. [codes]")
@click.option("--predictions", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Predictions JSONL (appended; resumable). [predictions]")
@click.option("--report", type=click.Path(path_type=Path), default=None,
              help="Write the score table to PREFIX.md and PREFIX.json. [report]")
@click.option("--reasoner", default=None,
              help="Which reasoner answers: solver (default), llm (a language model reading the code) or llm-tools "
                   "(a language model calling the solver's geometry as tools). [reasoner.name]")
@click.option("--model", default=None, help="llm: a .gguf file, a model directory, a hub id or an http(s):// "
              "OpenAI-compatible server address (default: $SPATIALCODE_MODEL). [reasoner.model.path]")
@click.option("--server-model", default=None,
              help="llm with a server: the model name it serves (default: the first it lists). [reasoner.model.server_model]")
@click.option("--cache", default=None,
              help="llm: SQLite response cache (re-runs ask the model only what it has not answered). [reasoner.model.cache]")
@click.option("--serialisation", type=click.Choice(["json", "table", "python"]), default=None,
              help="llm: how the code is written in the prompt (default table). [reasoner.llm.prompt.serialisation]")
@click.option("--objects", type=click.Choice(["all", "question"]), default=None,
              help="llm: list every object (default), or only those the question names. [reasoner.llm.prompt.objects]")
@click.option("--max-tokens", type=click.IntRange(min=1), default=None,
              help="llm: reply length cap (default 512; llm-tools: 256 per turn). [reasoner.*.sampling.max_tokens]")
@click.option("--temperature", type=click.FloatRange(min=0), default=None,
              help="llm: 0 = greedy (default). [reasoner.*.sampling.temperature]")
@click.option("--max-rounds", type=click.IntRange(min=0), default=None,
              help="llm-tools: tool requests per question (default 3). [reasoner.tools.max_rounds]")
@click.option("--tool-protocol", type=click.Choice(["calls", "programs"]), default=None,
              help="llm-tools: structured function calls (JSON, nothing the model writes is run) or Python programs "
                   "run in the sandbox (default; see docs/security.md). [reasoner.tools.protocol]")
@click.option("--tool-timeout", type=click.FloatRange(min=0.1, max=600), default=None,
              help="llm-tools programs: wall-clock limit of one program, seconds (its CPU limit is the same, rounded "
                   "up; default 5). [reasoner.tools.limits.timeout]")
@click.option("--task", "tasks", multiple=True, help="Only these question types (repeatable). [select.tasks]")
@click.option("--dataset", "datasets", multiple=True, help="Only these source datasets (repeatable). [select.datasets]")
@click.option("--debiased", is_flag=True, default=None, help="Only the debiased subset (pruned == false). [select.debiased]")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="At most this many questions (after filtering). [select.limit]")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Answer with this many Ray worker processes (each loads its own model; default 1). [workers]")
@click.option("--ray-address", default=None, help="Run the workers on this Ray cluster (e.g. ray://head:10001). [ray_address]")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds one question may take (reading its code, parsing, the reasoner and its model or tool "
                   "programs; default 600); a question past it is an error row and the run goes on. [time_limit]")
@click.option("--videos", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Encode the scenes from their videos <dataset>/<scene_name>.mp4 in this folder into --codes first.")
@click.option("--preset", type=click.Choice(["fast", "quality"]), default="fast", show_default=True,
              help="--videos: the encoding preset (fast for a CPU, quality for a GPU).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]), default="auto", show_default=True,
              help="--videos: where the encoder's models run.")
@click.option("--hfov", type=float, default=None,
              help="--videos: the cameras' horizontal field of view in degrees (default: each file's metadata, else 60).")
@click.option("--target-fps", type=float, default=None, help="--videos: frames per second to encode (default: the preset's).")
@click.option("--offline", is_flag=True, help="--videos: use only models already in the Hugging Face cache.")
@click.option("--encode-set", "encode_overrides", multiple=True, metavar="KEY=VALUE",
              help="--videos: any other encoding setting (an EncodePipelineConfig key, e.g. features.max_lost_share=1).")
@click.option("--encode-workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="--videos: encode this many videos at once on Ray workers (one a GPU; --ray-address for a cluster).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@one_line_errors
@configured("spatialcode.bench.evaluate:EvalConfig", EVAL_OPTIONS)
def eval_command(config: EvalConfig, progress: bool, videos: Path | None, preset: str, device: str, hfov: float | None,
                 target_fps: float | None, offline: bool, encode_overrides: tuple[str, ...], encode_workers: int) -> None:
    """Answer VSI-Bench questions from spatial codes (or from videos, --videos) and print the
    official score table.

    Every setting has a dotted key (in brackets after each option): a --config file or --set
    KEY=VALUE gives any of them, e.g. --set reasoner.solver.fallback=false."""
    from spatialcode.bench.evaluate import eval_title, run_eval
    from spatialcode.cli.output import echo_backend
    from spatialcode.tasks.report import report_paths, to_markdown

    echo_backend(config.reasoner)
    with sigterm_as_interrupt():
        if videos is not None:
            _encode_videos(config, videos, progress, encode_workers, encode_overrides, preset=preset, device=device,
                           hfov_deg=hfov, target_fps=target_fps, download_models=not offline)
        result = run_eval(config, progress=progress)
    s = result.summary
    click.echo(f"{s.attempted} answered now, {s.already_done} already done, {s.errors} errors; predictions in "
               f"{config.predictions}", err=True)
    click.echo(to_markdown(result.table, title=eval_title(config)))
    if config.report is not None:
        md_path, json_path = report_paths(config.report)
        click.echo(f"report written to {md_path} and {json_path}", err=True)


def _encode_videos(config: EvalConfig, videos: Path, progress: bool, workers: int, overrides: tuple[str, ...],
                   **settings: object) -> None:
    """Encode the videos of the run's scenes into its codes folder (those not yet encoded)."""
    from spatialcode.bench.evaluate import selected_questions
    from spatialcode.cli.output import warnings_as_lines
    from spatialcode.core.errors import SpatialCodeError
    from spatialcode.encode.pipeline import encode_config
    from spatialcode.encode.video_eval import ENCODE_LOG, encode_scene_videos, scene_videos

    encoding = encode_config(videos, overrides, **settings)
    scenes = scene_videos(selected_questions(config), videos, config.codes)
    with warnings_as_lines():
        summary = encode_scene_videos(scenes, config.codes, encoding, workers=workers, address=config.ray_address,
                                      progress=progress)
    failed = summary.failed or {}
    if failed and not summary.encoded + summary.reused:
        raise SpatialCodeError(f"no scene could be encoded from the videos in {videos} ({len(failed)} failed): see "
                               f"{config.codes / ENCODE_LOG}")
    click.echo(f"videos: {summary.encoded} encoded now, {summary.reused} already encoded, {len(failed)} failed"
               + (f" (see {config.codes / ENCODE_LOG}; their questions are error rows)" if failed else ""), err=True)
