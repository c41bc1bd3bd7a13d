"""What the commands print: the object table of a code, an answer with its derivation, warnings as lines."""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from spatialcode.reason.answer import Answer
from spatialcode.scene import SpatialCode

if TYPE_CHECKING:
    from spatialcode.reason.registry import ReasonerConfig


@contextlib.contextmanager
def warnings_as_lines() -> Iterator[None]:
    """Print Python warnings raised inside the block as ``warning: ...`` lines on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for item in caught:
                click.echo(f"warning: {item.message}", err=True)


def scene_table(code: SpatialCode) -> str:
    rows = [f"{'id':>3}  {'label':<14} {'centre (m)':<22} {'size (m)':<20} {'yaw°':>6} {'first seen':>10}"]
    for obj in code.objects:
        c, s = obj.box.center, obj.box.size
        seen = "-" if obj.first_seen is None else f"{obj.first_seen:.1f} s"
        rows.append(
            f"{obj.id:>3}  {obj.label:<14} ({c[0]:5.2f}, {c[1]:5.2f}, {c[2]:4.2f})  "
            f"{s[0]:4.2f} × {s[1]:4.2f} × {s[2]:4.2f}   {math.degrees(obj.box.yaw):6.1f} {seen:>10}"
        )
    area = code.room.floor_area() if code.room else None
    if area is not None:
        rows.append(f"room floor area: {area:.1f} m²")
    return "\n".join(rows)


def echo_backend(config: ReasonerConfig) -> None:
    """Say on stderr which backend a language-model reasoner of ``config`` runs on (and warn when
    it is the slow one); nothing for the solver."""
    if config.name == "solver" or not config.model.path:
        return
    from spatialcode.reason.llm import backend_notice

    for line in backend_notice(config.model.path, config.model.threads):
        click.echo(line, err=True)


def print_answer(answer: Answer, show_derivation: bool = True) -> None:
    click.echo(f"  → {answer.headline()}")
    if show_derivation:
        for step in answer.derivation:
            click.echo(f"     · {step}")
