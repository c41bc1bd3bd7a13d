"""Answering one question of a run from a source of scene codes, after checking what the question
file asks for: a scene named by plain names (so that a name never becomes a path outside the codes
folder) and a question of a bounded length. A question that fails a check raises
:class:`~spatialcode.core.errors.InputFileError`, which the run records as that question's error row."""

from __future__ import annotations

from pathlib import Path

from spatialcode.core.errors import InputFileError
from spatialcode.formats.codes_dir import CodesDir, CodeSource
from spatialcode.reason.answer import Answer
from spatialcode.reason.registry import Reasoner
from spatialcode.tasks.records import VSIQuestion

#: The longest question (with its options) a run answers, in characters. VSI-Bench's longest is
#: about 720; the bound keeps a hostile file from costing time or a language model's context.
MAX_QUESTION_CHARS = 4000


def check_scene_names(dataset: str | None, scene_name: str) -> None:
    """Raise :class:`InputFileError` unless ``dataset`` (may be empty or ``None``) and ``scene_name``
    are plain names: no path separator, not ``.`` or ``..``, no glob characters, no NUL — so
    ``<codes>/<dataset>/<scene_name>.json`` stays inside the codes folder and names one file."""
    for field, name in (("dataset", dataset or "unknown"), ("scene_name", scene_name)):
        if name in (".", "..") or not name.strip() or any(char in name for char in "/\\\0*?["):
            raise InputFileError(f"{field} {name!r}: not a plain name (no '/', '\\', '..', '*', '?', '['); "
                                 "refusing to look outside the codes folder")


def check_question_length(question: VSIQuestion) -> None:
    """Raise :class:`InputFileError` when the question and its options together are longer than
    :data:`MAX_QUESTION_CHARS` characters."""
    length = len(question.question) + sum(len(option) for option in question.options or ())
    if length > MAX_QUESTION_CHARS:
        raise InputFileError(f"question and options: {length:,} characters, longer than the "
                             f"{MAX_QUESTION_CHARS:,} a run answers")


def answer_from_codes(codes: CodeSource, reasoner: Reasoner, question: VSIQuestion) -> Answer:
    """Check ``question`` (:func:`check_scene_names`, :func:`check_question_length`), read its
    scene's code from ``codes`` and return ``reasoner``'s answer."""
    check_scene_names(question.dataset, question.scene_name)
    check_question_length(question)
    code = codes.get(question.dataset, question.scene_name)
    return reasoner.answer_question(code, question.question, question.options, question.question_type)


def codes_folder(root: str | Path) -> CodesDir:
    """The codes folder at ``root`` (``<dataset>/<scene_name>.json`` files); raises
    :class:`InputFileError` when it is missing or holds no scene code."""
    codes = CodesDir(root)
    if next(codes.root.glob("*/*.json"), None) is None:
        raise InputFileError(f"{codes.root}: no scene codes in this folder (expected <dataset>/<scene_name>.json "
                             "files; make them with `spatialcode convert`)")
    return codes
