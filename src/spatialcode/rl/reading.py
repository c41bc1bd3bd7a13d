"""What a reasoning states, read from its text: the objects it mentions, the coordinate or size
triples it quotes, its quantities with units, its side and turn words, its last statement and
its last number. Reading only; :mod:`spatialcode.rl.rubric` checks what is read against the code.

* Mentions — instance names of the code (``sofa_1``, :func:`~spatialcode.reason.serialise.object_names`,
  case-insensitive), name-shaped words the code lacks (``sofa_7``: *invented*), and plain labels
  (``the sofa``, plural allowed).
* Triples — ``(x, y, z)`` / ``[x, y, z]`` or ``a × b × c`` (also ``x`` or ``*``), metres, or
  centimetres when ``cm`` follows.
* Quantities — a number with a length unit (m, cm, mm, ft; as metres), an area unit (m², square
  metres, …; as m²) or degrees (°, deg, degrees), with the answer extractor's grammar
  (:mod:`spatialcode.reason.extract`: ranges read as their middle). Not read as quantities:
  numbers inside triples, the digits of names, axis values (``x = 1.2 m``) and ``in`` (the
  word, not inches).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from spatialcode.reason.extract import AREA_UNITS, LENGTH_UNITS, QUANTITY, quantity_value

_NAME_SHAPE = r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*_\d+"
_NUM = r"[-+]?(?:\d+(?:\.\d+)?|\.\d+)"
_M = r"(?:\s*m(?![a-z]))?"
_TRIPLE = re.compile(
    rf"(?:[(\[]\s*(?P<a>{_NUM}){_M}\s*,\s*(?P<b>{_NUM}){_M}\s*,\s*(?P<c>{_NUM}){_M}\s*[)\]]"
    rf"|(?<![\w.])(?P<d>{_NUM}){_M}\s*[x×*]\s*(?P<e>{_NUM}){_M}\s*[x×*]\s*(?P<f>{_NUM}))"
    r"(?:\s*(?P<unit>cm|m)(?![a-z]))?", re.I)
_ANGLE = re.compile(rf"(?<![\w.])(?P<v>{_NUM})\s*(?:°|º|deg(?:rees?)?(?![a-z]))", re.I)
_AXIS = re.compile(r"(?<![\w])[Δd]?[xyz]\s*[=:]\s*$", re.I)
_NOT_LENGTHS = {"in", "inch", "inches"}
_SIDE = re.compile(
    r"(?<![\w-])(?:(?P<q>front|back|rear)[- ](?P<s>left|right)|(?P<w>left|right|back|behind|front|ahead))(?![\w-])", re.I)
_SIDE_WORDS = {"behind": "back", "ahead": "front", "rear": "back"}
_TURN = re.compile(r"(?<![\w-])turn(?:s|ed|ing)?\s+(?:to\s+(?:the\s+|your\s+|my\s+)?)?(?P<t>left|right|back|around)(?![\w-])",
                   re.I)
_STATEMENT_END = re.compile(r"\n+|(?<=[.!?])\s+(?=[A-Z(\"'])")

@dataclass(frozen=True)
class Mention:
    """An object mentioned at ``text[start:end]``: ``kind`` ``"name"`` (an instance name of the
    code; ``key`` = the lower-case name), ``"invented"`` (name-shaped, not in the code; ``key`` =
    the lower-case word) or ``"label"`` (a plain label; ``key`` = the code's label)."""

    start: int
    end: int
    kind: str
    key: str


@dataclass(frozen=True)
class Triple:
    """Three numbers quoted at ``text[start:end]`` (metres)."""

    start: int
    end: int
    values: tuple[float, float, float]


@dataclass(frozen=True)
class Quantity:
    """A number with a unit at ``text[start:end]``: ``value`` in metres (``kind`` ``"length"``),
    square metres (``"area"``) or degrees (``"angle"``)."""

    start: int
    end: int
    kind: str
    value: float


def _phrase(words: str) -> str:
    """A regex for ``words`` with any spacing and an optional plural ending."""
    return r"\s+".join(map(re.escape, words.split())) + r"(?:e?s)?"


def says_phrase(text: str, phrase: str) -> bool:
    """True when ``text`` contains ``phrase`` as whole words (any case and spacing, plural allowed)."""
    return re.search(rf"(?<![\w]){_phrase(phrase)}(?![\w])", text, re.I) is not None


@functools.lru_cache(maxsize=256)
def _mention_pattern(names: tuple[str, ...], labels: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = [f"(?P<name>{'|'.join(re.escape(n) for n in sorted(names, key=len, reverse=True))})"] if names else []
    alternatives.append(f"(?P<invented>{_NAME_SHAPE})")
    by_length = sorted(range(len(labels)), key=lambda i: -len(labels[i]))
    alternatives += [f"(?P<label{i}>{_phrase(labels[i])})" for i in by_length]
    return re.compile(rf"(?<![\w/])(?:{'|'.join(alternatives)})(?![\w])", re.I)


def mentions(text: str, names: Sequence[str], labels: Sequence[str]) -> list[Mention]:
    """The objects ``text`` mentions, in order: instance ``names`` of the code, invented
    name-shaped words, and plain ``labels`` of the code."""
    labels = tuple(labels)
    found = []
    for match in _mention_pattern(tuple(names), labels).finditer(text):
        group = match.lastgroup or ""
        kind, key = ("label", labels[int(group[5:])]) if group.startswith("label") else (group, match.group().lower())
        found.append(Mention(match.start(), match.end(), kind, key))
    return found


def triples(text: str) -> list[Triple]:
    """The number triples ``text`` quotes (coordinates or sizes), in metres."""
    found = []
    for match in _TRIPLE.finditer(text):
        values = [match[k] if match[k] is not None else match[j] for k, j in (("a", "d"), ("b", "e"), ("c", "f"))]
        scale = 0.01 if (match["unit"] or "").lower() == "cm" else 1.0
        found.append(Triple(match.start(), match.end(), tuple(float(v) * scale for v in values)))  # type: ignore[arg-type]
    return found


def _part_of_word(text: str, start: int) -> bool:
    """True when the number at ``start`` continues a word or a number (``sofa_1``, ``1.5``)."""
    return start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.")


def quantities(text: str) -> list[Quantity]:
    """The lengths (m), areas (m²) and angles (degrees) ``text`` states, in order (see the
    module docstring for what is left out)."""
    inside = [(t.start, t.end) for t in triples(text)]

    def usable(start: int) -> bool:
        return (not any(a <= start < b for a, b in inside) and not _part_of_word(text, start)
                and _AXIS.search(text, max(0, start - 12), start) is None)

    found = [Quantity(m.start(), m.end(), "angle", float(m["v"])) for m in _ANGLE.finditer(text) if usable(m.start())]
    for match in QUANTITY.finditer(text):
        unit = (match["unit"] or "").lower()
        if not unit or unit in _NOT_LENGTHS or not usable(match.start()):
            continue
        value = quantity_value(match)
        kind, scale = ("length", LENGTH_UNITS[unit]) if unit in LENGTH_UNITS else ("area", AREA_UNITS[unit])
        found.append(Quantity(match.start(), match.end(), kind, value * scale))
    return sorted(found, key=lambda q: q.start)


def stated_sides(text: str) -> list[str]:
    """The side words of ``text`` in order, normalised: ``front-left`` … ``back-right``
    (:data:`~spatialcode.reason.directions.QUADRANTS`), ``left``, ``right``, ``back``
    (also "behind"), ``front`` (also "ahead")."""
    sides = []
    for match in _SIDE.finditer(text):
        if match["q"]:
            side = f"{_SIDE_WORDS.get(match['q'].lower(), match['q'].lower())}-{match['s'].lower()}"
        else:
            side = _SIDE_WORDS.get(match["w"].lower(), match["w"].lower())
        sides.append(side)
    return sides


def stated_turns(text: str) -> list[str]:
    """The turns of ``text`` in order: ``left``, ``right`` or ``back`` ("turn around")."""
    return ["back" if m["t"].lower() == "around" else m["t"].lower() for m in _TURN.finditer(text)]


def last_statement(text: str) -> str:
    """The last sentence or line of ``text`` (``""`` when there is none)."""
    parts = [part.strip() for part in _STATEMENT_END.split(text) if part.strip()]
    return parts[-1] if parts else ""


def last_number(text: str) -> str | None:
    """The text of the last number in ``text`` with its unit when one follows (``"1.5 m"``),
    skipping the digits of names; ``None`` when there is none."""
    numbers = [m.group().strip() for m in QUANTITY.finditer(text) if not _part_of_word(text, m.start())]
    return numbers[-1] if numbers else None
