"""The default pretrained models of the video path, pinned to hub revisions, and fetching them the
way the ecosystem does: ``huggingface_hub`` downloads into its own cache with its progress bars,
the total size is announced first, and where the hub cannot be reached one line names the
``hf download`` commands to run on a machine that can reach it.

Why these models (CPU first; see docs/video.md for the alternatives considered):

- depth: Depth Anything V2 *Metric Indoor Small* — metric depth for rooms, 25 M parameters
  (≈ 0.7–1.6 s a frame on 2 cores), Apache-2.0 (the Base and Large checkpoints are non-commercial);
- detector, ``fast``: OWL-ViT B/32 — open vocabulary, 576 patches at 768² (OWLv2 has 3,600);
- detector, ``quality``: OWLv2 B/16 ensemble — better recall on small objects, ≈ 10 s a frame on CPU;
- tracker, ``quality``: SAM 2.1 Hiera tiny — follows every detection through the video (GPU).

Only ``*.json``, ``*.txt`` and ``*.safetensors`` files are fetched: never pickled weights.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from spatialcode.core.errors import SpatialCodeError, ValidationError

#: The files a model download takes (configuration, vocabulary, safetensors weights; no pickles).
MODEL_FILES = ("*.json", "*.txt", "*.safetensors")


@dataclass(frozen=True)
class PinnedModel:
    """A hub model at a fixed ``revision`` (a full 40-hex commit): its ``role`` in the encoder
    (``depth``, ``detector``, ``tracker``), ``repo_id``, approximate download ``size_bytes`` (the
    announcement asks the hub for the exact figure) and ``licence``."""

    role: str
    repo_id: str
    revision: str
    size_bytes: int
    licence: str

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[0-9a-f]{40}", self.revision):
            raise ValidationError("revision", f"a pinned model needs a full 40-hex commit, got {self.revision!r}")

    @property
    def name(self) -> str:
        """``repo_id@revision`` (12 hex digits), as provenance and messages show it."""
        return f"{self.repo_id}@{self.revision[:12]}"


DEPTH = PinnedModel("depth", "depth-anything/Depth-Anything-V2-Metric-Indoor-Small-hf",
                    "4d5187ef4957085a714f15b6ae43230a8b813c03", 99_000_000, "Apache-2.0")
DETECTOR_FAST = PinnedModel("detector", "google/owlvit-base-patch32",
                            "cbc355fb364588351c5d51c7f74465e8e7ec6f72", 613_000_000, "Apache-2.0")
DETECTOR_QUALITY = PinnedModel("detector", "google/owlv2-base-patch16-ensemble",
                               "7c77fc1316a353da3109f81d80ae118dd58fd55b", 620_000_000, "Apache-2.0")
TRACKER_QUALITY = PinnedModel("tracker", "facebook/sam2-hiera-tiny-hf",
                              "e6ccaf46dd72dacb98108826ddef8b81b36d3b1e", 156_000_000, "Apache-2.0")

#: Every pinned model (the presets of :mod:`spatialcode.encode.presets` choose among them).
PINNED_MODELS = (DEPTH, DETECTOR_FAST, DETECTOR_QUALITY, TRACKER_QUALITY)


def pinned_model(repo_id: str) -> PinnedModel | None:
    """The pinned model whose hub id is ``repo_id``, else ``None``."""
    return next((m for m in PINNED_MODELS if m.repo_id == repo_id), None)


def cached_folder(model: PinnedModel) -> Path | None:
    """The local folder of ``model`` at its revision in the Hugging Face cache when every file it
    needs is there (no network request), else ``None``."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = Path(snapshot_download(model.repo_id, revision=model.revision, allow_patterns=list(MODEL_FILES),
                                        local_files_only=True))
    except LocalEntryNotFoundError:
        return None
    return folder if (folder / "config.json").is_file() and any(folder.glob("*.safetensors")) else None


