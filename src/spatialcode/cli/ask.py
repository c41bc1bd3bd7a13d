"""``spatialcode ask``: answer one question about a spatial code, with the derivation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.output import echo_backend, print_answer
from spatialcode.cli.settings import configured
from spatialcode.scene import SpatialCode

if TYPE_CHECKING:
    from spatialcode.reason.registry import ReasonerConfig


@click.command(
    epilog="Example:\n\n  spatialcode ask scene.json \"How many chair(s) are in this room?\"\n\n"
    "  spatialcode ask room.mp4 \"How many chair(s) are in this room?\"\n\n"
    "  spatialcode ask scene.json \"If I am standing by the sofa and facing the tv, is the lamp to the left "
    "or the right of the tv?\" --options \"A. left\" --options \"B. right\"\n\n"
    "A video (.mp4, .mov, .avi, .mkv) is encoded first as `spatialcode encode VIDEO` would (models downloaded on "
    "first use), and its code kept in the cache folder: the next question about the same video is answered at once."
)
@click.argument("scene", type=click.Path(path_type=Path))
@click.argument("question")
@click.option("--preset", type=click.Choice(["fast", "quality"]), default="fast", show_default=True,
              help="VIDEO: the encoding preset (fast for a CPU, quality for a GPU).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]), default="auto", show_default=True,
              help="VIDEO: where the encoder's models run.")
@click.option("--hfov", type=float, default=None,
              help="VIDEO: the camera's horizontal field of view in degrees (default: the file's metadata, else 60).")
@click.option("--target-fps", type=float, default=None, help="VIDEO: frames per second to encode (default: the preset's).")
@click.option("--offline", is_flag=True, help="VIDEO: use only models already in the Hugging Face cache.")
@click.option("--no-cache", is_flag=True, help="VIDEO: encode again, and keep nothing in the cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="VIDEO: the cache folder (default: $SPATIALCODE_CACHE_DIR, else the user's cache folder).")
@click.option("--encode-set", "encode_overrides", multiple=True, metavar="KEY=VALUE",
              help="VIDEO: any other encoding setting (an EncodePipelineConfig key, e.g. features.max_lost_share=1).")
@click.option("--options", "-o", multiple=True, help="A multiple-choice option such as 'A. left' (repeat per option).")
@click.option("--question-type", default=None, help="VSI-Bench task name, to check the wording against.")
@click.option("--reasoner", default=None,
              help="Who answers: solver (the default), llm or llm-tools (a language model, see `eval`). [name]")
@click.option("--model", default=None, help="llm: a .gguf file, a model folder, a hub id or a server address. [model.path]")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.option("--rrd", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a Rerun recording of the scene with the question, the answer and the boxes and distances "
              "it used (open it with `rerun FILE.rrd`).")
@one_line_errors
@configured("spatialcode.reason.registry:ReasonerConfig", {"reasoner": "name", "model": "model.path"})
def ask(scene: Path, question: str, options: tuple[str, ...], question_type: str | None, config: ReasonerConfig,
        as_json: bool, preset: str, device: str, hfov: float | None, target_fps: float | None, offline: bool,
        no_cache: bool, cache_dir: Path | None, encode_overrides: tuple[str, ...], rrd: Path | None) -> None:
    """Answer QUESTION about SCENE — a scene JSON file, or a video of the room — with the derivation.

    The reasoner's settings are a ReasonerConfig (the same tree as `eval`'s reasoner.*): a
    --config YAML file, the options below, --set KEY=VALUE (e.g. --set solver.fallback=false)."""
    import json

    from spatialcode.reason.registry import make_reasoner
    from spatialcode.tasks import check_task

    if question_type is not None:
        check_task(question_type, "--question-type")
    if rrd is not None:
        from spatialcode.viz.rerun_view import rrd_path

        rrd = rrd_path(rrd)
    echo_backend(config)
    reasoner, _ = make_reasoner(config)
    if _is_video(scene):
        code, footer = _video_code(scene, not no_cache, cache_dir, encode_overrides, preset=preset, device=device,
                                   hfov_deg=hfov, target_fps=target_fps, download_models=not offline)
    else:
        code, footer = SpatialCode.load(scene), None
    answer = reasoner.answer_question(code, question, options or None, question_type)
    if as_json:
        click.echo(json.dumps(answer.to_record()))
    else:
        print_answer(answer)
    if footer:
        click.echo(footer, err=True)
    if rrd is not None:
        from spatialcode.viz.rerun_view import AskedQuestion, record_view

        shown = record_view(code, rrd, asked=AskedQuestion(question, answer, options, question_type))
        boxes, distances = shown.evidence
        click.echo(f"wrote {rrd} (the answer used {boxes} box{'es' * (boxes != 1)} and {distances} "
                   f"distance{'s' * (distances != 1)}) — open it with `rerun {rrd}`", err=True)
    if answer.cannot_answer and not answer.fallback:
        sys.exit(1)


def _is_video(path: Path) -> bool:
    from spatialcode.formats import VIDEO_SUFFIXES

    return path.suffix.lower() in VIDEO_SUFFIXES


def _video_code(video: Path, use_cache: bool, cache_dir: Path | None, overrides: tuple[str, ...],
                **settings: Any) -> tuple[SpatialCode, str]:
    """The code of ``video`` (cached or encoded now with ``settings`` and ``overrides``, an
    EncodePipelineConfig's) and a line saying where it came from and how it was made."""
    from spatialcode.cli.output import warnings_as_lines
    from spatialcode.core.errors import InputFileError
    from spatialcode.encode.cache import encode_cached
    from spatialcode.encode.pipeline import encode_config

    if not video.is_file():
        raise InputFileError(f"{video}: no such video file")
    config = encode_config(video, overrides, **settings)
    with warnings_as_lines():
        done = encode_cached(config, use_cache=use_cache, cache_dir=cache_dir, progress=sys.stderr.isatty())
    return done.code, done.describe()
