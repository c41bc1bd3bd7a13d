"""How many CPUs this process may use, and how many Open3D may."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


def usable_cpus() -> int:
    """The number of CPUs this process may run on (its affinity mask on Linux, else the
    machine's count); at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def open3d_threads(count: int) -> Iterator[None]:
    """Limit Open3D to ``count`` CPU threads inside the block (0: no limit), restoring the limit
    it had after. Open3D parallelises with oneTBB, which ignores ``OMP_NUM_THREADS``; its parallel
    sums (ICP, normal estimation) and RANSAC depend on the threads' scheduling, so only one thread
    makes a run repeatable."""
    import open3d as o3d

    before = o3d.utility.get_max_threads()
    o3d.utility.set_max_threads(count)
    try:
        yield
    finally:
        o3d.utility.set_max_threads(before)
