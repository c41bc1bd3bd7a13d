"""How the command line reports bad input: one ``error: ...`` line and a non-zero exit code."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from spatialcode.errors import SpatialCodeError

F = TypeVar("F", bound=Callable[..., Any])


def one_line_errors(func: F) -> F:
    """Turn bad-input errors (and unreadable/unwritable paths) into one ``error: ...`` line on
    stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SpatialCodeError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)
        except OSError as err:  # a file or folder that cannot be read or written
            where = f"{err.filename}: " if err.filename else ""
            click.echo(f"error: {where}{err.strerror or err} (check the path and its permissions)", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]
