"""``spatialcode models``: the default pretrained models of the video path — which they are, whether
they are in the Hugging Face cache, and fetching them once."""

from __future__ import annotations

import json

import click

from spatialcode.cli.errors import one_line_errors

_PRESET = click.option("--preset", type=click.Choice(["fast", "quality", "all"]), default="all", show_default=True,
                       help="The encoding preset whose models to act on.")


@click.group("models", epilog="Examples:\n\n  spatialcode models list\n\n  spatialcode models download --preset fast\n\n"
             "  spatialcode models check --load")
def models_command() -> None:
    """The pretrained models `encode` and `ask` use on a video: list them, download them (with the
    Hugging Face hub's progress bars, into its cache), check them. Each is pinned to a hub revision."""


@models_command.command("list")
@_PRESET
@click.option("--json", "as_json", is_flag=True, help="One JSON object a model, one per line.")
@one_line_errors
def list_command(preset: str, as_json: bool) -> None:
    """Role, hub id, pinned revision, download size, licence and whether it is cached (no network)."""
    from spatialcode.encode.presets import preset_models
    from spatialcode.encode.pretrained.models import cached_folder

    for model in preset_models(preset):
        folder = cached_folder(model)
        row = {"role": model.role, "repo_id": model.repo_id, "revision": model.revision, "size_mb": round(model.size_bytes / 1e6),
               "licence": model.licence, "cached": str(folder) if folder else None}
        if as_json:
            click.echo(json.dumps(row))
        else:
            click.echo(f"{model.role:9} {model.name:62} {row['size_mb']:>5} MB  {model.licence:11} "
                       f"{'cached: ' + str(folder) if folder else 'missing'}")


@models_command.command("download")
@_PRESET
@one_line_errors
def download_command(preset: str) -> None:
    """Fetch the models not yet in the cache (the total size is announced first)."""
    from spatialcode.encode.presets import preset_models
    from spatialcode.encode.pretrained.models import ensure_models

    models = preset_models(preset)
    folders = ensure_models(models, download=True, announce=lambda line: click.echo(line, err=True))
    click.echo(f"{len(models)} model(s) ready: " + ", ".join(f"{role} {folder}" for role, folder in folders.items()), err=True)


@models_command.command("check")
@_PRESET
@click.option("--load", is_flag=True, help="Also build each model with transformers (slower; needs the vision extra).")
@one_line_errors
def check_command(preset: str, load: bool) -> None:
    """Exit 0 when every model is cached with readable safetensors files (and, with --load, loads)."""
    from spatialcode.core.errors import SpatialCodeError
    from spatialcode.encode.presets import preset_models
    from spatialcode.encode.pretrained.models import check_files

    problems = []
    for model in preset_models(preset):
        problem = check_files(model)
        if problem is None and load:
            try:
                _LOADERS[model.role](model.repo_id)
            except SpatialCodeError as err:
                problem = str(err)
        if problem is not None:
            problems.append(problem)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("all models present" + (" and loadable" if load else ""), err=True)


def _load_depth(model: str) -> object:
    from spatialcode.encode.pretrained import DepthModelConfig, MonocularDepth

    return MonocularDepth(DepthModelConfig(model))


def _load_detector(model: str) -> object:
    from spatialcode.encode.pretrained import DetectorConfig, OpenVocabularyDetector

    return OpenVocabularyDetector(DetectorConfig(model))


def _load_tracker(model: str) -> object:
    from spatialcode.encode.pretrained import VideoObjectTracker, VideoTrackerConfig

    return VideoObjectTracker(VideoTrackerConfig(model))


#: Role → building the provider of that role from a cached hub id (what ``check --load`` runs).
_LOADERS = {"depth": _load_depth, "detector": _load_detector, "tracker": _load_tracker}
