"""``spatialcode eval``: answer VSI-Bench questions from spatial codes and score them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from spatialcode.cli.errors import one_line_errors, sigterm_as_interrupt
from spatialcode.core.errors import SpatialCodeError

if TYPE_CHECKING:
    from spatialcode.tasks.records import VSIQuestion


@click.command(
    "eval",
    epilog="Example:\n\n  spatialcode eval --questions questions.jsonl --codes codes/ --reasoner solver "
    "--predictions runs/solver.jsonl --report runs/solver\n\n"
    "Re-running the same command resumes: questions already in the predictions file are skipped. One run at a "
    "time writes a predictions file; a question past --time-limit, or whose row cannot be answered (no code for "
    "its scene, a scene name that is not a plain name, a question too long), is recorded as an error row and "
    "retried by the next run.",
)
@click.option("--questions", required=True, type=click.Path(dir_okay=False, path_type=Path), help="VSI-Bench questions (.jsonl, .json or .parquet).")
@click.option("--codes", required=True, type=click.Path(file_okay=False, path_type=Path), help="Codes folder: <dataset>/<scene_name>.json.")
@click.option("--reasoner", default="solver", show_default=True,
              help="Which reasoner answers: solver, llm (a language model reading the code) or llm-tools (a language "
                   "model calling the solver's geometry as tools).")
@click.option("--model", default=None, help="llm: a .gguf file, a model directory, a hub id or an http(s):// "
              "OpenAI-compatible server address (default: $SPATIALCODE_MODEL).")
@click.option("--server-model", default=None, help="llm with a server: the model name it serves (default: the first it lists).")
@click.option("--serialisation", type=click.Choice(["json", "table", "python"]), default="table", show_default=True,
              help="llm: how the code is written in the prompt.")
@click.option("--objects", type=click.Choice(["all", "question"]), default="all", show_default=True,
              help="llm: list every object, or only those the question names.")
@click.option("--max-tokens", type=click.IntRange(min=1), default=None, help="llm: reply length cap (default 512; llm-tools: 256 per turn).")
@click.option("--max-rounds", type=click.IntRange(min=0), default=3, show_default=True, help="llm-tools: tool requests per question.")
@click.option("--tool-protocol", type=click.Choice(["calls", "programs"]), default=None,
              help="llm-tools: structured function calls (JSON, nothing the model writes is run) or Python programs run "
                   "in the sandbox (default: the reasoner's; see docs/security.md).")
@click.option("--tool-timeout", type=click.FloatRange(min=0.1, max=600), default=None,
              help="llm-tools programs: wall-clock limit of one program, seconds (its CPU limit is the same, rounded up; "
                   "default 5).")
@click.option("--temperature", type=click.FloatRange(min=0), default=0.0, show_default=True, help="llm: 0 = greedy.")
@click.option("--cache", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="llm: SQLite response cache (re-runs ask the model only what it has not answered).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Answer with this many Ray worker processes (each loads its own model).")
@click.option("--ray-address", default=None, help="Run the workers on this Ray cluster (e.g. ray://head:10001).")
@click.option("--predictions", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Predictions JSONL (appended; resumable).")
@click.option("--report", "report_prefix", type=click.Path(path_type=Path), default=None, help="Write the score table to PREFIX.md and PREFIX.json.")
@click.option("--task", "task_filter", multiple=True, help="Only these question types (repeatable).")
@click.option("--dataset", "dataset_filter", multiple=True, help="Only these source datasets (repeatable).")
@click.option("--debiased", is_flag=True, help="Only the debiased subset (pruned == false).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many questions (after filtering).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=600.0, show_default=True,
              help="Seconds one question may take (reading its code, parsing, the reasoner and its model or tool "
                   "programs); a question past it is an error row and the run goes on.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@one_line_errors
def eval_command(
    questions: Path,
    codes: Path,
    reasoner: str,
    model: str | None,
    server_model: str | None,
    serialisation: str,
    objects: str,
    max_tokens: int | None,
    max_rounds: int,
    tool_protocol: str | None,
    tool_timeout: float | None,
    temperature: float,
    cache: Path | None,
    workers: int,
    ray_address: str | None,
    predictions: Path,
    report_prefix: Path | None,
    task_filter: tuple[str, ...],
    dataset_filter: tuple[str, ...],
    debiased: bool,
    limit: int | None,
    time_limit: float,
    progress: bool,
) -> None:
    """Answer VSI-Bench questions from spatial codes and print the official score table."""
    from spatialcode.bench import (
        load_questions,
        report_paths,
        select_questions,
        to_markdown,
        write_report,
    )
    from spatialcode.bench.answering import codes_folder
    from spatialcode.bench.evaluate import evaluate
    from spatialcode.reason.registry import make_reasoner

    loaded = load_questions(questions)
    selected = select_questions(
        loaded, tasks=task_filter or None, datasets=dataset_filter or None, debiased=debiased, limit=limit
    )
    if not selected:
        filters = [*(f"--task {t}" for t in task_filter), *(f"--dataset {d}" for d in dataset_filter),
                   *(["--debiased"] if debiased else [])]
        raise SpatialCodeError(_no_questions(questions, loaded, filters))
    code_source = codes_folder(codes)
    if report_prefix is not None:  # a report folder that cannot be made fails now, not after the run
        report_paths(report_prefix)[0].parent.mkdir(parents=True, exist_ok=True)
    settings = {}
    if reasoner in ("llm", "llm-tools"):
        settings = {"model": model, "server_model": server_model, "temperature": temperature,
                    "cache": str(cache) if cache else None}
        settings.update({"serialisation": serialisation, "objects": objects} if reasoner == "llm" else
                        {"max_rounds": max_rounds, "protocol": tool_protocol, "tool_timeout": tool_timeout})
        if max_tokens is not None:
            settings["max_tokens"] = max_tokens
    answerer, config = make_reasoner(reasoner, **settings)
    config = {**config, "questions": str(questions), "codes": str(codes)}
    answers = None
    if workers > 1 or ray_address:
        from spatialcode.bench.parallel import ray_answers

        answers = ray_answers(reasoner, settings, codes, workers, ray_address, time_limit)
        config = {**config, "workers": workers, "ray_address": ray_address}
    config = {**config, "time_limit": time_limit}
    with sigterm_as_interrupt():
        result = evaluate(selected, code_source, answerer, predictions, config, progress=progress, answers=answers,
                          time_limit=time_limit)
    s = result.summary
    click.echo(
        f"{s.attempted} answered now, {s.already_done} already done, {s.errors} errors; predictions in {predictions}", err=True
    )
    title = f"VSI-Bench — {reasoner} on {codes}"
    click.echo(to_markdown(result.table, title=title))
    if report_prefix is not None:
        md_path, json_path = write_report(result.table, report_prefix, title=title)
        click.echo(f"report written to {md_path} and {json_path}", err=True)


def _no_questions(path: Path, loaded: list[VSIQuestion], filters: list[str]) -> str:
    """Why no question of ``path`` (``loaded``) is left to answer: an empty file, or the ``filters``
    given (named with the tasks and datasets the file has)."""
    if not loaded:
        return f"{path}: no questions in this file"
    tasks = ", ".join(sorted({q.question_type for q in loaded}))
    datasets = ", ".join(sorted({q.dataset for q in loaded}))
    return f"no question of {path} is left after {' '.join(filters)} (its tasks: {tasks}; its datasets: {datasets})"
