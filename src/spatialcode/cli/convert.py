"""``spatialcode convert …``: other formats' annotations into spatial code files."""

from __future__ import annotations

from pathlib import Path

import click

from spatialcode.cli.errors import one_line_errors


@click.group()
def convert() -> None:
    """Convert annotations of other formats into spatial code files."""


@convert.command(
    "vsibench-meta",
    epilog="Example:\n\n  spatialcode convert vsibench-meta --meta-info data/vsibench/meta_info --out codes/\n\n"
    "writes codes/<dataset>/<scene_name>.json for every scene.",
)
@click.option("--meta-info", required=True, type=click.Path(path_type=Path), help="Folder with *_meta_info_val.json files.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output codes folder.")
@one_line_errors
def convert_vsibench_meta(meta_info: Path, out: Path) -> None:
    """Convert VSI-Bench meta info (per-scene annotated boxes) into one scene JSON per scene."""
    from spatialcode.formats.vsibench_meta import convert_vsibench_meta

    written = convert_vsibench_meta(meta_info, out)
    click.echo(f"wrote {len(written)} scene codes under {out}")
