"""One seeded random stream for a generated scene, with the few draws the generator needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")


class Draw:
    """Random draws from one ``numpy.random.Generator`` seeded once (``numpy.random.default_rng``);
    every draw returns plain Python numbers so that the same seed gives the same scene."""

    def __init__(self, seed: int) -> None:
        self._random = np.random.default_rng(seed).random

    def unit(self) -> float:
        """Uniform in [0, 1)."""
        return self._random()

    def uniform(self, lo: float, hi: float) -> float:
        """Uniform in [lo, hi)."""
        return lo + (hi - lo) * self._random()

    def integer(self, lo: int, hi: int) -> int:
        """Uniform integer in [lo, hi] (both included)."""
        return lo + min(int(self._random() * (hi - lo + 1)), hi - lo)

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return self._random() < p

    def choice(self, items: Sequence[T]) -> T:
        """One item, uniformly."""
        return items[self.integer(0, len(items) - 1)]

    def weighted_choice(self, items: Sequence[T], weights: Sequence[float]) -> T:
        """One item with probability proportional to its weight (weights > 0)."""
        target, acc = self._random() * sum(weights), 0.0
        for item, weight in zip(items, weights):
            acc += weight
            if target < acc:
                return item
        return items[-1]

    def weighted_order(self, items: Sequence[T], weights: Sequence[float]) -> list[T]:
        """All items in a random order where heavier items tend to come first (weights > 0)."""
        keys = [self._random() ** (1.0 / w) for w in weights]
        order = sorted(range(len(items)), key=keys.__getitem__, reverse=True)
        return [items[i] for i in order]

    def shuffled(self, items: Sequence[T]) -> list[T]:
        """All items in a uniformly random order."""
        return self.weighted_order(items, [1.0] * len(items))
