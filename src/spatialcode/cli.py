"""The ``spatialcode`` command line: one sub-command per job."""

from __future__ import annotations

import contextlib
import math
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from spatialcode.cli_errors import OneLineUsageGroup, one_line_errors, sigterm_as_interrupt
from spatialcode.cli_train import train
from spatialcode.errors import SpatialCodeError
from spatialcode.reason.answer import Answer
from spatialcode.scene import SpatialCode
from spatialcode.version import __version__

if TYPE_CHECKING:
    from spatialcode.tasks.records import VSIQuestion


@contextlib.contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Print Python warnings raised inside the block as ``warning: ...`` lines on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for item in caught:
                click.echo(f"warning: {item.message}", err=True)


@click.group(cls=OneLineUsageGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="spatialcode")
def main() -> None:
    """spatialcode — explicit 3D spatial code of a scene, and spatial reasoning over it."""


def _scene_table(code: SpatialCode) -> str:
    rows = [f"{'id':>3}  {'label':<14} {'centre (m)':<22} {'size (m)':<20} {'yaw°':>6} {'first seen':>10}"]
    for obj in code.objects:
        c, s = obj.box.center, obj.box.size
        seen = "-" if obj.first_seen is None else f"{obj.first_seen:.1f} s"
        rows.append(
            f"{obj.id:>3}  {obj.label:<14} ({c[0]:5.2f}, {c[1]:5.2f}, {c[2]:4.2f})  "
            f"{s[0]:4.2f} × {s[1]:4.2f} × {s[2]:4.2f}   {math.degrees(obj.box.yaw):6.1f} {seen:>10}"
        )
    area = code.room.floor_area() if code.room else None
    if area is not None:
        rows.append(f"room floor area: {area:.1f} m²")
    return "\n".join(rows)


def _print_answer(answer: Answer, show_derivation: bool = True) -> None:
    if answer.cannot_answer and not answer.fallback:
        click.echo(f"  → {answer.cannot_answer}")
    elif answer.fallback:
        click.echo(f"  → {answer.prediction}   ({answer.cannot_answer}; fell back to a prior)")
    else:
        click.echo(f"  → {answer.prediction}")
    if show_derivation:
        for step in answer.derivation:
            click.echo(f"     · {step}")


@main.command(
    epilog="Examples:\n\n  spatialcode demo\n\n  spatialcode demo --seed 7 --kind office --out my-demo\n\n"
    "Needs no data and no weights; about a minute on 2 cores.",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("spatialcode-demo"),
              show_default=True, help="Output folder (files of an earlier demo there are replaced).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Scene seed.")
@click.option("--kind", default="living room", show_default=True,
              help="Room kind: bedroom, living room, kitchen, office, bathroom, or 'any' (drawn from the seed).")
