"""Answering one question of a run: what a question file may name and how long a question may be."""

from __future__ import annotations

import pytest

from spatialcode.bench import VSIQuestion
from spatialcode.bench.answering import (
    MAX_QUESTION_CHARS,
    answer_from_codes,
    check_question_length,
    check_scene_names,
    codes_folder,
)
from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.reason.solver import Solver
from spatialcode.tasks.records import normalise_id
from tests.fixtures import small_scene


@pytest.mark.parametrize(
    ("dataset", "scene_name"),
    [("scannet", "../../secret"), ("scannet", "/etc/passwd"), ("scannet", "a/b"), ("scannet", ".."),
     ("scannet", "."), ("scannet", "a\\..\\b"), ("scannet", "*"), ("scannet", "scene?"), ("scannet", "[s]cene"),
     ("scannet", ""), ("scannet", " "), ("scannet", "a\0b"), ("..", "scene0001_00"), ("/tmp", "scene0001_00"),
     ("../..", "x")],
)
def test_names_that_are_not_plain_are_refused(dataset, scene_name):
    with pytest.raises(InputFileError, match="not a plain name"):
        check_scene_names(dataset, scene_name)


@pytest.mark.parametrize(("dataset", "scene_name"), [("scannet", "scene0001_00"), ("arkitscenes", "41069025"),
                                                     ("scannetpp", "0a5c013435"), ("", "scene"), (None, "a..b")])
def test_plain_names_pass(dataset, scene_name):
    check_scene_names(dataset, scene_name)


def _question(text: str, options: list[str] | None = None) -> VSIQuestion:
    task = "object_rel_direction_easy" if options else "object_counting"
    return VSIQuestion(1, "test", "prompt", task, text, options, None)


def test_question_length_is_bounded_options_included():
    check_question_length(_question("x" * MAX_QUESTION_CHARS))
    with pytest.raises(InputFileError, match=r"4,001 characters, longer than the 4,000"):
        check_question_length(_question("x" * (MAX_QUESTION_CHARS + 1)))
    with pytest.raises(InputFileError, match="characters"):
        check_question_length(_question("x" * (MAX_QUESTION_CHARS - 10), ["A. left", "B. right" + "!" * 10]))


def test_answer_from_codes_checks_before_reading(tmp_path):
    (tmp_path / "codes" / "test").mkdir(parents=True)
    small_scene().save(tmp_path / "codes" / "test" / "prompt.json")
    small_scene().save(tmp_path / "outside.json")  # a scene the question file must not reach
    codes = codes_folder(tmp_path / "codes")
    ok = VSIQuestion(1, "test", "prompt", "object_counting", "How many sofa(s) are in this room?", None, "1")
    assert answer_from_codes(codes, Solver(), ok).prediction == "1"
    outside = VSIQuestion(2, "test", "../../outside", "object_counting", "How many sofa(s) are in this room?")
    with pytest.raises(InputFileError, match="scene_name '../../outside': not a plain name"):
        answer_from_codes(codes, Solver(), outside)


def test_a_codes_folder_without_codes_is_refused(tmp_path):
    with pytest.raises(InputFileError, match="codes folder not found"):
        codes_folder(tmp_path / "absent")
    (tmp_path / "codes").mkdir()
    small_scene().save(tmp_path / "codes" / "prompt.json")  # not inside a <dataset> folder
    with pytest.raises(InputFileError, match="no scene codes in this folder"):
        codes_folder(tmp_path / "codes")


@pytest.mark.parametrize(("value", "expected"), [(2, 2), ("2", 2), ("-3", -3), ("02", "02"), (" 2", " 2"),
                                                 ("q2", "q2"), ("٢", "٢"), ("9" * 5000, "9" * 5000)])
def test_ids_are_normalised_to_one_form(value, expected):
    assert normalise_id(value) == expected and type(normalise_id(value)) is type(expected)


@pytest.mark.parametrize("value", [True, 2.0, "", None, [2]])
def test_ids_that_are_not_integers_or_text_are_refused(value):
    with pytest.raises(ValidationError, match="id"):
        normalise_id(value)
