"""``spatialcode view``: a scene, or a render folder with its frames, in the Rerun 3D viewer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.settings import configured
from spatialcode.scene import SpatialCode

if TYPE_CHECKING:
    from spatialcode.encode.frames import FrameSource
    from spatialcode.viz.view_config import ViewConfig

#: Each option of ``view`` and the setting it gives.
VIEW_OPTIONS = {"max_images": "max_images", "cloud_frames": "cloud_frames", "max_points": "max_points"}


def view_input(path: Path) -> tuple[SpatialCode, FrameSource | None]:
    """The code and, for a folder of frames (a render folder: frames.json, rgb.mp4, depth.npz,
    masks.npz, and scene.json when it has one; or an RGB-D folder), its frame source."""
    if not path.is_dir():
        return SpatialCode.load(path), None
    from spatialcode.encode.sources import open_source

    source = open_source(path)
    scene = path / "scene.json"
    return (SpatialCode.load(scene) if scene.is_file() else SpatialCode()), source


@click.command(
    "view",
    epilog="Examples:\n\n  spatialcode view scene.json --rrd scene.rrd   (then: rerun scene.rrd)\n\n"
    "  spatialcode view renders/scene --rrd walk.rrd   (with the frames, camera and depth cloud)\n\n"
    "  spatialcode view scene.json   (opens the Rerun viewer)\n\n"
    "A question's answer with the boxes and distances it used: spatialcode ask scene.json QUESTION --rrd answer.rrd",
)
@click.argument("scene", type=click.Path(path_type=Path))
@click.option("--rrd", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the recording to this .rrd file (open it with `rerun FILE.rrd`) instead of opening the viewer.")
@click.option("--max-images", type=click.IntRange(min=0), default=None,
              help="Video frames shown on the timeline, evenly spread (default 150). [max_images]")
@click.option("--cloud-frames", type=click.IntRange(min=0), default=None,
              help="Depth frames lifted into the point cloud (default 6). [cloud_frames]")
@click.option("--max-points", type=click.IntRange(min=0), default=None,
              help="Most points in the depth cloud (default 150000). [max_points]")
@one_line_errors
@configured("spatialcode.viz.view_config:ViewConfig", VIEW_OPTIONS)
def view_command(scene: Path, rrd: Path | None, config: ViewConfig) -> None:
    """Show SCENE in 3D in the Rerun viewer: a scene JSON file (room, oriented boxes with labels and
    facing arrows, camera path, first-seen events), or a render folder (also the camera with its
    frustum moving along the video frames, and a point cloud lifted from a few depth frames)."""
    from spatialcode.viz.rerun_view import record_view, rrd_path

    if rrd is not None:
        rrd = rrd_path(rrd)
    code, source = view_input(scene)
    summary = record_view(code, rrd, source, len(source) if source is not None else 0, config=config,
                          name=code.source.scene_name or scene.stem)
    shown = (f"{summary.objects} objects, {summary.poses} camera poses, {summary.images} frames, "
             f"{summary.points} cloud points")
    if rrd is None:
        click.echo(f"sent to the Rerun viewer: {shown}", err=True)
    else:
        click.echo(f"wrote {rrd} ({shown}; {rrd.stat().st_size / 1e6:.1f} MB) — open it with `rerun {rrd}`", err=True)
