"""Prompts llama.cpp has already read, kept on disk so that another process asking about the same
scene starts from them: on a CPU, reading the prompt (the conventions and the scene's objects,
hundreds of tokens) is most of a question's time, and only the question at its end changes.

A kept state is llama.cpp's context (its KV cache: a few MB for a scene) after a completion, with
the tokens it holds and the prompt's text. Before a completion, the state whose text shares the
longest beginning with the new prompt is loaded; llama.cpp then compares tokens and reads only
what differs, so a wrong or stale pick costs time, never a wrong answer.

States live in one folder per model file (its resolved path, size and modification time), context
length and llama-cpp-python version, under the cache folder (:func:`~spatialcode.core.cache_dir.cache_root`).
Files are ``.npz`` archives read without pickle, written whole (a temporary file renamed into
place), checked when read (a broken one is deleted and ignored), and at most ``max_states``
files and ``max_bytes`` bytes are kept per model, the least recently used going first.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: The name of the states' folder under the cache folder.
STATES_FOLDER = "llama-states"


@dataclass(frozen=True)
class KeptState:
    """One kept state: the ``tokens`` llama.cpp had read (token ids) and its context ``data``
    (llama.cpp's own serialisation)."""

    tokens: np.ndarray
    data: bytes


def model_folder(root: Path, model: Path, n_ctx: int, version: str) -> Path:
    """The folder of the states of the GGUF file ``model`` run with a context of ``n_ctx``
    tokens by llama-cpp-python ``version``, in the states' folder ``root``."""
    stat = model.stat()
    key = f"{model.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{n_ctx}|{version}"
    return root / hashlib.sha256(key.encode()).hexdigest()[:20]


def common_prefix(a: str, b: str) -> int:
    """The length of the longest common beginning of the strings ``a`` and ``b`` (characters)."""
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    low, high = 0, n  # a[:low] == b[:low], a[:high] != b[:high]
    while high - low > 1:
        middle = (low + high) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle
    return low


class PromptStates:
    """The kept states of one model (see the module docstring), in ``folder``; token ids must lie
    in ``[0, n_vocab)`` and be at most ``n_ctx``; at most ``max_states`` files and ``max_bytes``
    bytes are kept."""

    def __init__(self, folder: Path, n_vocab: int, n_ctx: int, max_states: int = 8, max_bytes: int = 2**29) -> None:
        self.folder, self.n_vocab, self.n_ctx = Path(folder), n_vocab, n_ctx
        self.max_states, self.max_bytes = max_states, max_bytes

    def best(self, text: str) -> tuple[Path, int] | None:
        """The kept state whose prompt text shares the longest beginning with ``text``, and that
        length (characters); ``None`` when none shares any."""
        found: tuple[Path, int] | None = None
        for path in sorted(self.folder.glob("*.npz")):
            kept = self._text(path)
            if kept is None:
                path.unlink(missing_ok=True)
                continue
            shared = common_prefix(kept, text)
            if shared > (found[1] if found else 0):
                found = (path, shared)
        return found

    def load(self, path: Path) -> KeptState | None:
        """The state in ``path``, or ``None`` (and the file deleted) when it is missing or broken."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                tokens, data = archive["tokens"], archive["state"]
            valid = (tokens.ndim == 1 and tokens.dtype.kind == "i" and 0 < tokens.size <= self.n_ctx
                     and int(tokens.min()) >= 0 and int(tokens.max()) < self.n_vocab
                     and data.ndim == 1 and data.dtype == np.uint8 and data.size > 0)
        except (OSError, ValueError, KeyError):
            valid = False
        if not valid:
            path.unlink(missing_ok=True)
            return None
        os.utime(path)  # recently used: kept longest
        return KeptState(tokens.astype(np.intc), data.tobytes())

    def save(self, text: str, tokens: np.ndarray, data: bytes) -> Path:
        """Keep the state ``data`` holding ``tokens`` after the prompt ``text``; drop the least
        recently used states beyond ``max_states``. Returns the file written."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{hashlib.sha256(text.encode()).hexdigest()[:20]}.npz"
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(out, text=np.array(text), tokens=np.asarray(tokens, dtype=np.int32),
                         state=np.frombuffer(data, dtype=np.uint8))
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        self._forget_oldest()
        return path

    def _text(self, path: Path) -> str | None:
        try:
            with np.load(path, allow_pickle=False) as archive:
                text = archive["text"]
            return str(text) if text.ndim == 0 and text.dtype.kind == "U" else None
        except (OSError, ValueError, KeyError):
            return None

    def _forget_oldest(self) -> None:
        """Delete the least recently used states beyond ``max_states`` files or ``max_bytes``."""
        files = [(path, path.stat()) for path in self.folder.glob("*.npz")]
        total = 0
        for rank, (path, stat) in enumerate(sorted(files, key=lambda item: item[1].st_mtime_ns, reverse=True)):
            total += stat.st_size
            if rank >= self.max_states or (rank > 0 and total > self.max_bytes):
                path.unlink(missing_ok=True)
