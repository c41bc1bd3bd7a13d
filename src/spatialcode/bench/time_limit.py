"""The per-question time limit of a run: an alarm (``SIGALRM``) that raises :class:`QuestionTimeout`
in the thread answering the question once the limit has passed.

What it covers: everything a question costs inside this process — reading its scene code,
parsing, the solver, a language model's generation (llama.cpp, transformers, an HTTP server's
reply), tool programs (the sandbox kills its child when the exception unwinds it). The alarm is
delivered at the next Python instruction, so a single long call into C code (one llama.cpp batch,
one torch operation) finishes before the question stops. ``QuestionTimeout`` derives from
``BaseException`` so that a reasoner's ``except Exception`` cannot swallow it. It needs the main
thread (where the command line and Ray's actors answer) and a POSIX system.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from spatialcode.core.errors import ValidationError

T = TypeVar("T")


class QuestionTimeout(BaseException):
    """A question took longer than its time limit (seconds)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)  # the arguments are what pickling (a Ray worker's reply) rebuilds it from
        self.seconds = seconds

    def __str__(self) -> str:
        return f"took longer than the {self.seconds:g} s limit per question"


def check_time_limit(seconds: float | None) -> float | None:
    """Return ``seconds`` (a limit in seconds, ``None`` for none) after checking it is a finite
    number above 0 and that this thread can set an alarm; raises ``ValidationError`` otherwise."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds <= 0:
        raise ValidationError("time_limit", f"expected a number of seconds above 0, got {seconds!r}")
    if threading.current_thread() is not threading.main_thread():
        raise ValidationError("time_limit", "only the main thread can stop a question on time; answer from it")
    return float(seconds)


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`QuestionTimeout` inside the block once it has run ``seconds`` (wall clock;
    ``None``: no limit). The alarm and the previous handler are restored on the way out."""
    if seconds is None:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise QuestionTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def timed_call(func: Callable[[], T], seconds: float | None) -> tuple[T | BaseException, float]:
    """Call ``func`` under :func:`time_limit`; return its result — or the ``Exception`` it raised,
    or the :class:`QuestionTimeout` — and the wall time it took (s)."""
    tick = time.perf_counter()
    result: T | BaseException
    try:
        with time_limit(seconds):
            result = func()
    except (Exception, QuestionTimeout) as err:  # noqa: BLE001 - recorded in the row, the run goes on
        result = err
    return result, time.perf_counter() - tick
