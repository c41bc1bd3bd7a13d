"""Official VSI-Bench scoring (lmms-eval), aggregation and the rendered reports."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from spatialcode.bench import (
    LMMS_EVAL_THRESHOLDS,
    PAPER_THRESHOLDS,
    VSIQuestion,
    aggregate,
    fuzzy_matching,
    mra_thresholds,
    report_paths,
    score_predictions,
    score_question,
    to_json,
    to_markdown,
    write_report,
)
from spatialcode.core.errors import ValidationError
from spatialcode.tasks import REL_DIRECTION, SCORED_TASKS


def mc(truth: str = "B") -> VSIQuestion:
    return VSIQuestion(1, "scannet", "s", "object_rel_distance", "Which is closest?",
                       ("A. left", "B. right", "C. front"), truth, False)


def numeric(truth: str) -> VSIQuestion:
    return VSIQuestion(2, "scannet", "s", "object_abs_distance", "How far?", None, truth, False)


def official_mra(prediction: str, truth: str) -> float:
    """lmms-eval's numeric scoring, written out literally, as the reference."""
    token = prediction.split(" ")[0].rstrip(".").strip()
    try:
        pred = float(token)
    except ValueError:
        return 0.0
    thresholds = np.linspace(0.5, 0.95, int((0.95 - 0.5) / 0.05 + 2))
    return float((abs(pred - float(truth)) / float(truth) <= 1 - thresholds).mean())


