"""``spatialcode render``: an RGB-D walkthrough video of a spatial code, with optional sensor faults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.output import warnings_as_lines
from spatialcode.scene import SpatialCode


def _render_config(config_path: Path | None, path_overrides: dict[str, Any], seed: int | None, faults: str | None,
                   fault_settings: tuple[str, ...]):
    """The render configuration from an optional JSON file, command-line overrides of the camera
    path's settings and of the seed, and faults."""
    from dataclasses import replace

    from spatialcode.core.errors import InputFileError, ValidationError
    from spatialcode.core.json_input import read_json_file
    from spatialcode.synth.faults import FaultConfig
    from spatialcode.synth.render import RenderConfig

    config = RenderConfig()
    if config_path is not None:
        try:
            data = read_json_file(config_path, "JSON render configuration")
        except InputFileError as err:
            raise InputFileError(f"--config {err}") from None
        if not isinstance(data, dict):
            raise InputFileError(f"--config {config_path}: expected a JSON object of render settings")
        try:
            config = RenderConfig.from_dict(data)
        except ValidationError as err:
            raise InputFileError(f"--config {config_path}: {err}") from None
    path = replace(config.path, **{k: v for k, v in path_overrides.items() if v is not None})
    config = replace(config, path=path, seed=config.seed if seed is None else seed)
    fault_config = config.faults if faults is None else FaultConfig.preset(faults)
    return replace(config, faults=fault_config.with_settings(fault_settings))


@click.command(
    "render",
    epilog="Examples:\n\n  spatialcode render scene.json --out renders/scene --viz\n\n"
    "  spatialcode render scene.json --out renders/noisy --faults realistic --fault missed_detection=0.2\n\n"
    "Writes rgb.mp4, depth.npz (uint16 mm), masks.npz (int16 object ids, -1 = room), frames.json "
    "(intrinsics, poses, labels per frame) and scene.json (ground truth with first_seen and the camera path).",
)
@click.argument("scene", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Render settings as a JSON object (fields of RenderConfig; the camera's under \"path\", e.g. "
                   "{\"path\": {\"fps\": 5}}); the options below override it.")
@click.option("--width", type=click.IntRange(min=8), default=None, help="Image width, pixels (default 640).")
@click.option("--height", type=click.IntRange(min=8), default=None, help="Image height, pixels (default 480).")
@click.option("--fps", type=float, default=None, help="Frames per second (default 10).")
@click.option("--max-seconds", type=float, default=None, help="Longest video, seconds (default 180).")
@click.option("--max-frames", type=click.IntRange(min=1), default=None, help="At most this many frames.")
@click.option("--seed", type=int, default=None, help="Seed of the faults (default 0).")
@click.option("--faults", type=click.Choice(["none", "realistic"]), default=None, help="A preset of sensor/detector faults.")
@click.option("--fault", "fault_settings", multiple=True, metavar="NAME=VALUE",
              help="One fault setting, e.g. depth_noise=0.005 or missed_detection=0.1 (repeatable; overrides --faults).")
@click.option("--viz", is_flag=True, help="Also write birdseye.png (map with the camera path) and overlay.mp4 (boxes over the video).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@one_line_errors
def render_command(scene: Path, out: Path, config_path: Path | None, width: int | None, height: int | None,
                   fps: float | None, max_seconds: float | None, max_frames: int | None, seed: int | None,
                   faults: str | None, fault_settings: tuple[str, ...], viz: bool, progress: bool) -> None:
    """Render an RGB-D walkthrough (video, depth, instance masks, poses) of the spatial code in SCENE."""
    from spatialcode.synth.render import render_scene, write_render_overlay
    from spatialcode.viz import draw_birdseye

    path_overrides = {"width": width, "height": height, "fps": fps, "max_seconds": max_seconds, "max_frames": max_frames}
    config = _render_config(config_path, path_overrides, seed, faults, fault_settings)
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
