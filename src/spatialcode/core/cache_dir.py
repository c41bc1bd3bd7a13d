"""Where spatialcode keeps what it can recompute (encoded codes, llama.cpp prompt states)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$SPATIALCODE_CACHE_DIR``, else the user's cache
    folder for spatialcode (platformdirs, e.g. ``~/.cache/spatialcode``)."""
    if cache_dir is not None:
        return Path(cache_dir)
    if os.environ.get("SPATIALCODE_CACHE_DIR"):
        return Path(os.environ["SPATIALCODE_CACHE_DIR"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("spatialcode"))
