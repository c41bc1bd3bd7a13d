"""``spatialcode ask``: answer one question about a spatial code, with the derivation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.output import print_answer
from spatialcode.cli.settings import configured
from spatialcode.scene import SpatialCode

if TYPE_CHECKING:
    from spatialcode.reason.registry import ReasonerConfig


@click.command(
    epilog="Example:\n\n  spatialcode ask scene.json \"How many chair(s) are in this room?\"\n\n"
    "  spatialcode ask scene.json \"If I am standing by the sofa and facing the tv, is the lamp to the left "
    "or the right of the tv?\" --options \"A. left\" --options \"B. right\""
)
@click.argument("scene", type=click.Path(path_type=Path))
@click.argument("question")
@click.option("--options", "-o", multiple=True, help="A multiple-choice option such as 'A. left' (repeat per option).")
@click.option("--question-type", default=None, help="VSI-Bench task name, to check the wording against.")
@click.option("--reasoner", default=None,
              help="Who answers: solver (the default), llm or llm-tools (a language model, see `eval`). [name]")
@click.option("--model", default=None, help="llm: a .gguf file, a model folder, a hub id or a server address. [model.path]")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@one_line_errors
@configured("spatialcode.reason.registry:ReasonerConfig", {"reasoner": "name", "model": "model.path"})
def ask(scene: Path, question: str, options: tuple[str, ...], question_type: str | None, config: ReasonerConfig,
        as_json: bool) -> None:
    """Answer QUESTION about the spatial code in SCENE (a scene JSON file), with the derivation.

    The reasoner's settings are a ReasonerConfig (the same tree as `eval`'s reasoner.*): a
    --config YAML file, the options below, --set KEY=VALUE (e.g. --set solver.fallback=false)."""
    import json

    from spatialcode.reason.registry import make_reasoner
    from spatialcode.tasks import check_task

    if question_type is not None:
        check_task(question_type, "--question-type")
    code = SpatialCode.load(scene)
    reasoner, _ = make_reasoner(config)
    answer = reasoner.answer_question(code, question, options or None, question_type)
    if as_json:
        click.echo(json.dumps(answer.to_record()))
    else:
        print_answer(answer)
    if answer.cannot_answer and not answer.fallback:
        sys.exit(1)
