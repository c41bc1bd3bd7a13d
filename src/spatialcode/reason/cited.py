"""The objects an answer's derivation cites, so that a view can highlight what an answer used.

A derivation (:attr:`~spatialcode.reason.answer.Answer.derivation`) names a box it measured as
``label#id`` (``sofa#1 centre (...)``) and a category it reasoned over as a whole by its label
(``chair: 2 (2 boxes; ...)``, ``sofa ↔ lamp: 2.674 m``, ``door first seen at 0.00 s``). The cited
objects are those named by id, and every instance of a label named only as a category.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from spatialcode.scene import SpatialCode


def _alternation(words: Sequence[str]) -> str:
    """A regex alternative of ``words``, longest first (``coffee table`` before ``table``)."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


def cited_object_ids(code: SpatialCode, derivation: Sequence[str]) -> list[int]:
    """The ids of the objects of ``code`` that ``derivation`` (an answer's steps) cites, in the
    code's order: each ``label#id`` it names, and every object of a label it names without an
    id anywhere in the derivation. Labels match whole words, case-insensitively; an empty list
    when it names none (a room-size answer, a refusal)."""
    if not code.objects or not derivation:
        return []
    text = "\n".join(derivation)
    by_reference = {f"{obj.label}#{obj.id}".lower(): obj for obj in code.objects}
    references = re.compile(f"(?:{_alternation(list(by_reference))})(?!\\d)", re.I)
    named = {by_reference[match.group().lower()].id for match in references.finditer(text)}
    labels_with_ids = {obj.label.lower() for obj in code.objects if obj.id in named}
    words = re.compile(f"(?<![\\w#-])(?:{_alternation([obj.label for obj in code.objects])})(?![\\w#-])", re.I)
    categories = {match.group().lower() for match in words.finditer(text)} - labels_with_ids
    return [obj.id for obj in code.objects if obj.id in named or obj.label.lower() in categories]
