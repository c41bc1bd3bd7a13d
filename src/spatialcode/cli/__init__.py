"""The ``spatialcode`` command line: one module a command group, gathered under :func:`main`."""

import click

from spatialcode.cli.ask import ask
from spatialcode.cli.convert import convert
from spatialcode.cli.demo import demo
from spatialcode.cli.draw import draw_command
from spatialcode.cli.encode import encode_command
from spatialcode.cli.errors import OneLineUsageGroup
from spatialcode.cli.eval import eval_command
from spatialcode.cli.generate import generate_command, questions_command
from spatialcode.cli.models import models_command
from spatialcode.cli.perturb import perturb_command
from spatialcode.cli.render import render_command
from spatialcode.cli.serve import serve_command
from spatialcode.cli.train import train
from spatialcode.cli.view import view_command
from spatialcode.core.version import __version__


@click.group(cls=OneLineUsageGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="spatialcode")
def main() -> None:
    """spatialcode — explicit 3D spatial code of a scene, and spatial reasoning over it."""

for _command in (demo, ask, convert, eval_command, generate_command, questions_command, render_command,
                 encode_command, draw_command, view_command, perturb_command, models_command, serve_command, train):
    main.add_command(_command)
