"""``spatialcode serve``: the web app — pick or upload a scene or a video, see its code in 3D, ask."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.settings import configured

if TYPE_CHECKING:
    from spatialcode.app.config import ServeConfig


@click.command(
    "serve",
    epilog="Examples:\n\n  spatialcode serve            (then open http://127.0.0.1:7860)\n\n"
    "  spatialcode serve --scenes runs/scenes --port 8000\n\n"
    "The app listens on this machine only unless --host says otherwise (e.g. --host 0.0.0.0 on a trusted "
    "network); it makes no share link and sends no usage statistics.",
)
@click.option("--host", default=None, help="Address to listen on. [host; default 127.0.0.1]")
@click.option("--port", type=int, default=None, help="Port to listen on. [port; default 7860]")
@click.option("--scenes", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A folder of scene JSON files (and of render/demo folders with a scene.json) to offer. [scenes]")
@click.option("--offline", is_flag=True, default=None,
              help="Encode uploaded videos only with models already in the Hugging Face cache. [offline]")
@one_line_errors
@configured("spatialcode.app.config:ServeConfig",
            {"host": "host", "port": "port", "scenes": "scenes", "offline": "offline"})
def serve_command(config: ServeConfig) -> None:
    """Serve the web app: pick the demo scene, a scene of --scenes, or upload a scene file or a
    video; see the code in 3D beside the video; ask a question and see the answer, its derivation
    and the objects it used highlighted. Stop it with Ctrl-C.

    The settings are a ServeConfig (see --show-config): upload limits (max_scene_mb, max_video_mb),
    the video preset, and the reasoner (reasoner.*, as for `ask`)."""
    from spatialcode.app.page import serve_page

    with tempfile.TemporaryDirectory(prefix="spatialcode-app-") as workdir:
        serve_page(config, Path(workdir),
                   announce=lambda url: click.echo(f"spatialcode: serving on {url} (Ctrl-C stops)", err=True))
