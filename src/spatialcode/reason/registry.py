"""Reasoners by name: what ``--reasoner`` accepts on the command line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any, Protocol

from spatialcode.errors import SpatialCodeError
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


REASONERS: dict[str, Callable[..., tuple[Reasoner, dict[str, Any]]]] = {"solver": _solver}


def make_reasoner(name: str, **settings: Any) -> tuple[Reasoner, dict[str, Any]]:
    """Build the reasoner called ``name``; returns it and its JSON-serialisable config."""
    if name not in REASONERS:
        raise SpatialCodeError(f"--reasoner: unknown reasoner {name!r}; available: {', '.join(REASONERS)}")
    return REASONERS[name](**settings)
