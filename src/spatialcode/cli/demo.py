"""``spatialcode demo``: the whole pipeline on a generated scene, with no data and no weights."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.output import scene_table, warnings_as_lines
from spatialcode.cli.settings import configured

if TYPE_CHECKING:
    from spatialcode.demo import DemoConfig

#: Each option of ``demo`` and the setting it gives (``--kind any``: the kind drawn from the seed).
DEMO_OPTIONS = {
    "out": "out", "seed": "seed", "kind": lambda kind: {"kind": None if kind == "any" else kind},
    "max_frames": "render.path.max_frames", "width": "render.path.width", "height": "render.path.height",
    "overlay": "overlay",
}


@click.command(
    epilog="Examples:\n\n  spatialcode demo\n\n  spatialcode demo --seed 7 --kind office --out my-demo\n\n"
    "Needs no data and no weights; about a minute on 2 cores.",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default spatialcode-demo; files of an earlier demo there are replaced). [out]")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Scene seed (default 0). [seed]")
@click.option("--kind", default=None,
              help="Room kind: bedroom, living room (the default), kitchen, office, bathroom, or 'any' (drawn from "
                   "the seed). [kind]")
@click.option("--max-frames", type=click.IntRange(min=1), default=None,
              help="Longest video, frames (default 600, at 10 fps). [render.path.max_frames]")
@click.option("--width", type=click.IntRange(min=8), default=None,
              help="Video width, pixels (default 640). [render.path.width]")
@click.option("--height", type=click.IntRange(min=8), default=None,
              help="Video height, pixels (default 480). [render.path.height]")
@click.option("--overlay/--no-overlay", default=None, help="Write the video with 3D boxes drawn over it (default on). [overlay]")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@one_line_errors
@configured("spatialcode.demo:DemoConfig", DEMO_OPTIONS)
def demo(config: DemoConfig, progress: bool) -> None:
    """Generate a scene, render its video, encode the video into a spatial code, answer VSI-style questions from it.

    The settings are a DemoConfig (the render's under render.*): the options below, a --config
    YAML file, --set KEY=VALUE."""
    from spatialcode.bench import to_markdown
    from spatialcode.demo import DEMO_FILES, encoding_sentence, run_demo

    steps = iter(range(1, 7))
    with warnings_as_lines():
        result = run_demo(config, progress=progress,
                          on_stage=lambda text: click.echo(f"[{next(steps)}/6] {text} ...", err=True))
    code = result.encoded
    click.echo(f"\nSpatial code encoded from the video of '{code.source.scene_name}' ({len(code.objects)} objects):")
    click.echo(scene_table(code))
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
