"""``spatialcode ask``: answer one question about a spatial code, with the derivation."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.output import print_answer
from spatialcode.scene import SpatialCode


@click.command(
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
        print_answer(answer)
    if answer.cannot_answer and not answer.fallback:
        sys.exit(1)
