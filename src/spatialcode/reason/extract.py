"""Pull the final answer out of a language model's reply, as the scorer wants it: an option
letter (``"B"``) or a number in the question's unit (``"1.3"``).

The answer is looked for in the last ``<answer>…</answer>`` (an unclosed tag runs to the end);
without one, in what follows the last "answer is" / "Answer:" after the reasoning, else in the
reply's last line. Multiple choice: a letter (``B``, ``(B)``, ``B.``, ``B) sofa``, ``B right``,
``option B``; not the article in "A chair is…"), else the one option whose text the answer
names ("back-left" names back-left, not left; naming two options is no answer). Numbers: digits
with thousands commas, decimals, a range ("2-3 m", "between 2 and 3") read as its middle, small
number words for counts, and a unit after the number converted to the question's (``150 cm``
for a question in metres is 1.5). A reply with neither is *refused* when it says it cannot
answer, else *unparseable*; both give an empty prediction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from spatialcode.questions.vsibench import parse_options
from spatialcode.reason.serialise import number

#: Extraction statuses: found in the answer tag, found elsewhere in the reply, a refusal, nothing usable.
STATUSES = ("ok", "untagged", "refused", "unparseable")

#: Metres per length unit and square metres per area unit, by the words a reply may use.
LENGTH_UNITS = {"m": 1.0, "meter": 1.0, "meters": 1.0, "metre": 1.0, "metres": 1.0, "cm": 0.01, "centimeter": 0.01,
                "centimeters": 0.01, "centimetre": 0.01, "centimetres": 0.01, "mm": 0.001, "millimeter": 0.001,
                "millimeters": 0.001, "millimetres": 0.001, "ft": 0.3048, "foot": 0.3048, "feet": 0.3048,
                "in": 0.0254, "inch": 0.0254, "inches": 0.0254}
AREA_UNITS = {"m²": 1.0, "m2": 1.0, "m^2": 1.0, "sq m": 1.0, "square meters": 1.0, "square metres": 1.0,
              "square meter": 1.0, "square metre": 1.0, "ft²": 0.09290304, "sq ft": 0.09290304,
              "square feet": 0.09290304, "square foot": 0.09290304}
_UNIT_SCALE = {"m": ("length", 1.0), "cm": ("length", 0.01), "m2": ("area", 1.0)}
_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                     "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}

_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+"
_UNIT_WORDS = "|".join(re.escape(u) for u in sorted([*AREA_UNITS, *LENGTH_UNITS], key=len, reverse=True))
#: A number (or a range, read as its middle) with an optional unit word: the grammar of answers and stated quantities.
QUANTITY = re.compile(
    rf"(?:between\s+)?(?P<a>{_NUMBER})(?:\s*(?:-|–|to|and)\s*(?P<b>{_NUMBER}))?\s*(?P<unit>{_UNIT_WORDS})?(?![a-z])",
    re.I)
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.I)
_TAG = re.compile(r"<answer>(.*?)(?:</answer>|$)", re.I | re.S)
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.I | re.S)
_ANSWER_IS = re.compile(r"(?:final answer|answer)\s*(?:is|:)\s*(.+)$", re.I | re.S)
#: A letter on its own, "(B)…", "B." / "B:" / "B)…" at the start, or "option B" anywhere ("A chair…" is not a letter).
_LETTERS = (re.compile(r"^\s*\(?([A-Z])\)?\s*$"), re.compile(r"^\s*\(([A-Z])\)"), re.compile(r"^\s*([A-Z])[.:)]"),
            re.compile(r"\boption\s+\(?([A-Z])\)?(?![A-Za-z])", re.I))
_LETTER_THEN_TEXT = re.compile(r"^\s*([A-Z])\s+(.+)$", re.S)
_REFUSAL = re.compile(r"cannot|can't|can not|unable|not possible|impossible|not enough information|unknown|"
                      r"not (?:be )?determin", re.I)


@dataclass(frozen=True)
class Extraction:
    """What :func:`extract_answer` found: the ``prediction`` to score (``""`` when none), its
    ``status`` (one of :data:`STATUSES`) and the ``answer_text`` it was read from."""

    prediction: str
    status: str
    answer_text: str

    @property
    def parsed(self) -> bool:
        """True when a prediction was found (in the tag or elsewhere)."""
        return self.status in ("ok", "untagged")


def extract_answer(reply: str, options: Sequence[str] | None = None, unit: str | None = None) -> Extraction:
    """The answer in ``reply``: a letter of ``options`` when given, else a number converted to
    ``unit`` (``"m"``, ``"cm"``, ``"m2"``, or ``None`` to take the number as written)."""
    text = str(reply or "")
    tagged = _TAG.findall(text)
    if tagged:
        span, status = tagged[-1].strip(), "ok"
    else:
        rest = _THINK.sub(" ", text).strip()
        said = _ANSWER_IS.search(rest)
        lines = [line for line in rest.splitlines() if line.strip()]
        span, status = (said.group(1) if said else lines[-1] if lines else "").strip(), "untagged"
    prediction = _letter(span, options) if options else _number(span, unit)
    if prediction is None:
        return Extraction("", "refused" if _REFUSAL.search(span or text) else "unparseable", span)
    return Extraction(prediction, status, span)


def _letter(span: str, options: Sequence[str]) -> str | None:
    """The option letter ``span`` gives or names, or ``None``."""
    parsed = parse_options(options)
    letters = {o.letter for o in parsed}
    for pattern in _LETTERS:
        match = pattern.search(span)
        if match and match.group(1).upper() in letters:
            return match.group(1).upper()
    match = _LETTER_THEN_TEXT.match(span)
    if match and any(o.letter == match.group(1) and _normal(match.group(2)) == _normal(o.text) for o in parsed):
        return match.group(1)
    lowered = " ".join(span.lower().replace("_", " ").split())  # "ceiling_light" names "ceiling light"
    named = [o for o in parsed if re.search(r"(?<![\w-])" + re.escape(o.text.lower()) + r"(?![\w-])", lowered)]
    # an option named only inside another named option's text ("left" in "back-left") does not count
    named = [o for o in named if not any(o.text.lower() in other.text.lower() and o is not other for other in named)]
    return named[0].letter if len(named) == 1 else None


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .")


def quantity_value(match: re.Match[str]) -> float:
    """The number a :data:`QUANTITY` match states, as written (thousands commas dropped; a
    range's middle), before any unit conversion."""
    value = float(match["a"].replace(",", ""))
    if match["b"] is not None:
        value = (value + float(match["b"].replace(",", ""))) / 2
    return value


def _number(span: str, unit: str | None) -> str | None:
    """The first quantity in ``span``, in ``unit``, as text; or ``None``."""
    match = QUANTITY.search(span)
    if match is None:
        word = _WORD_NUMBER.search(span)
        return str(_WORDS[word.group(1).lower()]) if word else None
    value = quantity_value(match)
    said = (match["unit"] or "").lower()
    if unit in _UNIT_SCALE and said:
        kind, scale = _UNIT_SCALE[unit]
        table = LENGTH_UNITS if kind == "length" else AREA_UNITS
        if said in table:
            value = value * table[said] / scale
    return number(value, 4)
