"""The backend interface: a :class:`Backend` turns prompts into :class:`Completion` s under
:class:`Sampling` settings. Backends: an OpenAI-compatible server
(:mod:`~spatialcode.reason.backends.openai_server`), any of them behind a response cache
(:mod:`~spatialcode.reason.backends.cache`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.reason.prompt import Prompt


@dataclass(frozen=True)
class Sampling:
    """Generation settings: ``temperature`` (0 = greedy), nucleus ``top_p``, at most
    ``max_tokens`` new tokens, a ``seed`` where the backend supports one, ``stop`` strings."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 512
    seed: int | None = 0
    stop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.temperature >= 0:
            raise ValidationError("temperature", f"must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValidationError("top_p", f"must be in (0, 1], got {self.top_p}")
        check_whole_number(self.max_tokens, "max_tokens")
        object.__setattr__(self, "stop", tuple(self.stop))


@dataclass(frozen=True)
class Completion:
    """One reply: its ``text``, token counts (``None`` when the backend does not say), wall
    ``seconds``, whether it came from the cache, the ``error`` that left it empty (a
    per-item failure a batch records and goes on from), and how many of the prompt's tokens the
    model had read before (``reused_prompt_tokens``, ``None`` when the backend does not say)."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    seconds: float = 0.0
    cached: bool = False
    error: str | None = None
    reused_prompt_tokens: int | None = None


class Backend(Protocol):
    """Prompts in, one completion per prompt out (same order). ``model`` names the model (it
    keys the response cache)."""

    model: str

    def complete(self, prompts: Sequence[Prompt], sampling: Sampling) -> list[Completion]:
        """One completion per prompt, in order."""
        ...


def existing_gguf(model: str) -> Path:
    """The path of the GGUF file ``model``, or one clear error when there is none."""
    path = Path(model).expanduser()
    if not path.is_file():
        raise SpatialCodeError(f"no GGUF file at {path}: check the path, or give another model: a GGUF model file, "
                               "a model folder, a hub id or a server address")
    return path
