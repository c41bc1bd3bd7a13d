"""A response cache for any backend: completions stored in SQLite, keyed by the model, the
prompt's messages and the sampling settings, so a re-run (or a resumed evaluation) asks the
model only what it has not answered yet. A local model is known by its path and its files'
sizes and modification times, so a model re-trained or re-exported to the same path is asked
again. Failed completions are not cached."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

from spatialcode.reason.backends.base import Backend, Completion, Sampling
from spatialcode.reason.prompt import Prompt


def model_identity(model: str) -> str:
    """``model`` (a name, a server's model or a local path) and, when it is a local file or
    folder, the size and modification time (ns) of each file in it: the same model name
    always, a changed file a different identity."""
    path = Path(model)
    if not path.exists():
        return model
    files = [path] if path.is_file() else sorted(f for f in path.rglob("*") if f.is_file())
    stamps = [f"{f.relative_to(path) if f != path else f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files]
    return f"{model}|{';'.join(stamps)}"


def cache_key(model: str, prompt: Prompt, sampling: Sampling) -> str:
    """SHA-256 (hex) of the model's identity (see :func:`model_identity`), the prompt's
    messages and the sampling settings."""
    payload = json.dumps({"model": model, "messages": prompt.messages(), "sampling": asdict(sampling)},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class ResponseCache:
    """Completions by :func:`cache_key`, in an SQLite file at ``path`` (created with its folder)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS completions (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.commit()

    def get(self, key: str) -> Completion | None:
        """The stored completion for ``key`` (marked ``cached``), or ``None``."""
        with self._lock:
            row = self._db.execute("SELECT value FROM completions WHERE key = ?", (key,)).fetchone()
        return None if row is None else replace(Completion(**json.loads(row[0])), cached=True)

    def put(self, key: str, completion: Completion) -> None:
        """Store ``completion`` under ``key`` (replacing an older one)."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO completions VALUES (?, ?)", (key, json.dumps(asdict(completion))))
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM completions").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        self._db.close()


class CachedBackend:
    """``backend`` behind ``cache``: prompts answered before come from the cache; the others go
    to the backend together, and its successful completions are stored."""

    def __init__(self, backend: Backend, cache: ResponseCache) -> None:
        self.backend, self.cache = backend, cache
        self.model = backend.model
        self._identity = model_identity(backend.model)

    def complete(self, prompts: Sequence[Prompt], sampling: Sampling) -> list[Completion]:
        """One completion per prompt, in order (see the class docstring)."""
        keys = [cache_key(self._identity, prompt, sampling) for prompt in prompts]
        found: list[Completion | None] = [self.cache.get(key) for key in keys]
        missing = [i for i, completion in enumerate(found) if completion is None]
        if missing:
            for i, completion in zip(missing, self.backend.complete([prompts[i] for i in missing], sampling)):
                found[i] = completion
                if completion.error is None:
                    self.cache.put(keys[i], completion)
        return [completion for completion in found if completion is not None]

    def read_ahead(self, prompt: Prompt) -> Completion | None:
        """The backend's :meth:`~spatialcode.reason.backends.llama_cpp.LlamaCppBackend.read_ahead`
        when it has one (nothing is cached), else ``None``."""
        reader = getattr(self.backend, "read_ahead", None)
        return reader(prompt) if reader is not None else None
