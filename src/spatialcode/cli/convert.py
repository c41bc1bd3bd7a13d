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
@click.option("--first-seen-rank", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Each box's first-appearance rank ({dataset: {scene: {label: [ranks]}}}) as its first_seen "
                   "(ranks, not seconds), so that appearance-order questions can be answered.")
@one_line_errors
def convert_vsibench_meta(meta_info: Path, out: Path, first_seen_rank: Path | None) -> None:
    """Convert VSI-Bench meta info (per-scene annotated boxes) into one scene JSON per scene."""
    from spatialcode.formats.vsibench_meta import convert_vsibench_meta

    written = convert_vsibench_meta(meta_info, out, first_seen_rank)
    click.echo(f"wrote {len(written)} scene codes under {out}")


@convert.command(
    "boxes",
    epilog="Example:\n\n  spatialcode convert boxes encoder_codes.json --dataset scannet --size-order whl "
    "--order appearance --out codes/\n\n"
    "FILE is a JSON object {scene_name: [{\"bbox_3d\": [9 numbers], \"label\": ...}, ...]}, a JSON-lines file (a "
    "scene or a box per line, with its \"scene_name\") or a folder of <scene_name>.json lists; writes "
    "codes/<dataset>/<scene_name>.json for every scene (what `spatialcode eval --codes` reads).",
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dataset", required=True, help="The scenes' source dataset (scannet, scannetpp, arkitscenes, ...).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output codes folder.")
@click.option("--size-order", type=click.Choice(["xyz", "whl"]), default="xyz", show_default=True,
              help="The three sizes of bbox_3d: along the box's x, y, z, or [w, h, l] with the vertical extent second.")
@click.option("--order", type=click.Choice(["appearance", "none"]), default="none", show_default=True,
              help="appearance: each list is in order of first appearance; an object's first_seen is its rank.")
@one_line_errors
def convert_boxes(file: Path, dataset: str, out: Path, size_order: str, order: str) -> None:
    """Convert box lists of another system (scene → bbox_3d entries) into one scene JSON per scene."""
    from spatialcode.formats.box_lists import read_box_lists
    from spatialcode.formats.codes_dir import write_codes

    codes = read_box_lists(file, dataset, size_order=size_order, order=order)
    written = write_codes(codes, out)
    boxes = sum(len(code.objects) for code in codes)
    click.echo(f"wrote {len(written)} scene codes ({boxes} boxes) under {out}")
