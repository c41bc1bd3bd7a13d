"""Our VSI-Bench scores equal lmms-eval 0.7.3's own on the same replies: each reply is scored by
the task's ``vsibench_process_results`` and aggregated by its metric functions, and by
``spatialcode.tasks.scoring``; per question, per task and overall must agree (the target is 0.01
on the 0–100 scale; lmms-eval rounds its aggregates to 6 decimals, so 1e-6 on its 0–1 scale is
asked). Replies of every kind — exact, near, wrong, unparseable, option letters written several
ways, numbers with units, words or text around them — are built deterministically from each
question. On a hand-built set of questions (always) and on the dev half of VSI-Bench (beside
the checkout; required in CI)."""

from __future__ import annotations

import pytest

from spatialcode.tasks import SCORED_TASKS
from spatialcode.tasks.records import VSIQuestion, load_questions
from spatialcode.tasks.scoring import aggregate, score_predictions
from tests.fixtures import DEV_DATA, dev_data

official = pytest.importorskip("lmms_eval.tasks.vsibench.utils",
                               reason="lmms-eval is not installed (scripts/bootstrap.sh installs it)")

#: The task's metric per scored task (its yaml's metric_list), and the overall.
AGGREGATORS = {
    "obj_appearance_order": official.vsibench_aggregate_obj_appearance_order_accuracy,
    "object_abs_distance": official.vsibench_aggregate_object_abs_distance_mra,
    "object_counting": official.vsibench_aggregate_object_counting_mra,
    "object_rel_distance": official.vsibench_aggregate_object_rel_distance_accuracy,
    "object_size_estimation": official.vsibench_aggregate_object_size_estimation_mra,
    "room_size_estimation": official.vsibench_aggregate_room_size_estimation_mra,
    "route_planning": official.vsibench_aggregate_route_planning_accuracy,
    "object_rel_direction": official.vsibench_aggregate_object_rel_direction_accuracy,
}
TOLERANCE = 1e-6


def letter_replies(letters: list[str], truth: str) -> list[str]:
    """Replies to a multiple-choice question: right and wrong letters, written several ways."""
    wrong = next(letter for letter in letters if letter != truth)
    return [truth, truth.lower() + ".", f"{truth}. the first", wrong, f" {truth}", f"The answer is {truth}",
            f"({truth})", "", f"{truth}\n", "I cannot tell"]


def number_replies(truth: float) -> list[str]:
    """Replies to a numeric question: exact, near, far, with units, words or text, unparseable."""
    return [f"{truth:g}", f"{truth * 1.07:.2f}", f"{truth * 1.1:.3f}", f"{truth * 3:.1f}", f"{truth:g} meters",
            f"about {truth * 0.8:.2f} m", f"{truth:g}m", f" {truth:g}", "three", "no idea", "", f"-{truth:g}",
            f"{truth * 1000:,.0f}", f"It is {truth * 1.3:.1f}.", "two hundred and five", ".5"]


def replies(question: VSIQuestion) -> list[str]:
    """Every reply :func:`letter_replies` or :func:`number_replies` builds for ``question``."""
    if question.options is not None:
        return letter_replies([option[0] for option in question.options], question.ground_truth)
    return number_replies(float(question.ground_truth))


def reply_sets(questions: list[VSIQuestion], rounds: int | None = None) -> list[dict]:
    """``rounds`` sets (default: as many as a question has replies) of predictions rows
    ``{id: {"prediction": reply}}``: set k gives question i its reply number ``i + k`` (cycling),
    so each set mixes every kind of reply over every task."""
    options = [replies(question) for question in questions]
    rounds = rounds or max(len(choices) for choices in options)
    return [{question.id: {"prediction": choices[(i + k) % len(choices)]}
             for i, (question, choices) in enumerate(zip(questions, options))} for k in range(rounds)]


