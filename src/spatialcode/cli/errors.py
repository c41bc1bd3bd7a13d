"""How the command line reports bad input: one ``error: ...`` line and a non-zero exit code."""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

from spatialcode.core.errors import SpatialCodeError

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


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Inside the block, a SIGTERM (``kill``, a job scheduler's stop) is handled like Ctrl-C: it
    raises ``KeyboardInterrupt`` where the program is, so that ``finally`` blocks run (a run
    records itself as interrupted) before :func:`one_line_errors` exits with code 130."""

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt("terminated (SIGTERM)")

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _OneLineUsageError(click.ClickException):
    """A usage error (a bad option value, a missing option) shown as one ``error: ...`` line."""

    exit_code = 2

    def __init__(self, error: click.UsageError) -> None:
        hint = f" (see `{error.ctx.command_path} --help`)" if error.ctx is not None else ""
        super().__init__(error.format_message() + hint)

    def show(self, file: Any = None) -> None:
        """Print the one line on stderr."""
        click.echo(f"error: {self.format_message()}", err=True)


class OneLineUsageGroup(click.Group):
    """A command group whose sub-commands report usage errors (``--limit -1``, a file given where a
    folder goes) as one ``error: ...`` line and exit code 2, like every other bad input."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the sub-command; turn its usage errors into one line."""
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise  # a group given no sub-command shows its help
        except click.UsageError as err:
            raise _OneLineUsageError(err) from None
