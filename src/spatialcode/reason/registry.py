"""Reasoners by name: what ``--reasoner`` accepts on the command line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any, Protocol

from spatialcode.core.errors import ValidationError
from spatialcode.reason.answer import Answer
from spatialcode.reason.solver import Solver, SolverConfig
from spatialcode.scene import SpatialCode


class Reasoner(Protocol):
    """Anything that answers a question about a SpatialCode."""

    name: str

    def answer_question(
        self, code: SpatialCode, question: str, options: Sequence[str] | None = None, question_type: str | None = None
    ) -> Answer:
        """Answer ``question`` (with its ``options`` for multiple choice) from ``code``."""
        ...


def _solver(**settings: Any) -> tuple[Reasoner, dict[str, Any]]:
    config = SolverConfig(**settings)
    return Solver(config), {"reasoner": "solver", **asdict(config)}


def _llm(model: str | None = None, server_model: str | None = None, serialisation: str = "table",
         objects: str = "all", max_tokens: int = 512, temperature: float = 0.0, cache: str | None = None,
         threads: int | None = None) -> tuple[Reasoner, dict[str, Any]]:
    from spatialcode.reason.backends.base import Sampling
    from spatialcode.reason.llm import LLMConfig, LLMReasoner
    from spatialcode.reason.prompt import PromptConfig

    config = LLMConfig(PromptConfig(serialisation=serialisation, objects=objects),
                       Sampling(temperature=temperature, max_tokens=max_tokens))
    backend, described = _backend(model, server_model, cache, threads)
    return LLMReasoner(backend, config), {"reasoner": "llm", **described, "prompt": asdict(config.prompt),
                                          "sampling": asdict(config.sampling)}


def _llm_tools(model: str | None = None, server_model: str | None = None, max_tokens: int = 256,
               temperature: float = 0.0, cache: str | None = None, threads: int | None = None, max_rounds: int = 3,
               protocol: str | None = None, tool_timeout: float | None = None) -> tuple[Reasoner, dict[str, Any]]:
    import math

    from spatialcode.reason.backends.base import Sampling
    from spatialcode.reason.llm_tools import ToolLLMConfig, ToolLLMReasoner
    from spatialcode.reason.sandbox import SandboxLimits

    limits = SandboxLimits() if tool_timeout is None else SandboxLimits(timeout=tool_timeout,
                                                                        cpu_seconds=max(1, math.ceil(tool_timeout)))
    config = ToolLLMConfig(max_rounds=max_rounds, sampling=Sampling(temperature=temperature, max_tokens=max_tokens),
                           limits=limits, **({"protocol": protocol} if protocol else {}))
    backend, described = _backend(model, server_model, cache, threads)
    return ToolLLMReasoner(backend, config), {"reasoner": "llm-tools", **described, "protocol": config.protocol,
                                              "max_rounds": max_rounds, "sampling": asdict(config.sampling),
                                              "limits": asdict(config.limits)}


def _backend(model: str | None, server_model: str | None, cache: str | None, threads: int | None) -> tuple[Any, dict]:
    """The backend for ``model`` (default ``$SPATIALCODE_MODEL``) and how to describe it."""
    import os

    from spatialcode.reason.llm import make_backend

    model = model or os.environ.get("SPATIALCODE_MODEL")
    if not model:
        raise ValidationError("model", "missing: give a GGUF model file, a model folder, a Hugging Face hub id or an "
                              "http(s):// server address (or set SPATIALCODE_MODEL)")
    backend = make_backend(model, server_model=server_model, cache=cache, threads=threads)
    return backend, {"model": model, "served_model": backend.model}


REASONERS: dict[str, Callable[..., tuple[Reasoner, dict[str, Any]]]] = {"solver": _solver, "llm": _llm, "llm-tools": _llm_tools}


def make_reasoner(name: str, **settings: Any) -> tuple[Reasoner, dict[str, Any]]:
    """Build the reasoner called ``name``; returns it and its JSON-serialisable config."""
    if name not in REASONERS:
        raise ValidationError("reasoner", f"unknown reasoner {name!r}; available: {', '.join(REASONERS)}")
    return REASONERS[name](**settings)