def official_scores(questions: list[VSIQuestion], predictions: dict) -> tuple[list[float], dict[str, float], float]:
    """lmms-eval's per-question scores, per-task aggregates and overall (0–1) for ``predictions``."""
    results, per_question = [], []
    for question in questions:
        processed = official.vsibench_process_results(question.to_record(), [predictions[question.id]["prediction"]])
        metric = "accuracy" if question.options is not None else "MRA:.5:.95:.05"
        per_question.append(processed["vsibench_overall"][metric])
        # what the aggregation reads of each processed document (the rest only slows pandas down)
        results.append({"question_type": question.question_type, metric: per_question[-1]})
    tasks = {task: aggregator(results) for task, aggregator in AGGREGATORS.items()}
    return per_question, tasks, official.vsibench_aggregate_overall(results)


def assert_same_scores(questions: list[VSIQuestion], rounds: int | None = None) -> int:
    """Score every reply set (:func:`reply_sets`) both ways and compare; returns how many replies
    were compared."""
    compared = 0
    for predictions in reply_sets(questions, rounds):
        rows = score_predictions(questions, predictions)
        theirs, tasks, overall = official_scores(questions, predictions)
        ours = [row["score"] for row in rows]
        differing = [(q.id, predictions[q.id]["prediction"], a, b) for q, a, b in zip(questions, ours, theirs)
                     if abs(a - b) > TOLERANCE]
        assert differing == []
        table = aggregate(rows).full
        assert set(table.scores) >= set(SCORED_TASKS)
        for task in SCORED_TASKS:
            assert table.scores[task] / 100 == pytest.approx(tasks[task], abs=TOLERANCE), task
        assert table.overall / 100 == pytest.approx(overall, abs=TOLERANCE)
        compared += len(questions)
    return compared


def hand_built_questions() -> list[VSIQuestion]:
    """Two questions of each of VSI-Bench's 10 types (the official aggregation needs all three
    relative-direction levels), with ground truths of different sizes."""
    options = ("A. sofa", "B. chair", "C. lamp", "D. table")
    numeric = {"object_counting": ("3", "12"), "object_abs_distance": ("1.7", "0.4"),
               "object_size_estimation": ("85", "210"), "room_size_estimation": ("23.5", "7")}
    letters = {"object_rel_distance": "AC", "object_rel_direction_easy": "BA", "object_rel_direction_medium": "DB",
               "object_rel_direction_hard": "CD", "route_planning": "AB", "obj_appearance_order": "DA"}
    questions = []
    for task, truths in numeric.items():
        questions += [VSIQuestion(len(questions), "scannet", "s1", task, f"{task}?", None, truth, False) for truth in truths]
    for task, truths in letters.items():
        questions += [VSIQuestion(len(questions), "arkitscenes", "s2", task, f"{task}?", options, truth, True)
                      for truth in truths]
    return questions


def test_a_hand_built_set_scores_the_same_with_lmms_eval_and_with_ours():
    questions = hand_built_questions()
    assert assert_same_scores(questions) == 16 * len(questions)


def test_the_replies_cover_what_the_two_number_readings_disagree_on():
    """The set is not only plain numbers: some replies score differently under the first-token
    reading of lmms-eval ≤ 0.7.2, so a scorer that still read them that way would fail above."""
    questions = hand_built_questions()
    differ = 0
    for predictions in reply_sets(questions):
        differ += sum(a["score"] != b["score"] for a, b in zip(score_predictions(questions, predictions),
                                                               score_predictions(questions, predictions, numbers="first-token")))
    assert differ >= 20


def test_the_dev_questions_score_the_same_with_lmms_eval_and_with_ours():
    path = dev_data(DEV_DATA / "questions.jsonl", "questions")
    questions = load_questions(path)
    # 4 replies a question (lmms-eval's scoring takes a few seconds a round); every kind still
    # meets every task, on other questions
    assert assert_same_scores(questions, rounds=4) == 4 * len(questions)