def test_lmms_eval_thresholds_are_ten_points_with_a_float_ninth():
    # (0.95 - 0.5) / 0.05 == 8.999999999999998 in doubles, so int(... + 2) == 10, not 11.
    assert len(LMMS_EVAL_THRESHOLDS) == 10
    assert LMMS_EVAL_THRESHOLDS[8] == 0.8999999999999999
    assert PAPER_THRESHOLDS.tolist() == [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
    assert np.array_equal(np.delete(LMMS_EVAL_THRESHOLDS, 8), np.delete(PAPER_THRESHOLDS, 8))
    assert mra_thresholds() is LMMS_EVAL_THRESHOLDS and mra_thresholds("paper") is PAPER_THRESHOLDS
    with pytest.raises(ValidationError):
        mra_thresholds("coco")
    with pytest.raises(ValidationError):
        mra_thresholds([])


@pytest.mark.parametrize(
    ("prediction", "score"),
    [("B", 1.0), ("b.", 1.0), ("B. right", 1.0), ("b", 1.0), ("B..", 1.0), (" B", 0.0), ("C", 0.0),
     ("", 0.0), (None, 0.0), ("The answer is B", 0.0), ("B)", 0.0)],
)
def test_multiple_choice_follows_the_official_fuzzy_match(prediction, score):
    assert score_question(mc("B"), prediction) == score


def test_fuzzy_matching_takes_the_first_space_token():
    assert fuzzy_matching("2 meters") == "2"
    assert fuzzy_matching("2.5.") == "2.5"
    assert fuzzy_matching("\tB\n") == "B"  # only the split is on " "; strip() then removes other space
    assert fuzzy_matching(None) == "" and fuzzy_matching(3) == "3"


@pytest.mark.parametrize(
    ("prediction", "truth", "lmms_eval", "paper"),
    [
        ("1.0", "1.0", 1.0, 1.0),
        ("1", "1.0", 1.0, 1.0),
        # relative error 0.1 → c <= 0.9 passes: 9 of 10. In doubles the error is 0.10000000000000009,
        # which passes 1 - 0.8999999999999999 (lmms-eval) but not 1 - 0.9 (paper decimals).
        ("1.1", "1.0", 0.9, 0.8),
        ("1.09", "1.0", 0.9, 0.9),
        ("1.3", "1.0", 0.5, 0.5),
        ("1.5", "1.0", 0.1, 0.1),  # relative error exactly 0.5 passes c = 0.5 (<=)
        ("0.5", "1.0", 0.1, 0.1),
        ("3", "2", 0.1, 0.1),
        ("1.51", "1.0", 0.0, 0.0),
        ("1.05", "1.0", 1.0, 1.0),  # 0.05000000000000004 <= 1 - 0.95 = 0.050000000000000044
        ("2 meters", "2", 1.0, 1.0),
        ("2.", "2", 1.0, 1.0),
        ("-1", "1", 0.0, 0.0),
        ("-1.9", "2", 0.0, 0.0),
        ("abc", "2", 0.0, 0.0),
        ("", "2", 0.0, 0.0),
        (" 2", "2", 1.0, 1.0),  # lmms-eval 0.7.3 strips the reply before reading its number
        ("nan", "2", 0.0, 0.0),
        ("inf", "2", 0.0, 0.0),
        ("0", "0", 1.0, 1.0),
        ("0.0", "0", 1.0, 1.0),
        ("0.01", "0", 0.0, 0.0),
    ],
)
def test_numeric_mean_relative_accuracy(prediction, truth, lmms_eval, paper):
    assert score_question(numeric(truth), prediction) == pytest.approx(lmms_eval, abs=1e-12)
    assert score_question(numeric(truth), prediction, thresholds="paper") == pytest.approx(paper, abs=1e-12)


@pytest.mark.parametrize(
    ("reply", "lmms_eval", "first_token"),
    [
        ("3", 3.0, 3.0),
        ("2 meters", 2.0, 2.0),
        ("about 3 m", 3.0, None),
        ("2.5m", 2.5, None),
        (" 2", 2.0, None),
        ("It is 4.", 4.0, None),
        ("three chairs", 3.0, None),
        ("Three.", 3.0, None),
        ("twenty-one", 21.0, None),
        ("two hundred and five", 205.0, None),
        ("a hundred", 100.0, None),
        ("one thousand two hundred", 1200.0, None),
        ("one apple, room 2", 1.0, None),  # the number word comes first
        ("room 2, one apple", 2.0, None),
        ("three 4 five", 8.0, None),  # the word run skips the digits between its words
        ("-1.5", -1.5, -1.5),
        (".5", 5.0, 0.5),  # the digits after the dot; no leading digit, no number
        ("1,200", 1.0, None),
        ("1e3", 1.0, 1000.0),
        ("nan", None, float("nan")),
        ("no idea", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_numeric_replies_are_read_as_lmms_eval_0_7_3_or_by_their_first_token(reply, lmms_eval, first_token):
    from spatialcode.tasks.scoring import first_number, read_number

    assert first_number(reply) == lmms_eval
    read = read_number(reply, "first-token")
    assert read == first_token or (read != read and first_token != first_token)  # nan reads nan
    with pytest.raises(ValidationError):
        read_number(reply, "last-token")


def test_the_number_reading_changes_the_score_only_where_the_readings_differ():
    assert score_question(numeric("3"), "about 3 m") == 1.0
    assert score_question(numeric("3"), "about 3 m", numbers="first-token") == 0.0
    assert score_question(numeric("0.5"), ".5", numbers="first-token") == 1.0 and score_question(numeric("0.5"), ".5") == 0.0


def test_matches_the_literal_official_formula_on_random_predictions():
    rng = random.Random(7)
    for _ in range(2000):
        truth = f"{rng.choice([0.4, 1.0, 1.1, 2, 3.5, 7, 12.25, 80]):g}"
        prediction = f"{float(truth) * rng.choice([0.5, 0.9, 1.1, 1.5, rng.uniform(0, 2)]):.{rng.randint(0, 3)}f}"
        assert score_question(numeric(truth), prediction) == official_mra(prediction, truth)


def test_explicit_thresholds_and_bad_questions():
    eleven = np.linspace(0.5, 0.95, 11)  # 0.5, 0.545, ..., 0.95: c <= 0.9 passes 9 of 11
    assert score_question(numeric("1.0"), "1.1", thresholds=eleven) == pytest.approx(9 / 11)
    with pytest.raises(ValidationError) as info:
        score_question(VSIQuestion(3, "d", "s", "object_counting", "How many?"), "2")
    assert info.value.field == "ground_truth"


def row(task: str, score: float, dataset: str = "scannet", pruned: bool = True, **flags) -> dict:
    return {"question_type": task, "score": score, "dataset": dataset, "pruned": pruned, **flags}


SIMPLE_TASKS = {  # task -> scores; means 0.5, 0.3, 0.7, 0.2, 1.0, 0.0, 0.6
    "object_counting": [1.0, 0.0],
    "object_abs_distance": [0.3],
    "object_size_estimation": [0.7, 0.7, 0.7],
    "room_size_estimation": [0.2],
    "object_rel_distance": [1.0],
    "route_planning": [0.0, 0.0],
    "obj_appearance_order": [1.0, 0.0, 1.0, 0.4],
}
DIRECTION_SCORES = {  # sizes 1, 2, 4; means 1.0, 0.5, 0.25
    "object_rel_direction_easy": [1.0],
    "object_rel_direction_medium": [1.0, 0.0],
    "object_rel_direction_hard": [0.0, 0.0, 0.0, 1.0],
}


def hand_rows() -> list[dict]:
    rows = [row(task, s) for task, scores in {**SIMPLE_TASKS, **DIRECTION_SCORES}.items() for s in scores]
    rows += [  # debiased (pruned == False), on another dataset
        row("object_counting", 1.0, "arkitscenes", False),
        row("object_rel_direction_hard", 0.0, "arkitscenes", False, cannot_answer="no box for 'sofa'"),
        row("object_rel_direction_hard", 1.0, "arkitscenes", False, fallback=True),
        row("route_planning", 0.0, "arkitscenes", False, missing=True),
    ]
    return rows


def test_aggregation_is_the_official_unweighted_one():
    table = aggregate(hand_rows()[:-4])
    direction = (1.0 + 0.5 + 0.25) / 3
    assert table.full.scores[REL_DIRECTION] == pytest.approx(direction * 100)
    assert table.full.scores[REL_DIRECTION] != pytest.approx(3 / 7 * 100)  # not pooled over the 7 questions
    assert table.full.scores["object_rel_direction_medium"] == pytest.approx(50.0)
    expected = (0.5 + 0.3 + 0.7 + 0.2 + 1.0 + direction + 0.0 + 0.6) / 8
    assert table.full.overall == pytest.approx(expected * 100)
    assert table.full.counts[REL_DIRECTION] == 7 and table.full.n == 21
    assert table.full.absent == ()
    assert table.debiased.overall is None and table.debiased.n == 0 and len(table.debiased.absent) == 11


def test_debiased_per_dataset_and_flag_counts():
    table = aggregate(hand_rows())
    assert table.full.counts["object_rel_direction_hard"] == 6
    assert table.full.scores["object_rel_direction_hard"] == pytest.approx(2 / 6 * 100)
    debiased = table.debiased
    assert debiased.n == 4 and debiased.scores == pytest.approx(
        {"object_counting": 100.0, "object_rel_direction_hard": 50.0, REL_DIRECTION: 50.0, "route_planning": 0.0}
    )
    assert debiased.overall == pytest.approx((100.0 + 50.0 + 0.0) / 3)
    assert set(debiased.absent) == (set(SCORED_TASKS) - {"object_counting", REL_DIRECTION, "route_planning"}) | {
        "object_rel_direction_easy", "object_rel_direction_medium"}
    assert list(table.by_dataset) == ["arkitscenes", "scannet"]
    assert table.by_dataset["arkitscenes"].scores == debiased.scores
    assert table.by_dataset["scannet"].overall == pytest.approx(aggregate(hand_rows()[:-4]).full.overall)
    assert table.cannot_answer["object_rel_direction_hard"] == 1 and table.cannot_answer[REL_DIRECTION] == 1
    assert table.fallback["object_rel_direction_hard"] == 1 and table.missing["route_planning"] == 1
    assert table.cannot_answer["object_counting"] == 0


def test_a_task_without_questions_is_left_out_of_the_overall():
    rows = [r for r in hand_rows()[:-4] if r["question_type"] != "route_planning"]
    table = aggregate(rows)
    direction = (1.0 + 0.5 + 0.25) / 3
    assert table.full.overall == pytest.approx((0.5 + 0.3 + 0.7 + 0.2 + 1.0 + direction + 0.6) / 7 * 100)
    assert table.full.absent == ("route_planning",)
    assert "route_planning" not in table.full.scores
    assert "all: no questions for route_planning — left out of its overall" in to_markdown(table)


def test_aggregate_rejects_bad_rows():
    with pytest.raises(ValidationError) as info:
        aggregate([row("object_counting", 1.5)])
    assert info.value.field == "rows[0].score"
    with pytest.raises(ValidationError) as info:
        aggregate([row("object_counting", 1.0), {"score": 1.0}])
    assert info.value.field == "rows[1].question_type"


def test_score_predictions_scores_missing_and_error_rows_as_zero():
    questions = [mc("B"), numeric("2"), VSIQuestion(9, "scannet", "s", "object_counting", "How many?", None, "3", True)]
    predictions = {
        1: {"id": 1, "prediction": "B", "cannot_answer": "no box", "fallback": True},
        2: {"id": 2, "prediction": "", "error": "ValueError: boom"},
    }
    rows = score_predictions(questions, predictions)
    assert [r["score"] for r in rows] == [1.0, 0.0, 0.0]
    assert [r["missing"] for r in rows] == [False, True, True]
    assert rows[0]["cannot_answer"] == "no box" and rows[0]["fallback"] is True
    assert aggregate(rows).missing == {"object_rel_distance": 0, "object_abs_distance": 1, "object_counting": 1}


def test_reports_render_and_are_written(tmp_path):
    table = aggregate(hand_rows())
    markdown = to_markdown(table, title="Run", notes=["MRA thresholds: lmms-eval"])
    lines = markdown.splitlines()
    assert lines[0] == "# Run"
    assert lines[2] == ("| task | n | all | arkitscenes | scannet | debiased | n debiased | cannot answer | fallback "
                        "| missing |")
    overall = f"| **overall** | 25 | {table.full.overall:.1f} |"
    assert any(line.startswith(overall) for line in lines)
    assert "| ↳ object_rel_direction_hard | 6 | 33.3 | 50.0 | 25.0 | 50.0 | 2 | 1 | 1 | 0 |" in lines
    assert "- MRA thresholds: lmms-eval" in lines
    data = json.loads(to_json(table, notes=["x"]))
    assert data["overall"] == pytest.approx(table.full.overall) and data["notes"] == ["x"]
    assert data["by_dataset"]["arkitscenes"]["counts"]["object_counting"] == 1
    md_path, json_path = write_report(table, tmp_path / "out" / "qwen-0.5b")
    assert (md_path.name, json_path.name) == ("qwen-0.5b.md", "qwen-0.5b.json")
    assert json.loads(json_path.read_text())["full"]["n"] == 25 and md_path.read_text().startswith("# VSI-Bench")
    assert report_paths(tmp_path) == (tmp_path / "results.md", tmp_path / "results.json")
    assert report_paths(tmp_path / "run.json") == (tmp_path / "run.md", tmp_path / "run.json")
    assert report_paths(f"{tmp_path}/new/") == (tmp_path / "new" / "results.md", tmp_path / "new" / "results.json")


def test_extension_tasks_get_their_own_row_and_stay_out_of_the_overall():
    rows = hand_rows()[:-4]
    with_extension = rows + [row("object_perspective_direction", 1.0), row("object_perspective_direction", 0.0)]
    table, base = aggregate(with_extension), aggregate(rows)
    assert table.full.overall == pytest.approx(base.full.overall)
    assert table.full.scores["object_perspective_direction"] == pytest.approx(50.0)
    lines = to_markdown(table).splitlines()
    assert any(line.startswith("| **overall** | 21 |") for line in lines)  # VSI-Bench questions only
    assert any(line.startswith("| *object_perspective_direction* (extension) | 2 | 50.0 |") for line in lines)
    assert not any("extension" in line for line in to_markdown(base).splitlines())


def test_paired_difference_compares_the_questions_both_answered_task_by_task():
    from spatialcode.tasks.paired import paired_difference

    def question(qid: int, kind: str) -> VSIQuestion:
        return VSIQuestion(qid, "scannet", "s", kind, "Which?", ["A. x", "B. y"], "A", False)

    questions = ([question(i, "route_planning") for i in range(4)]
                 + [question(10 + i, f"object_rel_direction_{level}") for i, level in enumerate(("easy", "medium", "hard"))])
    right, wrong = {"prediction": "A"}, {"prediction": "B"}
    a = {0: right, 1: right, 2: right, 3: wrong, 10: right, 11: right, 12: wrong}
    b = {0: right, 1: wrong, 2: wrong, 3: wrong, 10: wrong, 11: right, 12: right, 99: right}
    # route: 3/4 vs 1/4 → +50; direction (levels pooled): 2/3 vs 2/3 → 0; overall the mean of the tasks
    assert paired_difference(questions, a, b, task="route_planning")["difference"] == pytest.approx(50.0)
    pooled = paired_difference(questions, a, b, task="object_rel_direction")
    assert pooled["questions"] == 3 and pooled["difference"] == pytest.approx(0.0)
    overall = paired_difference(questions, a, b)
    assert overall["questions"] == 7 and overall["difference"] == pytest.approx(25.0)
    low, high = overall["ci95"]
    assert low < 25.0 < high and low >= -100 and high <= 100
    # identical answers differ by exactly 0; a question only one of them answered is left out
    assert paired_difference(questions, a, a)["ci95"] == [0.0, 0.0]
    del b[3]
    assert paired_difference(questions, a, b, task="route_planning")["questions"] == 3
    assert paired_difference(questions, a, {}) is None
