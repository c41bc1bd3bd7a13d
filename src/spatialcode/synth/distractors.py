"""Multiple-choice helpers for question generation: option letters, balanced answer placement,
wrong options for orders and routes, and plausible numeric distractors.

Everything here takes an explicit ``numpy.random.Generator`` so generation is deterministic per
seed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

LETTERS = "ABCDEFGHIJ"


def lettered(texts: Sequence[str]) -> tuple[str, ...]:
    """``["left", "right"]`` → ``("A. left", "B. right")`` (the official option form)."""
    return tuple(f"{LETTERS[i]}. {text}" for i, text in enumerate(texts))


class LetterBalancer:
    """Places each question's right answer at the least-used letter, as VSI-Bench did.

    Counts are kept per number of options (2-, 3- and 4-option questions each get an even
    spread over their own letters), so within every option count the right letter is as close
    to uniform as the number of questions allows (max − min ≤ 1). Ties go to a random letter.
    """

    def __init__(self) -> None:
        self.counts: dict[int, list[int]] = {}

    def pick(self, n_options: int, rng: np.random.Generator) -> int:
        """Index (0 = ``A``) of a least-used letter among ``n_options`` letters (not yet counted)."""
        counts = self.counts.setdefault(n_options, [0] * n_options)
        least = min(counts)
        candidates = [i for i, c in enumerate(counts) if c == least]
        return int(candidates[int(rng.integers(len(candidates)))])

    def commit(self, n_options: int, index: int) -> None:
        """Count one right answer at ``index`` among ``n_options`` letters."""
        self.counts.setdefault(n_options, [0] * n_options)[index] += 1


def arrange(right: str, wrong: Sequence[str], index: int, rng: np.random.Generator) -> list[str]:
    """Option texts with ``right`` at ``index`` and the ``wrong`` ones shuffled around it."""
    others = [wrong[i] for i in rng.permutation(len(wrong))]
    return others[:index] + [right] + others[index:]


def order_distractors(order: Sequence[str], rng: np.random.Generator, count: int = 3) -> list[list[str]]:
    """``count`` distinct permutations of ``order``, all different from it (raises ``ValueError``
    when there are not that many)."""
    others = [list(p) for p in itertools.permutations(order) if list(p) != list(order)]
    if len(others) < count:
        raise ValueError(f"only {len(others)} other orders of {list(order)}")
    return [others[i] for i in sorted(rng.choice(len(others), size=count, replace=False))]


def turn_distractors(turns: Sequence[str], rng: np.random.Generator, count: int = 3) -> list[list[str]]:
    """``count`` distinct turn sequences (each turn ``left``/``right``/``back``) of the same length
    as ``turns``, all different from it; fewer when fewer exist (one turn: the 2 other turns)."""
    others = [list(p) for p in itertools.product(("left", "right", "back"), repeat=len(turns)) if list(p) != list(turns)]
    picked = rng.choice(len(others), size=min(count, len(others)), replace=False)
    return [others[i] for i in sorted(picked)]


def numeric_choices(
    gt: float, rng: np.random.Generator, decimals: int | None = 1, spread: tuple[float, float] = (0.25, 1.75),
    min_gap: float = 0.2, attempts: int = 20,
) -> list[float]:
    """Three plausible wrong numbers for a numeric answer ``gt`` (> 0), sorted ascending.

    Each lies in ``[spread[0]·gt, spread[1]·gt]`` and differs from ``gt`` and from the others
    by at least ``min_gap·gt`` (20 % of the answer: a guess that far off loses most of its
    mean-relative-accuracy credit). Values are drawn uniformly and rounded to ``decimals``
    (0 = integers, ``None`` = unrounded) before the checks. Raises ``ValueError`` when no such
    triple turns up in ``attempts`` rounds of 50 draws (e.g. a count of 2: only 1 and 3 are
    integers in range).
    """
    if not (math.isfinite(gt) and gt > 0):
        raise ValueError(f"numeric distractors need a finite answer > 0, got {gt!r}")
    low, high = spread[0] * gt, spread[1] * gt
    gap = min_gap * gt * (1 - 1e-9)
    for _ in range(attempts):  # greedy draws can corner themselves: restart each round
        picked: list[float] = []
        for x in rng.uniform(low, high, size=50):
            x = float(x) if decimals is None else round(float(x), decimals)
            if low - 1e-9 <= x <= high + 1e-9 and all(abs(x - y) >= gap for y in (gt, *picked)):
                picked.append(x)
                if len(picked) == 3:
                    return sorted(picked)
    raise ValueError(f"no three distractors {min_gap:.0%} apart in [{low:g}, {high:g}] for {gt:g}")
