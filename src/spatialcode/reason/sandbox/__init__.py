"""Run a short program a language model wrote over the spatial code, as untrusted code.

Defence in depth (the threat model is in ``docs/security.md``):

1. :mod:`.policy` — an allow-list of syntax, names and attributes, checked before anything runs;
2. :mod:`.child` — a fresh interpreter with an empty environment and only its two pipes, in its
   own process group, under resource limits and a seccomp system-call filter, holding only plain
   data and tool functions that ask the parent;
3. :mod:`.runner` — the parent: size-capped JSON messages (never pickle), checked tool calls,
   a wall-clock deadline, the child's whole process group killed at the end; every failure comes
   back as :class:`ProgramResult` ``error``, never as an exception.
"""

from spatialcode.reason.sandbox.policy import check_program
from spatialcode.reason.sandbox.runner import ProgramResult, SandboxLimits, run_program

__all__ = ["ProgramResult", "SandboxLimits", "check_program", "run_program"]
