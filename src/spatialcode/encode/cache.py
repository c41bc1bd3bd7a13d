"""A cache of the codes encoded from videos, so that a second question about the same video is
answered at once: one file per (video content, settings), under the user's cache folder
(``$SPATIALCODE_CACHE_DIR``, else the platform's, e.g. ``~/.cache/spatialcode``).

The key of a code is the sha256 of the video's bytes (so a copy under another name hits) and of
the resolved settings that change the code — the models by hub id and pinned revision (a local
model folder by a digest of its configuration and file sizes), the package version — and not the
input's path, the device or whether downloading was allowed. Files are written whole (a temporary
file renamed into place), so a stopped run never leaves half a code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spatialcode.core.cache_dir import cache_root
from spatialcode.core.config import config_dict
from spatialcode.core.version import __version__
from spatialcode.encode.pipeline import EncodePipelineConfig, EncodeResult, encode_input
from spatialcode.scene import SpatialCode

#: The layout version of the cache folder (a change of the code format moves to a new one).
CACHE_LAYOUT = "v1"
#: How many files' digests are remembered (the oldest are forgotten; forgetting costs one re-read).
MAX_REMEMBERED = 2000
#: Settings that do not change the code: where the input is, where models run, downloading.
_NOT_IN_KEY = ("source", "sidecar", "device", "download_models")


def video_digest(path: str | Path, memo_file: Path) -> str:
    """The sha256 (hex) of the file ``path``'s bytes, remembered in the JSON file ``memo_file`` by
    its real path, size and modification time so that an unchanged file is read once."""
    path = Path(path)
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    try:
        memo = json.loads(memo_file.read_text())
        memo = memo if isinstance(memo, dict) else {}
    except (OSError, ValueError):
        memo = {}
    if isinstance(memo.get(key), str):
        return memo[key]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    memo[key] = digest.hexdigest()
    kept = dict(list(memo.items())[-MAX_REMEMBERED:])  # the most recent files
    write_atomically(memo_file, json.dumps(kept, indent=0))
    return memo[key]


def settings_key(config: EncodePipelineConfig) -> str:
    """The sha256 (hex) of what in the resolved ``config`` changes the code (see the module docstring)."""
    settings = {k: v for k, v in config_dict(config.resolved()).items() if k not in _NOT_IN_KEY}
    for name in ("depth_model", "detector_model", "segmenter_model", "tracker_model", "encoder_model"):
        if settings.get(name):
            settings[name] = _model_identity(str(settings[name]))
    canonical = json.dumps({"settings": settings, "version": __version__}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _model_identity(name: str) -> str:
    """A model as the key sees it: a pinned hub id with its revision, a local folder or file by a
    digest of its configuration files and every file's size and modification time (weights are
    not read: hundreds of MB), another hub id as it is."""
    from spatialcode.encode.pretrained.models import pinned_model

    pinned = pinned_model(name)
    if pinned is not None:
        return f"{pinned.repo_id}@{pinned.revision}"
    path = Path(name)
    if not path.exists():
        return name
    files = sorted(p for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file())
    digest = hashlib.sha256()
    for file in files:
        stat = file.stat()
        digest.update(f"{file.relative_to(path) if path.is_dir() else file.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
        if file.suffix in (".json", ".yaml", ".txt"):
            digest.update(file.read_bytes())
    return f"local:{digest.hexdigest()[:16]}"


@dataclass
class CachedEncoding:
    """A video's code, from the cache (``hit``) or encoded now (``result`` then holds the cost),
    and the cache file (``None`` when the cache was not used)."""

    code: SpatialCode
    path: Path | None
    hit: bool
    result: EncodeResult | None = None

    def describe(self) -> str:
        """One line saying where the code came from (the cache, or encoded now and kept where)
        and how it was made (:func:`describe_encoding`)."""
        where = (f"cached {self.path}" if self.hit or self.result is None else f"encoded {self.result.frames} frames"
                 + (f", kept in {self.path}" if self.path else ""))
        return f"code: {where} — {describe_encoding(dict(self.code.provenance.config))}"


def encode_cached(config: EncodePipelineConfig, use_cache: bool = True, cache_dir: str | Path | None = None,
                  progress: bool = False) -> CachedEncoding:
    """The code of the video ``config.source``: read from the cache when a code of the same
    content and settings is there, else encoded (:func:`~spatialcode.encode.pipeline.encode_input`)
    and stored; ``use_cache=False`` neither reads nor writes the cache."""
    if not use_cache:
        result = encode_input(config, progress=progress)
        return CachedEncoding(result.code, None, False, result)
    root = cache_root(cache_dir)
    folder = root / "codes" / CACHE_LAYOUT
    path = folder / video_digest(config.source, folder / "digests.json")[:16] / f"{settings_key(config)[:16]}.json"
    if path.is_file():
        return CachedEncoding(SpatialCode.load(path), path, True)
    result = encode_input(config, progress=progress)
    write_atomically(path, result.code.to_json())
    return CachedEncoding(result.code, path, False, result)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def describe_encoding(settings: dict[str, Any]) -> str:
    """One line saying how a code was encoded, from its provenance ``settings`` (what
    :func:`~spatialcode.encode.pipeline.encode_settings` records): preset, models (revision to 7
    digits), frame rate and width, field of view and where it came from."""
    def short(name: object) -> str:
        repo, _, revision = str(name).partition("@")
        return f"{repo}@{revision[:7]}" if revision else repo

    parts = [f"preset {settings.get('preset', '?')}"]
    models = [f"{role} {short(settings[key])}" for role, key in (("depth", "depth_model"), ("detector", "detector_model"),
                                                                  ("segmenter", "segmenter_model"), ("tracker", "tracker_model"))
              if settings.get(key)]
    if models:
        parts.append(", ".join(models))
    rate = f"{settings['target_fps']:g} frames/s" if settings.get("target_fps") else (
        f"every {settings['stride']} frames" if settings.get("stride") else "every frame")
    parts.append(rate + (f", ≤ {settings['width']} px wide" if settings.get("width") else ""))
    camera = settings.get("camera") or {}
    if camera:
        parts.append(f"hfov {camera.get('hfov_deg', 0):g}° ({camera.get('hfov_source', '?')})")
    return "; ".join(parts)

