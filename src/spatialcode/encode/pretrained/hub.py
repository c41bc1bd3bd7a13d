"""Loading a pretrained vision model and its processor by path or hub id, with one clear line
when the weights are not there. Nothing is downloaded unless asked for (``download``): a hub id
is otherwise read from the local Hugging Face cache only, without a network request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from spatialcode.core.errors import SpatialCodeError, ValidationError


def check_model_location(model: str, role: str, example: str) -> None:
    """Raise one clear line when ``model`` is empty (:class:`ValidationError` of ``<role>_model``)
    or names a local folder that does not exist (before anything heavy is imported); ``role`` and
    ``example`` as for :func:`load_pretrained`."""
    if not str(model).strip():
        raise ValidationError(f"{role}_model", f"missing: a local folder or hub id, e.g. {example}")
    if _looks_like_a_path(model) and not Path(model).exists():
        raise SpatialCodeError(f"the {role} model folder {model} does not exist: {_how_to_provide(role, example)}")


def load_pretrained(model: str, role: str, model_class: Any, processor_class: Any | None, example: str,
                    threads: int | None = None, download: bool = False, device: str = "cpu") -> tuple[Any, Any]:
    """The processor and model (eval mode) of ``model`` — a local folder or a hub id, read from
    the local cache unless ``download`` lets the hub fill it in —
    loaded with the transformers classes given (no processor when ``processor_class`` is ``None``),
    torch set to ``threads`` CPU threads when given, the model on the torch ``device`` (``auto``:
    the best this machine has, :func:`~.device.resolve_device`);
    ``role`` (e.g. ``"depth"``) and ``example`` (a hub id that works) name the model and how to
    provide it in the error raised when it cannot be loaded."""
    import torch
    from transformers.utils import logging as hf_logging

    from spatialcode.encode.pretrained.device import resolve_device

    if threads is not None:
        torch.set_num_threads(threads)
    device = resolve_device(device)

    check_model_location(model, role, example)
    hf_logging.disable_progress_bar()
    try:
        source, offline = _model_source(str(model), download)
        processor = processor_class.from_pretrained(source, **offline) if processor_class is not None else None
        network = model_class.from_pretrained(source, **offline)
    except (OSError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise SpatialCodeError(f"cannot load the {role} model {model!r} ({first}): {_how_to_provide(role, example)}") from None
    return processor, network.eval().to(device)


def check_rgb(rgb: Any) -> None:
    """Raise :class:`ValidationError` unless ``rgb`` is an (H, W, 3) uint8 image."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValidationError("rgb", f"expected an (H, W, 3) uint8 image, got {rgb.dtype} {rgb.shape}")


def _model_source(model: str, download: bool) -> tuple[str, dict[str, Any]]:
    """Where to load ``model`` from and the ``from_pretrained`` options: a local folder as it is;
    a default model (:mod:`~.models`) at its pinned revision, fetched first when ``download``; any
    other hub id from the cache, or from the hub when ``download``."""
    from spatialcode.encode.pretrained.models import ensure_models, pinned_model

    if Path(model).exists():
        return model, {"local_files_only": True}
    pinned = pinned_model(model)
    if pinned is not None:
        return str(ensure_models([pinned], download=download)[pinned.role]), {"local_files_only": True}
    if download:
        from huggingface_hub.utils import enable_progress_bars

        enable_progress_bars()  # the hub's download bars (transformers' own loading bar stays off)
        return model, {"local_files_only": False}
    # a cached hub id is loaded from its snapshot folder: transformers' auto classes would still
    # ask the hub for an adapter file when given the id with local_files_only
    return _cached_snapshot(model), {"local_files_only": True}


def _cached_snapshot(model: str, revision: str | None = None) -> str:
    """The local folder of the hub id ``model`` (at ``revision``; default: the cached ``main``) in
    the Hugging Face cache (no network request); raises ``OSError`` (not cached) or ``ValueError``
    (not a hub id) otherwise."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return snapshot_download(model, revision=revision, local_files_only=True)
    except LocalEntryNotFoundError:
        raise OSError("not in the local Hugging Face cache, and downloading was not asked for") from None


def _how_to_provide(role: str, example: str) -> str:
    return (f"give {role}_model a local folder of its weights (e.g. from `hf download {example} --local-dir DIR` where "
            "the hub is reachable) or a hub id already in the cache, or allow downloading it (download=True; "
            "download_models in the encode pipeline)")


def _looks_like_a_path(model: str) -> bool:
    """Whether ``model`` names a local folder rather than a hub id (``owner/name``)."""
    return str(model).startswith(("/", ".", "~")) or str(model).count("/") > 1 or "\\" in str(model)
