"""``spatialcode demo``: the whole pipeline on a generated scene, with no data and no weights."""

from __future__ import annotations

from pathlib import Path

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.output import scene_table, warnings_as_lines


@click.command(
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

    render = replace(DEMO_RENDER, path=replace(DEMO_RENDER.path, max_frames=max_frames, width=width, height=height))
    config = DemoConfig(seed=seed, kind=None if kind == "any" else kind, out=out, render=render, overlay=overlay)
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
