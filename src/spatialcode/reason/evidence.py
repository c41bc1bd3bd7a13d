"""What an answer rests on, for pictures and views: the objects its derivation used and the
distances it measured, recovered from the question, the code and the answer's derivation.

* objects — those the derivation cites (:func:`~spatialcode.reason.cited.cited_object_ids`:
  each ``label#id`` it names, every instance of a label it names as a category), plus both ends
  of every distance below;
* distances — for absolute and relative distance questions, the closest points of the nearest
  pair of instances (oriented boxes, as :mod:`spatialcode.reason.solver` measures), one
  segment per pair of objects the question compares.

Any reasoner's answer works: only its derivation text is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spatialcode.geometry.distance import closest_points
from spatialcode.questions.labels import CodeLabels
from spatialcode.questions.query import AbsDistanceQuery, Query, RelDistanceQuery
from spatialcode.questions.vsibench import parse_question
from spatialcode.reason.answer import Answer
from spatialcode.reason.cited import cited_object_ids
from spatialcode.reason.estimates import instance_distance
from spatialcode.scene import SpatialCode


@dataclass(frozen=True)
class Segment:
    """A distance the answer measured: from ``start`` on object ``ids[0]`` to ``end`` on object
    ``ids[1]`` (world points, metres), ``length`` metres apart."""

    ids: tuple[int, int]
    start: tuple[float, float, float]
    end: tuple[float, float, float]
    length: float


@dataclass(frozen=True)
class Evidence:
    """The ``objects`` (ids, in the code's order) and distance ``segments`` an answer used."""

    objects: tuple[int, ...]
    segments: tuple[Segment, ...]


def _compared_pairs(query: Query) -> list[tuple[str, str]]:
    """The pairs of object phrases whose distance the query compares."""
    if isinstance(query, AbsDistanceQuery):
        return [(query.first, query.second)]
    if isinstance(query, RelDistanceQuery):
        return [(query.target, candidate) for candidate in query.candidates]
    return []


def distance_segments(code: SpatialCode, query: Query) -> list[Segment]:
    """The closest-point segment of the nearest instance pair of every pair of objects the
    query compares (absolute and relative distance); pairs the code lacks a box for are left out."""
    labels = CodeLabels(code)
    segments = []
    for first, second in _compared_pairs(query):
        best = instance_distance(labels.objects(first), labels.objects(second))
        if best is None:
            continue
        _, x, y = best
        start, end, length = closest_points(x.box, y.box)
        segments.append(Segment((x.id, y.id), tuple(float(v) for v in start), tuple(float(v) for v in end), length))
    return segments


def answer_evidence(code: SpatialCode, question: str, answer: Answer, options: Sequence[str] | None = None,
                    question_type: str | None = None) -> Evidence:
    """The objects and distances ``answer`` to ``question`` (with its ``options``) used in
    ``code`` (see the module docstring)."""
    segments = distance_segments(code, parse_question(question, options, question_type))
    used = set(cited_object_ids(code, answer.derivation)) | {i for segment in segments for i in segment.ids}
    return Evidence(tuple(obj.id for obj in code.objects if obj.id in used), tuple(segments))
