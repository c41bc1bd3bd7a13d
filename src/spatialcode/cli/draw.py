"""``spatialcode draw``: the bird's-eye map of a code, or its boxes over one frame of a render."""

from __future__ import annotations

from pathlib import Path

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.scene import SpatialCode


@click.command(
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