def check_files(model: PinnedModel) -> str | None:
    """``None`` when ``model`` is cached with a configuration and safetensors files whose headers
    read, else one line saying what is wrong and what to run."""
    from safetensors import safe_open

    folder = cached_folder(model)
    if folder is None:
        return f"{model.role} {model.name}: missing; run `spatialcode models download` or `{hf_download_commands([model])}`"
    for weights in sorted(folder.glob("*.safetensors")):
        try:
            with safe_open(str(weights), framework="numpy") as handle:
                handle.keys()
        except Exception as err:  # safetensors raises its own error types for damaged files
            return (f"{model.role} {model.name}: {weights.name} is unreadable ({type(err).__name__}); delete "
                    f"{folder} and run `spatialcode models download`")
    return None


def hf_download_commands(models: Iterable[PinnedModel]) -> str:
    """The ``hf download`` commands that fetch ``models`` at their revisions, joined by ``&&``."""
    include = " ".join(f"'{pattern}'" for pattern in MODEL_FILES)
    return " && ".join(f"hf download {m.repo_id} --revision {m.revision} --include {include}" for m in models)


def unreachable(models: Iterable[PinnedModel], reason: str) -> SpatialCodeError:
    """The one-line error for a hub that cannot be reached: what failed and the commands to run
    where it can be (then copy the Hugging Face cache folder over)."""
    return SpatialCodeError(f"cannot reach the Hugging Face hub ({reason}): run `{hf_download_commands(models)}` "
                            "on a machine that can, then copy its ~/.cache/huggingface/hub here")


def download_size(models: Iterable[PinnedModel]) -> int:
    """Bytes still to download for ``models`` (a dry run asks the hub for the file list)."""
    from huggingface_hub import snapshot_download

    total = 0
    for model in models:
        files = snapshot_download(model.repo_id, revision=model.revision, allow_patterns=list(MODEL_FILES), dry_run=True)
        total += sum(f.file_size or 0 for f in files if f.will_download)
    return total


def ensure_models(models: Iterable[PinnedModel], download: bool = True,
                  announce: Callable[[str], None] = print) -> dict[str, Path]:
    """Role → local folder of each of ``models``: from the cache, else (``download``) fetched
    from the hub with its progress bars after one ``announce`` line giving their number and total
    size (MB). Raises one line (:func:`unreachable`) when a model is missing and the hub cannot
    be reached, or downloading is off."""
    models = tuple(models)
    folders = {m.role: cached_folder(m) for m in models}
    missing = [m for m in models if folders[m.role] is None]
    if not missing:
        return folders  # type: ignore[return-value]
    if not download:
        raise SpatialCodeError(f"{', '.join(m.name for m in missing)} not in the Hugging Face cache: run "
                               f"`spatialcode models download` (or `{hf_download_commands(missing)}`), or allow downloading")
    from huggingface_hub import snapshot_download
    from huggingface_hub.utils import enable_progress_bars

    try:
        _resolve_hub_host()
        size = download_size(missing)
        announce(f"downloading {len(missing)} model(s), {size / 1e6:,.0f} MB, into the Hugging Face cache: "
                 + ", ".join(m.name for m in missing))
        enable_progress_bars()
        for model in missing:
            folders[model.role] = Path(snapshot_download(model.repo_id, revision=model.revision,
                                                         allow_patterns=list(MODEL_FILES)))
    except Exception as err:  # the hub's errors: offline mode, connection, timeout, HTTP
        if not _hub_error(err):
            raise
        first = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
        raise unreachable(missing, first) from None
    return folders  # type: ignore[return-value]


def _resolve_hub_host() -> None:
    """Look the hub's host name up once, so that a machine without a network fails at once rather
    than after the hub client's retries (``OSError`` when it cannot be resolved)."""
    import socket
    from urllib.parse import urlparse

    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return  # the client refuses at once, with its own message
    host = urlparse(constants.ENDPOINT).hostname or "huggingface.co"
    try:
        socket.getaddrinfo(host, 443)
    except socket.gaierror as err:
        raise OSError(f"cannot resolve {host}: {err.strerror or err}") from None


def _hub_error(err: Exception) -> bool:
    """Whether ``err`` means the hub could not be reached or did not serve the files: the hub
    client's own errors (offline mode, dry run, HTTP), its HTTP library's (connection, timeout)
    and the operating system's."""
    return isinstance(err, OSError) or type(err).__module__.split(".")[0] in ("huggingface_hub", "httpx", "httpx2", "httpcore")
