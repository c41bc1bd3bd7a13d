"""``spatialcode render``: an RGB-D walkthrough video of a spatial code, with optional sensor faults."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.output import warnings_as_lines
from spatialcode.cli.settings import configured
from spatialcode.scene import SpatialCode

if TYPE_CHECKING:
    from spatialcode.synth.render import RenderConfig


def _fault_preset(name: str) -> dict[str, Any]:
    """``--faults NAME``: the whole ``faults`` group set to the preset ``NAME``."""
    from spatialcode.core.config import config_dict
    from spatialcode.synth.faults import FaultConfig

    return {"faults": config_dict(FaultConfig.preset(name))}


def _fault_settings(items: tuple[str, ...]) -> dict[str, Any]:
    """``--fault NAME=VALUE`` (repeatable): the same as ``--set faults.NAME=VALUE``."""
    from spatialcode.core.config import parse_override

    return dict(parse_override(f"faults.{item.strip()}") for item in items)


#: Each option of ``render`` and the setting (dotted key) it gives.
RENDER_OPTIONS = {
    "width": "path.width", "height": "path.height", "fps": "path.fps", "max_seconds": "path.max_seconds",
    "max_frames": "path.max_frames", "seed": "seed", "faults": _fault_preset, "fault_settings": _fault_settings,
}


@click.command(
    "render",
    epilog="Examples:\n\n  spatialcode render scene.json --out renders/scene --viz\n\n"
    "  spatialcode render scene.json --out renders/noisy --faults realistic --fault missed_detection=0.2\n\n"
    "Writes rgb.mp4, depth.npz (uint16 mm), masks.npz (int16 object ids, -1 = room), frames.json "
    "(intrinsics, poses, labels per frame) and scene.json (ground truth with first_seen and the camera path).",
)
@click.argument("scene", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--width", type=click.IntRange(min=8), default=None, help="Image width, pixels (default 640). [path.width]")
@click.option("--height", type=click.IntRange(min=8), default=None,
              help="Image height, pixels (default 480). [path.height]")
@click.option("--fps", type=float, default=None, help="Frames per second (default 10). [path.fps]")
@click.option("--max-seconds", type=float, default=None, help="Longest video, seconds (default 180). [path.max_seconds]")
@click.option("--max-frames", type=click.IntRange(min=1), default=None, help="At most this many frames. [path.max_frames]")
@click.option("--seed", type=int, default=None, help="Seed of the faults (default 0). [seed]")
@click.option("--faults", type=click.Choice(["none", "realistic", "monocular"]), default=None,
              help="A preset of sensor/detector faults (sets the whole faults group). [faults]")
@click.option("--fault", "fault_settings", multiple=True, metavar="NAME=VALUE",
              help="One fault setting, e.g. depth_noise=0.005 or missed_detection=0.1 (repeatable; overrides "
                   "--faults; the same as --set faults.NAME=VALUE). [faults.NAME]")
@click.option("--viz", is_flag=True, help="Also write birdseye.png (map with the camera path) and overlay.mp4 (boxes over the video).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@one_line_errors
@configured("spatialcode.synth.render:RenderConfig", RENDER_OPTIONS)
def render_command(scene: Path, out: Path, config: RenderConfig, viz: bool, progress: bool) -> None:
    """Render an RGB-D walkthrough (video, depth, instance masks, poses) of the spatial code in SCENE.

    The settings are a RenderConfig (the camera path under path.*, the sensor faults under
    faults.*): a --config YAML file, the options below, --set KEY=VALUE."""
    from spatialcode.synth.render import render_scene, write_render_overlay
    from spatialcode.viz import draw_birdseye

    code = SpatialCode.load(scene)
    with warnings_as_lines():
        result = render_scene(code, out, config, progress=progress)
    click.echo(
        f"rendered {result.frame_count} frames ({result.frame_count / result.fps:.1f} s at {result.fps:g} fps, "
        f"{result.frames_per_second:.1f} frames/s, {result.codec}); "
        f"{len(code.objects) - len(result.unseen)}/{len(code.objects)} objects seen; files in {out}",
        err=True,
    )
    if viz:
        draw_birdseye(result.code, out / "birdseye.png", title=code.source.scene_name)
        write_render_overlay(out)
        click.echo(f"wrote {out / 'birdseye.png'} and {out / 'overlay.mp4'}", err=True)
