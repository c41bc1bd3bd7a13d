"""``spatialcode generate`` and ``spatialcode questions``: synthetic scenes, datasets and questions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.output import warnings_as_lines
from spatialcode.cli.settings import configured
from spatialcode.core.errors import SpatialCodeError
from spatialcode.scene import SpatialCode

if TYPE_CHECKING:
    from spatialcode.synth.dataset import GenerateConfig
    from spatialcode.synth.questions import QuestionGenConfig


def _parse_splits(text: str) -> dict[str, dict[str, float]]:
    """``--splits train=0.9,test=0.1``: the ``splits`` setting."""
    splits = {}
    for part in text.split(","):
        name, _, fraction = part.partition("=")
        try:
            splits[name.strip()] = float(fraction)
        except ValueError:
            raise SpatialCodeError(f"--splits: expected name=fraction pairs like train=0.9,test=0.1, got {text!r}") from None
    return {"splits": splits}


#: Each option of ``generate`` and the setting it gives.
GENERATE_OPTIONS = {"out": "out", "seed": "seed", "kind": "kind", "scenes": "scenes", "splits": _parse_splits,
                    "walkthrough": "walkthrough", "workers": "workers"}


@click.command(
    "generate",
    epilog="Examples:\n\n  spatialcode generate --seed 3 --kind bedroom --out scene.json\n\n"
    "  spatialcode generate --scenes 1000 --seed 0 --splits train=0.9,test=0.1 --out data/synth\n\n"
    "  spatialcode generate --scenes 1000 --walkthrough --workers 2 --out data/synth-timed\n\n"
    "  spatialcode generate --scenes 100 --out data/dense --set scene.furniture_density=2 --set path.fps=5\n\n"
    "With --scenes, OUT is a folder: scenes/, questions.jsonl, data/<split>.jsonl (Hugging Face `json` "
    "layout) and a README card.",
)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Scene JSON file, or a folder with --scenes. [out]")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Random seed (default 0). [seed]")
@click.option("--kind", default=None,
              help="Room kind for a single scene: bedroom, living room, kitchen, office, bathroom. [kind]")
@click.option("--scenes", type=click.IntRange(min=1), default=None,
              help="Write a dataset of this many scenes with questions. [scenes]")
@click.option("--splits", default=None, help="Split fractions for --scenes, e.g. train=0.9,test=0.1 (default train=1). "
              "[splits]")
@click.option("--walkthrough", is_flag=True, default=None,
              help="Plan each scene's camera walkthrough and record first_seen (adds appearance-order questions; "
                   "~0.5 s/scene). [walkthrough]")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Processes for --scenes (default 1). [workers]")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@one_line_errors
@configured("spatialcode.synth.dataset:GenerateConfig", GENERATE_OPTIONS)
def generate_command(config: GenerateConfig, progress: bool) -> None:
    """Generate a procedural indoor scene (its ground-truth spatial code), or a dataset of scenes + questions.

    The settings are a GenerateConfig: the options below, and the generators' own settings
    (scene.*, questions.*, path.* for the walkthrough camera) from a --config YAML file or --set."""
    from tqdm import tqdm

    from spatialcode.synth.dataset import run_generate

    if config.scenes is None:
        with warnings_as_lines():
            code = run_generate(config)
        click.echo(f"wrote {config.out} ({len(code.objects)} objects, {code.room.floor_area():.1f} m²)", err=True)
        return
    with tqdm(total=config.scenes, unit="scene", disable=not progress) as bar:
        with warnings_as_lines():
            summary = run_generate(config, progress=bar.update)
    click.echo(
        f"wrote {sum(summary.scenes.values())} scenes and {sum(summary.questions.values())} questions to {config.out} "
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
@click.option("--task", "tasks", multiple=True, help="Only these question types (repeatable). [tasks]")
@one_line_errors
@configured("spatialcode.synth.questions:QuestionGenConfig", {"tasks": "tasks"})
def questions_command(scene: Path, seed: int, out: Path | None, config: QuestionGenConfig) -> None:
    """Generate VSI-Bench-style questions with verified answers about the spatial code in SCENE.

    The generator's settings are a QuestionGenConfig (margins, caps per task, ...): a --config
    YAML file, --task, --set KEY=VALUE (e.g. --set max_per_task.object_counting=2)."""
    import json

    from spatialcode.synth.questions import generate_questions

    rows = [q.to_record() for q in generate_questions(SpatialCode.load(scene), seed, config)]
    text = "".join(json.dumps(row) + "\n" for row in rows)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        click.echo(f"wrote {len(rows)} questions to {out}", err=True)