@click.option("--max-frames", type=click.IntRange(min=1), default=600, show_default=True, help="Longest video, frames (10 fps).")
@click.option("--width", type=click.IntRange(min=8), default=640, show_default=True, help="Video width, pixels.")
@click.option("--height", type=click.IntRange(min=8), default=480, show_default=True, help="Video height, pixels.")
@click.option("--overlay/--no-overlay", default=True, help="Write the video with 3D boxes drawn over it.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@one_line_errors
def demo(out: Path, seed: int, kind: str, max_frames: int, width: int, height: int, overlay: bool, progress: bool) -> None:
    """Generate a scene, render its video, encode the video into a spatial code, answer VSI-style questions from it."""
    from dataclasses import replace

    from spatialcode.bench import to_markdown
    from spatialcode.demo import DEMO_FILES, DEMO_RENDER, DemoConfig, encoding_sentence, run_demo

    render = replace(DEMO_RENDER, max_frames=max_frames, width=width, height=height)
    config = DemoConfig(seed=seed, kind=None if kind == "any" else kind, out=out, render=render, overlay=overlay)
    steps = iter(range(1, 7))
    with _warnings_as_lines():
        result = run_demo(config, progress=progress,
                          on_stage=lambda text: click.echo(f"[{next(steps)}/6] {text} ...", err=True))
    code = result.encoded
    click.echo(f"\nSpatial code encoded from the video of '{code.source.scene_name}' ({len(code.objects)} objects):")
    click.echo(_scene_table(code))
    click.echo("\n" + encoding_sentence(result))
    click.echo("\nOne question per task, answered by the exact solver from the encoded code:")
    shown: set[str] = set()
    for question, row in zip(result.questions, result.rows):
        if question.question_type in shown:
            continue
        shown.add(question.question_type)
        record = result.records[question.id]
        click.echo(f"\nQ [{question.question_type}]: {' '.join(question.question.split())}")
        if question.options:
            click.echo(f"   options: {' | '.join(question.options)}")
        click.echo(f"  → {row['prediction']}   (ground truth {question.ground_truth}, score {row['score']:.2f})")
        for step in record.get("derivation", ()):
            click.echo(f"     · {step}")
    click.echo("")
    click.echo(to_markdown(result.table, title=f"Scores on {len(result.questions)} generated questions"))
    click.echo(f"\nEverything is in {result.out_dir}/: " + ", ".join(DEMO_FILES) + " (see report.md).")


@main.command(
    epilog="Example:\n\n  spatialcode ask scene.json \"How many chair(s) are in this room?\"\n\n"
    "  spatialcode ask scene.json \"If I am standing by the sofa and facing the tv, is the lamp to the left "
    "or the right of the tv?\" --options \"A. left\" --options \"B. right\""
)
@click.argument("scene", type=click.Path(path_type=Path))
@click.argument("question")
@click.option("--options", "-o", multiple=True, help="A multiple-choice option such as 'A. left' (repeat per option).")
@click.option("--question-type", default=None, help="VSI-Bench task name, to check the wording against.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@one_line_errors
def ask(scene: Path, question: str, options: tuple[str, ...], question_type: str | None, as_json: bool) -> None:
    """Answer QUESTION about the spatial code in SCENE (a scene JSON file), with the derivation."""
    import json

    from spatialcode.reason.solver import Solver
    from spatialcode.tasks import check_task

    if question_type is not None:
        check_task(question_type, "--question-type")
    code = SpatialCode.load(scene)
    answer = Solver().answer_question(code, question, options or None, question_type)
    if as_json:
        click.echo(json.dumps(answer.to_record()))
    else:
        _print_answer(answer)
    if answer.cannot_answer and not answer.fallback:
        sys.exit(1)


@main.group()
def convert() -> None:
    """Convert annotations of other formats into spatial code files."""


@convert.command(
    "vsibench-meta",
    epilog="Example:\n\n  spatialcode convert vsibench-meta --meta-info data/vsibench/meta_info --out codes/\n\n"
    "writes codes/<dataset>/<scene_name>.json for every scene.",
)
@click.option("--meta-info", required=True, type=click.Path(path_type=Path), help="Folder with *_meta_info_val.json files.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output codes folder.")
@one_line_errors
def convert_vsibench_meta(meta_info: Path, out: Path) -> None:
    """Convert VSI-Bench meta info (per-scene annotated boxes) into one scene JSON per scene."""
    from spatialcode.formats.vsibench_meta import convert_vsibench_meta

    written = convert_vsibench_meta(meta_info, out)
    click.echo(f"wrote {len(written)} scene codes under {out}")


@main.command(
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


def _parse_splits(text: str) -> dict[str, float]:
    splits = {}
    for part in text.split(","):
        name, _, fraction = part.partition("=")
        try:
            splits[name.strip()] = float(fraction)
        except ValueError:
            raise SpatialCodeError(f"--splits: expected name=fraction pairs like train=0.9,test=0.1, got {text!r}") from None
    return splits


@main.command(
    "generate",
    epilog="Examples:\n\n  spatialcode generate --seed 3 --kind bedroom --out scene.json\n\n"
    "  spatialcode generate --scenes 1000 --seed 0 --splits train=0.9,test=0.1 --out data/synth\n\n"
    "  spatialcode generate --scenes 1000 --walkthrough --workers 2 --out data/synth-timed\n\n"
    "With --scenes, OUT is a folder: scenes/, questions.jsonl, data/<split>.jsonl (Hugging Face `json` "
    "layout) and a README card.",
)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Scene JSON file, or a folder with --scenes.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed.")
@click.option("--kind", default=None, help="Room kind for a single scene: bedroom, living room, kitchen, office, bathroom.")
@click.option("--scenes", type=click.IntRange(min=1), default=None, help="Write a dataset of this many scenes with questions.")
@click.option("--splits", default="train=1", show_default=True, help="Split fractions for --scenes.")
@click.option("--walkthrough", is_flag=True,
              help="Plan each scene's camera walkthrough and record first_seen (adds appearance-order questions; ~0.5 s/scene).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Processes for --scenes.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@one_line_errors
def generate_command(out: Path, seed: int, kind: str | None, scenes: int | None, splits: str, walkthrough: bool,
                     workers: int, progress: bool) -> None:
    """Generate a procedural indoor scene (its ground-truth spatial code), or a dataset of scenes + questions."""
    from tqdm import tqdm

    from spatialcode.synth.camera_path import walkthrough_code
    from spatialcode.synth.dataset import write_dataset
    from spatialcode.synth.generate import generate_scene
    from spatialcode.synth.render import RenderConfig

    path = RenderConfig().path_config() if walkthrough else None
    if scenes is None:
        code = generate_scene(seed, kind=kind)
        if path is not None:
            with _warnings_as_lines():
                code = walkthrough_code(code, path)
        code.save(out)
        click.echo(f"wrote {out} ({len(code.objects)} objects, {code.room.floor_area():.1f} m²)", err=True)
        return
    if kind is not None:
        raise SpatialCodeError("--kind: applies to a single scene; leave it out with --scenes")
    fractions = _parse_splits(splits)
    with tqdm(total=scenes, unit="scene", disable=not progress) as bar:
        with _warnings_as_lines():
            summary = write_dataset(out, scenes, seed, fractions, progress=bar.update, walkthrough=path, workers=workers)
    click.echo(
        f"wrote {sum(summary.scenes.values())} scenes and {sum(summary.questions.values())} questions to {out} "
        f"({', '.join(f'{k} {v}' for k, v in summary.scenes.items())}; {len(summary.failed_scenes)} scenes failed)",
        err=True,
    )


@main.command(
    "questions",
    epilog="Example:\n\n  spatialcode questions scene.json --seed 0 --out questions.jsonl\n\n"
    "Rows follow the VSI-Bench schema; `spatialcode eval` reads them.",
)
@click.argument("scene", type=click.Path(path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (which questions, option order).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write JSONL here (default: stdout).")
@click.option("--task", "task_filter", multiple=True, help="Only these question types (repeatable).")
@one_line_errors
def questions_command(scene: Path, seed: int, out: Path | None, task_filter: tuple[str, ...]) -> None:
    """Generate VSI-Bench-style questions with verified answers about the spatial code in SCENE."""
    import json

    from spatialcode.synth.questions import QuestionGenConfig, generate_questions
    from spatialcode.tasks import check_task

    config = QuestionGenConfig(tasks=tuple(check_task(t, "--task") for t in task_filter)) if task_filter else None
    rows = [q.to_record() for q in generate_questions(SpatialCode.load(scene), seed, config)]
    text = "".join(json.dumps(row) + "\n" for row in rows)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        click.echo(f"wrote {len(rows)} questions to {out}", err=True)


def _render_config(config_path: Path | None, overrides: dict[str, Any], faults: str | None,
                   fault_settings: tuple[str, ...]):
    """The render configuration from an optional JSON file, command-line overrides and faults."""
    from dataclasses import replace

    from spatialcode.errors import InputFileError, ValidationError
    from spatialcode.json_input import read_json_file
    from spatialcode.synth.faults import FaultConfig
    from spatialcode.synth.render import RenderConfig

    config = RenderConfig()
    if config_path is not None:
        try:
            data = read_json_file(config_path, "JSON render configuration")
        except InputFileError as err:
            raise InputFileError(f"--config {err}") from None
        if not isinstance(data, dict):
            raise InputFileError(f"--config {config_path}: expected a JSON object of render settings")
        try:
            config = RenderConfig.from_dict(data)
        except ValidationError as err:
            raise InputFileError(f"--config {config_path}: {err}") from None
    config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    fault_config = config.faults if faults is None else FaultConfig.preset(faults)
    return replace(config, faults=fault_config.with_settings(fault_settings))


@main.command(
    "render",
    epilog="Examples:\n\n  spatialcode render scene.json --out renders/scene --viz\n\n"
    "  spatialcode render scene.json --out renders/noisy --faults realistic --fault missed_detection=0.2\n\n"
    "Writes rgb.mp4, depth.npz (uint16 mm), masks.npz (int16 object ids, -1 = room), frames.json "
    "(intrinsics, poses, labels per frame) and scene.json (ground truth with first_seen and the camera path).",
)
@click.argument("scene", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Render settings as a JSON object (fields of RenderConfig); the options below override it.")
@click.option("--width", type=click.IntRange(min=8), default=None, help="Image width, pixels (default 640).")
@click.option("--height", type=click.IntRange(min=8), default=None, help="Image height, pixels (default 480).")
@click.option("--fps", type=float, default=None, help="Frames per second (default 10).")
@click.option("--max-seconds", type=float, default=None, help="Longest video, seconds (default 180).")
@click.option("--max-frames", type=click.IntRange(min=1), default=None, help="At most this many frames.")
@click.option("--seed", type=int, default=None, help="Seed of the faults (default 0).")
@click.option("--faults", type=click.Choice(["none", "realistic"]), default=None, help="A preset of sensor/detector faults.")
@click.option("--fault", "fault_settings", multiple=True, metavar="NAME=VALUE",
              help="One fault setting, e.g. depth_noise=0.005 or missed_detection=0.1 (repeatable; overrides --faults).")
@click.option("--viz", is_flag=True, help="Also write birdseye.png (map with the camera path) and overlay.mp4 (boxes over the video).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@one_line_errors
def render_command(scene: Path, out: Path, config_path: Path | None, width: int | None, height: int | None,
                   fps: float | None, max_seconds: float | None, max_frames: int | None, seed: int | None,
                   faults: str | None, fault_settings: tuple[str, ...], viz: bool, progress: bool) -> None:
    """Render an RGB-D walkthrough (video, depth, instance masks, poses) of the spatial code in SCENE."""
    from spatialcode.synth.render import render_scene, write_render_overlay
    from spatialcode.viz import draw_birdseye

    overrides = {"width": width, "height": height, "fps": fps, "max_seconds": max_seconds, "max_frames": max_frames,
                 "seed": seed}
    config = _render_config(config_path, overrides, faults, fault_settings)
    code = SpatialCode.load(scene)
    with _warnings_as_lines():
        result = render_scene(code, out, config, progress=progress)
    click.echo(
        f"rendered {result.frame_count} frames ({result.frame_count / result.fps:.1f} s at {result.fps:g} fps, "
        f"{result.frames_per_second:.1f} frames/s, {result.codec}); "
        f"{len(code.objects) - len(result.unseen)}/{len(code.objects)} objects seen; files in {out}",
        err=True,
    )
    if viz:
        draw_birdseye(result.code, out / "birdseye.png", title=code.source.scene_name)
        write_render_overlay(out)
        click.echo(f"wrote {out / 'birdseye.png'} and {out / 'overlay.mp4'}", err=True)


@main.command(
    "encode",
    epilog="Examples:\n\n  spatialcode encode renders/scene --out scene.json --viz\n\n"
    "  spatialcode encode scans/scene0000_00 --out scene.json --target-fps 5\n\n"
    "  spatialcode encode walk.mp4 --sidecar walk.json --out scene.json\n\n"
    "  spatialcode encode phone.mp4 --perception pretrained --depth-model DA2-metric-indoor --detector-model owlv2 "
    "--segmenter-model sam --target-fps 2 --out scene.json\n\n"
    "  spatialcode encode renders/scene --perception learned --encoder-model runs/train/encoder/final.pt --out scene.json\n\n"
    "INPUT is a render folder (frames.json), an RGB-D folder (color/, depth/, pose/, intrinsic/), a "
    "video with a sidecar of depth, intrinsics and poses, or an ordinary colour-only video (intrinsics from "
    "--hfov). --perception given uses the instance masks the input ships (render folders); pretrained "
    "detects the VSI-Bench categories with an open-vocabulary detector and segments them with SAM (or, with "
    "--tracker-model, follows them through the video with SAM-2, detecting every --detect-every frames); learned "
    "predicts the 3D boxes with the learned spatial encoder (`spatialcode train encoder`). "
    "--depth-model predicts metric depth from colour (needed for a colour-only video). --poses auto reads "
    "the input's poses, or tracks a colour-only video by feature matching on the predicted depth; estimate "
    "tracks the camera with dense RGB-D odometry; features with feature matching and PnP; refine corrects "
    "drifting input poses by registering each frame onto what the earlier frames saw.",
)
@click.argument("source_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Scene JSON to write.")
@click.option("--sidecar", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="For a video: the JSON with intrinsics, poses and the depth file (default: beside the video).")
@click.option("--stride", type=click.IntRange(min=1), default=None, help="Use every N-th frame.")
@click.option("--target-fps", type=float, default=None, help="Use at most this many frames per second.")
@click.option("--perception", type=click.Choice(["given", "pretrained", "learned"]), default="given", show_default=True,
              help="Where objects come from: the input's instance masks, pretrained detection + segmentation, or the "
                   "learned spatial encoder (boxes straight from the frames).")
@click.option("--poses", type=click.Choice(["auto", "given", "estimate", "features", "refine"]), default="auto",
              show_default=True, help="Camera poses: see below.")
@click.option("--depth-model", default=None, help="Predict metric depth from colour with this model (folder or cached hub id).")
@click.option("--detector-model", default=None, help="--perception pretrained: the open-vocabulary detector (OWLv2).")
@click.option("--segmenter-model", default=None,
              help="--perception pretrained: the SAM model segmenting detections (default: box-shaped masks).")
@click.option("--tracker-model", default=None,
              help="--perception pretrained: a SAM-2 video model following the detections from frame to frame.")
@click.option("--detect-every", type=click.IntRange(min=1), default=5, show_default=True,
              help="With --tracker-model: run the detector on every N-th frame only.")
@click.option("--encoder-model", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="--perception learned: the trained encoder (output_dir/final.pt of `spatialcode train encoder`); "
                   "its inference settings are read from inference.yaml beside it when there is one.")
@click.option("--download-models", is_flag=True,
              help="Let the Hugging Face hub fetch model hub ids that are not in the local cache (else: cache only, offline).")
@click.option("--hfov", type=float, default=60.0, show_default=True,
              help="Colour-only video: the camera's horizontal field of view (degrees).")
@click.option("--width", type=click.IntRange(min=16), default=None, help="Colour-only video: resize frames to this width.")
@click.option("--viz", is_flag=True, help="Also write OUT.png (bird's-eye map) and OUT.mp4 (boxes over the video).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@one_line_errors
def encode_command(source_path: Path, out: Path, sidecar: Path | None, stride: int | None, target_fps: float | None,
                   perception: str, poses: str, depth_model: str | None, detector_model: str | None,
                   segmenter_model: str | None, tracker_model: str | None, detect_every: int, encoder_model: Path | None,
                   download_models: bool, hfov: float, width: int | None, viz: bool, progress: bool) -> None:
    """Encode a video / RGB-D sequence into a spatial code: objects with 3D boxes and first_seen, room, camera path."""
    from spatialcode.encode.pipeline import EncodePipelineConfig, encode_input

    config = EncodePipelineConfig(
        source_path, perception=perception, poses=poses, sidecar=sidecar, stride=stride, target_fps=target_fps,
        depth_model=depth_model, detector_model=detector_model, segmenter_model=segmenter_model,
        tracker_model=tracker_model, detect_every=detect_every, encoder_model=encoder_model, hfov_deg=hfov, width=width,
        download_models=download_models)
    with _warnings_as_lines():
        result = encode_input(config, progress=progress)
    code = result.code
    out.parent.mkdir(parents=True, exist_ok=True)
    code.save(out)
    stages = ", ".join(f"{name} {ms:.1f}" for name, ms in result.ms_per_frame.items())
    area = code.room.floor_area() if code.room else None
    click.echo(
        f"encoded {result.frames} frames: {len(code.objects)} objects"
        + (f", floor {area:.1f} m²" if area is not None else ", no floor found")
        + f"; wrote {out} (ms/frame: {stages})",
        err=True,
    )
    if viz:
        from spatialcode.viz import draw_birdseye, write_overlay_video

        draw_birdseye(code, out.with_suffix(".png"), title=out.stem, number_by_appearance=True)
        for_pictures = config.open_frames(rgb=True)
        first = next(iter(config.open_frames(rgb=False)))
        write_overlay_video((f.rgb for f in for_pictures), code, first.intrinsics, code.camera,
                            out.with_suffix(".mp4"), fps=code.source.fps or 10.0)
        click.echo(f"wrote {out.with_suffix('.png')} and {out.with_suffix('.mp4')}", err=True)


@main.command(
    "draw",
    epilog="Examples:\n\n  spatialcode draw scene.json --out scene.png\n\n"
    "  spatialcode draw renders/scene --frame 40 --out frame40.png   (boxes over frame 40 of a render)",
)
@click.argument("scene", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Picture to write (.png, .svg, .pdf, .jpg).")
@click.option("--number/--no-number", default=False, help="Number objects by first appearance.")
@click.option("--frame", type=click.IntRange(min=0), default=None,
              help="With a render folder as SCENE: draw the 3D boxes over this frame instead of the map.")
@one_line_errors
def draw_command(scene: Path, out: Path, number: bool, frame: int | None) -> None:
    """Draw the bird's-eye map of SCENE (room outline, oriented boxes with facing arrows, camera path),
    or with --frame the projected 3D boxes over one frame of a render folder."""
    from spatialcode.viz import draw_birdseye

    if frame is not None:
        from spatialcode.synth.render import write_render_overlay

        write_render_overlay(scene, out, frame=frame)
    else:
        code = SpatialCode.load(scene / "scene.json" if scene.is_dir() else scene)
        out.parent.mkdir(parents=True, exist_ok=True)
        draw_birdseye(code, out, title=code.source.scene_name, number_by_appearance=number)
    click.echo(f"wrote {out}", err=True)


main.add_command(train)

if __name__ == "__main__":  # pragma: no cover
    main()
