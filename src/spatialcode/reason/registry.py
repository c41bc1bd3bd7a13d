"""Reasoners by name, and the one config tree that builds any of them.

:class:`ReasonerConfig` holds the settings of every reasoner (``solver``, ``llm``, ``llm-tools``);
``name`` says which one answers and only its settings are used. :func:`make_reasoner` builds it
and describes it as JSON (the description goes into a predictions file's run line)::

    make_reasoner(ReasonerConfig(name="llm", model=ModelConfig("model.gguf")))
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.reason.answer import Answer
from spatialcode.reason.backends.base import Backend
from spatialcode.reason.llm import LLMConfig, LLMReasoner, make_backend
from spatialcode.reason.llm_tools import ToolLLMConfig, ToolLLMReasoner
from spatialcode.reason.solver import Solver, SolverConfig
from spatialcode.scene import SpatialCode

#: Where a language model is named when the config leaves ``model.path`` empty.
MODEL_ENV = "SPATIALCODE_MODEL"


class Reasoner(Protocol):
    """Anything that answers a question about a SpatialCode."""

    name: str

    def answer_question(
        self, code: SpatialCode, question: str, options: Sequence[str] | None = None, question_type: str | None = None
    ) -> Answer:
        """Answer ``question`` (with its ``options`` for multiple choice) from ``code``."""
        ...


@dataclass
class ModelConfig:
    """The language model of the ``llm`` reasoners: ``path`` is a ``.gguf`` file, a model
    folder, a hub id or an ``http(s)://`` OpenAI-compatible server (``None``: the
    ``$SPATIALCODE_MODEL`` environment variable, read when the :class:`ReasonerConfig` is made); ``server_model`` the model a server serves
    (default: the first it lists); ``cache`` an SQLite response cache; ``threads`` CPU threads
    of a local model (default: the backend's); ``keep_prompts``: llama.cpp keeps the prompts it
    has read on disk for later processes (:mod:`~spatialcode.reason.backends.llama_states`)."""

    path: str | None = None
    server_model: str | None = None
    cache: str | None = None
    threads: int | None = None
    keep_prompts: bool = True

    def __post_init__(self) -> None:
        check_whole_number(self.threads, "threads", optional=True)


@dataclass
class ReasonerConfig:
    """Which reasoner answers (``name``, one of :data:`REASONERS`) and the settings of each:
    ``solver`` for the exact solver, ``model`` with ``llm`` (prompt and sampling) for a language
    model reading the code, ``model`` with ``tools`` for a language model calling the solver's
    geometry as tools."""

    name: str = "solver"
    solver: SolverConfig = field(default_factory=SolverConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    llm: LLMConfig = field(default_factory=LLMConfig)
    tools: ToolLLMConfig = field(default_factory=ToolLLMConfig)

    def __post_init__(self) -> None:
        if self.name not in REASONERS:
            raise ValidationError("name", f"unknown reasoner {self.name!r}; available: {', '.join(REASONERS)}")
        if self.name != "solver" and not self.model.path:
            if not os.environ.get(MODEL_ENV):
                raise ValidationError("model.path", "a language model reasoner needs a model: a .gguf file, a model "
                                                    f"folder, a hub id or an http(s):// server address (or set {MODEL_ENV})")
            self.model = replace(self.model, path=os.environ[MODEL_ENV])


def _solver(config: ReasonerConfig) -> tuple[Reasoner, dict[str, Any]]:
    return Solver(config.solver), {"reasoner": "solver", **asdict(config.solver)}


def _llm(config: ReasonerConfig) -> tuple[Reasoner, dict[str, Any]]:
    backend, described = _backend(config.model)
    return LLMReasoner(backend, config.llm), {"reasoner": "llm", **described, "prompt": asdict(config.llm.prompt),
                                              "sampling": asdict(config.llm.sampling)}


def _llm_tools(config: ReasonerConfig) -> tuple[Reasoner, dict[str, Any]]:
    tools = config.tools
    backend, described = _backend(config.model)
    return ToolLLMReasoner(backend, tools), {"reasoner": "llm-tools", **described, "protocol": tools.protocol,
                                             "examples": tools.examples, "max_rounds": tools.max_rounds, "sampling": asdict(tools.sampling),
                                             "limits": {**asdict(tools.limits), "cpu_seconds": tools.limits.cpu_limit}}


def _backend(model: ModelConfig) -> tuple[Backend, dict[str, Any]]:
    """The backend for ``model`` and how to describe it."""
    backend = make_backend(str(model.path), server_model=model.server_model, cache=model.cache, threads=model.threads,
                           keep_prompts=model.keep_prompts)
    return backend, {"model": model.path, "served_model": backend.model}


REASONERS: dict[str, Callable[[ReasonerConfig], tuple[Reasoner, dict[str, Any]]]] = {
    "solver": _solver, "llm": _llm, "llm-tools": _llm_tools}


def make_reasoner(config: ReasonerConfig) -> tuple[Reasoner, dict[str, Any]]:
    """The reasoner ``config.name`` built from its settings in ``config``, and its
    JSON-serialisable description."""
    if not isinstance(config, ReasonerConfig):
        raise SpatialCodeError(f"make_reasoner takes a ReasonerConfig, got {type(config).__name__}")
    return REASONERS[config.name](config)
