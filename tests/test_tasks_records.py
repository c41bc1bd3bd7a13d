"""VSI-Bench question records: validation, the three file formats, clear errors, filters."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spatialcode.bench import VSIQuestion, load_questions, select_questions
from spatialcode.core.errors import InputFileError, ValidationError

RECORDS = [
    {"id": 1, "dataset": "scannet", "scene_name": "scene0001_00", "question_type": "object_counting",
     "question": "How many chair(s) are in this room?", "options": None, "ground_truth": "4", "pruned": True},
    {"id": 2, "dataset": "arkitscenes", "scene_name": "41069043", "question_type": "object_rel_direction_easy",
     "question": "Is the bed to the left or the right of the tv?", "options": ["A. left", "B. right"],
     "ground_truth": "B", "pruned": False},
    {"id": 3, "dataset": "scannetpp", "scene_name": "abc123", "question_type": "object_abs_distance",
     "question": "What is the distance between the tv and the bed (in meters)?", "options": None,
     "ground_truth": "1.1", "pruned": False},
    {"id": 4, "dataset": "scannet", "scene_name": "scene0002_00", "question_type": "object_rel_direction_hard",
     "question": "Where is the sofa?", "options": ["A. front-left", "B. front-right", "C. back-left", "D. back-right"],
     "ground_truth": "C", "pruned": True},
]


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def write_parquet(path: Path, records: list) -> Path:
    pq.write_table(pa.Table.from_pylist(records), path)
    return path


def with_row(index: int, **changes) -> list[dict]:
    """RECORDS with row ``index`` changed (a value of ``...`` removes the key)."""
    records = [dict(record) for record in RECORDS]
    for key, value in changes.items():
        if value is ...:
            del records[index][key]
        else:
            records[index][key] = value
    return records


def test_jsonl_json_and_parquet_give_identical_questions(tmp_path):
    from_jsonl = load_questions(write_jsonl(tmp_path / "q.jsonl", RECORDS))
    (tmp_path / "list.json").write_text(json.dumps(RECORDS))
    (tmp_path / "data.json").write_text(json.dumps({"data": RECORDS}))
    from_parquet = load_questions(write_parquet(tmp_path / "q.parquet", RECORDS))
    assert from_jsonl == load_questions(tmp_path / "list.json") == load_questions(tmp_path / "data.json")
    assert from_jsonl == from_parquet
    assert [q.to_record() for q in from_jsonl] == RECORDS
    assert from_parquet[1].options == ("A. left", "B. right")
    assert isinstance(from_parquet[0].id, int) and from_parquet[0].options is None


def test_numeric_ground_truth_is_read_as_text_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(with_row(0, ground_truth=4)[0]) + "\n\n")
    assert load_questions(path)[0].ground_truth == "4"


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (with_row(1, question_type="foo"), "line 2: question_type: unknown task 'foo'; expected one of"),
        (with_row(1, question=...), "line 2: question: missing"),
        (with_row(1, scene_name=None), "line 2: scene_name: missing"),
        (with_row(1, options=None), "line 2: options: multiple-choice task 'object_rel_direction_easy' needs options"),
        (with_row(1, options=[]), "line 2: options: multiple-choice task"),
        (with_row(1, ground_truth="C"), "line 2: ground_truth: expected one of the option letters"),
        (with_row(2, ground_truth="far"), "line 3: ground_truth: expected a number"),
        (with_row(3, id=1), "line 4: id: duplicate id 1 (first at line 1)"),
    ],
)
def test_bad_jsonl_rows_name_file_line_and_problem(tmp_path, records, expected):
    path = write_jsonl(tmp_path / "questions.jsonl", records)
    with pytest.raises(InputFileError) as info:
        load_questions(path)
    message = str(info.value)
    assert message.startswith(f"{path} line ") and expected in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("questions.jsonl", json.dumps(RECORDS[0]) + "\n{\"id\": 2,\n", "questions.jsonl line 2: not valid JSON"),
        ("questions.json", "[1, 2", "questions.json: not valid JSON"),
        ("questions.json", '{"rows": []}', "questions.json: expected a JSON list"),
        ("questions.json", json.dumps([RECORDS[0], ["a", "list"]]), "questions.json row 2: record: expected an object"),
        ("questions.csv", "id\n1\n", "unknown question file type '.csv'"),
    ],
)
def test_unreadable_files_give_one_line_errors(tmp_path, name, content, expected):
    (tmp_path / name).write_text(content)
    with pytest.raises(InputFileError) as info:
        load_questions(tmp_path / name)
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_missing_file_and_bad_parquet(tmp_path):
    with pytest.raises(InputFileError, match=r"nothere\.jsonl: no such file"):
        load_questions(tmp_path / "nothere.jsonl")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(InputFileError, match=r"broken\.parquet: not a readable parquet file") as info:
        load_questions(tmp_path / "broken.parquet")
    assert "\n" not in str(info.value)


def test_parquet_errors_name_the_row(tmp_path):
    path = write_parquet(tmp_path / "q.parquet", with_row(2, question_type="object_height"))
    with pytest.raises(InputFileError, match=r"q\.parquet row 3: question_type: unknown task 'object_height'"):
        load_questions(path)


def test_question_validates_on_construction():
    base = VSIQuestion.from_record(RECORDS[1])
    assert base.is_multiple_choice and base.options == ("A. left", "B. right")
    with pytest.raises(ValidationError) as info:
        VSIQuestion(1, "scannet", "s", "foo", "q?")
    assert info.value.field == "question_type"
    cases = [
        (dict(id=True), "id"),
        (dict(options=("A. left", "A. right")), "options"),
        (dict(options=("left", "right")), "options[0]"),
        (dict(pruned="no"), "pruned"),
        (dict(question="  "), "question"),
    ]
    for changes, field in cases:
        with pytest.raises(ValidationError) as info:
            VSIQuestion(**{**base.to_record(), **changes})
        assert info.value.field == field
    with pytest.raises(ValidationError) as info:
        VSIQuestion.from_record({**RECORDS[0], "options": ["A. 1"]})
    assert info.value.field == "options"
    with pytest.raises(ValidationError) as info:
        VSIQuestion.from_record({**RECORDS[0], "ground_truth": "-2"})
    assert info.value.field == "ground_truth"


def test_select_questions_filters_in_order():
    questions = [VSIQuestion.from_record(record) for record in RECORDS]
    assert [q.id for q in select_questions(questions)] == [1, 2, 3, 4]
    assert [q.id for q in select_questions(questions, tasks=["object_counting"])] == [1]
    assert [q.id for q in select_questions(questions, tasks="object_rel_direction")] == [2, 4]
    assert [q.id for q in select_questions(questions, datasets=["scannet"])] == [1, 4]
    assert [q.id for q in select_questions(questions, debiased=True)] == [2, 3]
    assert [q.id for q in select_questions(questions, datasets="scannet", limit=1)] == [1]
    assert select_questions(questions, limit=0) == []
    with pytest.raises(ValidationError) as info:
        select_questions(questions, tasks=["object_height"])
    assert info.value.field == "tasks"
    with pytest.raises(ValidationError) as info:
        select_questions(questions, limit=-1)
    assert info.value.field == "limit"
    unflagged = [VSIQuestion.from_record({**RECORDS[0], "pruned": None})]
    with pytest.raises(ValidationError) as info:
        select_questions(unflagged, debiased=True)
    assert info.value.field == "pruned"
