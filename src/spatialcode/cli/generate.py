"""``spatialcode generate`` and ``spatialcode questions``: synthetic scenes, datasets and questions."""

from __future__ import annotations

from pathlib import Path

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.output import warnings_as_lines
from spatialcode.core.errors import SpatialCodeError
from spatialcode.scene import SpatialCode


def _parse_splits(text: str) -> dict[str, float]:
    splits = {}
    for part in text.split(","):
        name, _, fraction = part.partition("=")
        try:
            splits[name.strip()] = float(fraction)
        except ValueError:
            raise SpatialCodeError(f"--splits: expected name=fraction pairs like train=0.9,test=0.1, got {text!r}") from None
    return splits


@click.command(
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

    path = RenderConfig().path if walkthrough else None
    if scenes is None:
        code = generate_scene(seed, kind=kind)
        if path is not None:
            with warnings_as_lines():
                code = walkthrough_code(code, path)
        code.save(out)
        click.echo(f"wrote {out} ({len(code.objects)} objects, {code.room.floor_area():.1f} m²)", err=True)
        return
    if kind is not None:
        raise SpatialCodeError("--kind: applies to a single scene; leave it out with --scenes")
    fractions = _parse_splits(splits)
    with tqdm(total=scenes, unit="scene", disable=not progress) as bar:
        with warnings_as_lines():
            summary = write_dataset(out, scenes, seed, fractions, progress=bar.update, walkthrough=path, workers=workers)
    click.echo(
        f"wrote {sum(summary.scenes.values())} scenes and {sum(summary.questions.values())} questions to {out} "
        f"({', '.join(f'{k} {v}' for k, v in summary.scenes.items())}; {len(summary.failed_scenes)} scenes failed)",
        err=True,
    )


@click.command(
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
