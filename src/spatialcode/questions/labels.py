"""Match the object names a question uses to the labels of a scene.

Questions name categories as people write them ("trash can", "refridgerator", "black chair
next to the trash bin"); scenes carry the labels their producer used. ``resolve_label`` tries, in
order: the exact label; singular/plural forms; a label naming the same category (the shared
vocabulary, :mod:`spatialcode.tasks.vocabulary`: the category's own name first, then its other
names — "trash can" finds "trash bin", "desk" a table when the scene has no desk); a close
spelling (difflib ratio ≥ 0.85); and, for descriptive phrases, a label named inside the phrase
(the earliest-mentioned, longest one, so "black chair next to the trash bin" → "chair").
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from spatialcode.tasks.vocabulary import CATEGORIES, canonical_category, category_names

if TYPE_CHECKING:
    from spatialcode.scene import SpatialCode, SpatialObject

_PREPOSITIONS = re.compile(
    r"\s+(?:next to|near|nearby|by|on|in|at|with|beside|behind|between|under|above|opposite|closer to|"
    r"closest to|facing|of|is|that|which|seen)\s+.*$"
)


def _forms(name: str) -> set[str]:
    """Singular/plural spellings of ``name`` (last word inflected)."""
    forms = {name}
    if name.endswith("ves"):  # shelves, bookshelves
        forms.add(name[:-3] + "f")
    elif name.endswith("f"):
        forms.add(name[:-1] + "ves")
    if name.endswith("ies"):
        forms.add(name[:-3] + "y")
    if name.endswith("es"):
        forms.add(name[:-2])
    if name.endswith("s"):
        forms.add(name[:-1])
    else:
        forms.add(name + "s")
        forms.add(name + "es")
    return forms


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").split()).strip(" .,;:!?'\"")


def _direct_match(name: str, labels: dict[str, str]) -> str | None:
    """Exact, inflected or same-category match of a whole name against normalised labels."""
    forms = sorted(_forms(name), key=lambda f: (f != name, f))
    for form in forms:
        if form in labels:
            return labels[form]
    category = next(filter(None, map(canonical_category, forms)), None)
    if category is not None:
        for other in category_names(category):
            for form in _forms(other):
                if form in labels:
                    return labels[form]
    return None


#: The most words any name of a category spans.
_NAME_WORDS = max(len(name.split()) for category in CATEGORIES for name in category_names(category))


def _longest_name(table: dict[str, str]) -> int:
    """The most words a whole name can have and still match a label of ``table`` or a category's name."""
    return max(_NAME_WORDS, *(len(normal.split()) for normal in table))


def resolve_label(phrase: str, labels: Iterable[str]) -> str | None:
    """Return the scene label that ``phrase`` refers to, or ``None`` when none fits."""
    return _resolve(phrase, tuple(labels))


class CodeLabels:
    """The names a question uses, resolved against one code: its labels with boxes first, then
    the labels its source only counted (those resolve, but name no box)."""

    def __init__(self, code: SpatialCode) -> None:
        self.code = code
        self.labels = tuple(dict.fromkeys([*code.labels, *(code.object_counts or {})]))

    def label(self, phrase: str) -> str | None:
        """The code's label ``phrase`` names (:func:`resolve_label`), or ``None``."""
        return resolve_label(phrase, self.labels)

    def objects(self, phrase: str) -> list[SpatialObject]:
        """The boxes of the label ``phrase`` names, in the code's order; empty when it names none
        or a label the source only counted."""
        label = self.label(phrase)
        return self.code.objects_with_label(label) if label is not None else []


@functools.lru_cache(maxsize=65536)
def _resolve(phrase: str, labels: tuple[str, ...]) -> str | None:
    table = {_normal(label): label for label in labels}
    name = re.sub(r"^(the|a|an)\s+", "", _normal(phrase))
    if not name or not table:
        return None
    found = _direct_match(name, table)
    if found is not None:
        return found
    close = difflib.get_close_matches(name, list(table), n=1, cutoff=0.85)
    if close:
        return table[close[0]]
    head = _PREPOSITIONS.sub("", name)
    words = head.split()
    # A label spelled by the last words of the head noun phrase ("black desk chair" → "chair"):
    # only the last few words can spell a label or a category's name, so longer phrases cost no more.
    for start in range(max(0, len(words) - _longest_name(table)), len(words)):
        found = _direct_match(" ".join(words[start:]), table)
        if found is not None:
            return found
    # Otherwise the earliest label mentioned anywhere in the phrase (longest on ties).
    best: tuple[int, int, str] | None = None
    for normal, label in table.items():
        for form in _forms(normal):
            match = re.search(rf"\b{re.escape(form)}\b", name)
            if match and (best is None or (match.start(), -len(form)) < (best[0], -best[1])):
                best = (match.start(), len(form), label)
    return best[2] if best else None
