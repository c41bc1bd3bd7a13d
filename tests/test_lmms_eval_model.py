"""The ``spatialcode`` model of lmms-eval: found by its entry point, answering hand-built documents
from a hand-built codes folder (and from a video's code), one clear line for bad model_args, and a
local tiny VSI-Bench task (real dev questions, codes converted from the dev annotations) run
through lmms-eval's own evaluator, whose scores must equal ``spatialcode``'s evaluation of the
same questions and codes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from spatialcode.core.errors import InputFileError, SpatialCodeError, ValidationError
from spatialcode.formats.codes_dir import write_codes
from spatialcode.tasks import SCORED_TASKS
from tests.fixtures import DEV_DATA, dev_data

pytest.importorskip("lmms_eval.api.model", reason="lmms-eval is not installed (scripts/bootstrap.sh installs it)")

from lmms_eval.api.instance import Instance  # noqa: E402

from spatialcode.integrations.lmms_eval import SpatialCodeModel  # noqa: E402

TASK, SPLIT = "vsibench_local", "test"


def request(doc_id: int, doc_to_visual=None) -> Instance:
    """A generate_until request for document ``doc_id`` of the task's split, as lmms-eval builds it."""
    return Instance("generate_until", ("prompt", {"max_new_tokens": 16}, doc_to_visual, doc_id, TASK, SPLIT), idx=0,
                    metadata={"task": TASK, "doc_id": doc_id, "repeats": 1})


def doc(scene: str, task: str, question: str, options=None, dataset: str = "test") -> dict:
    return {"id": 7, "dataset": dataset, "scene_name": scene, "question_type": task, "question": question,
            "options": options, "ground_truth": "0", "pruned": False}


#: Documents about the cross scene (tests/conftest.py) and their hand-worked replies: 2 chairs; an
#: 8 × 9 m room; the lamp's box is 2.1 m from the tv's, the door's 5.5 m, the bin's 6.5 m.
CROSS_DOCS = [
    (doc("cross", "object_counting", "How many chair(s) are in this room?"), "2"),
    (doc("cross", "room_size_estimation", "What is the size of this room (in square meters)?"), "72.0"),
    (doc("cross", "object_rel_distance", "Measuring from the closest point of each object, which of these objects "
         "(lamp, door, trash bin) is the closest to the tv?", ["A. lamp", "B. door", "C. trash bin"]), "A"),
    (doc("elsewhere", "object_counting", "How many chair(s) are in this room?"), ""),  # no code for the scene
    (doc("cross", "object_speed", "How fast?"), ""),  # not a VSI-Bench question type
]


@pytest.fixture
def codes(tmp_path, cross_scene) -> Path:
    write_codes([cross_scene], tmp_path / "codes")
    return tmp_path / "codes"


def test_lmms_eval_finds_the_model_by_its_entry_point():
    from lmms_eval.models import get_model

    assert get_model("spatialcode") is SpatialCodeModel


def test_the_model_answers_documents_from_the_codes_folder(codes, caplog):
    model = SpatialCodeModel.create_from_arg_string(f"codes={codes},reasoner=solver", {"batch_size": 1, "device": None})
    model.task_dict = {TASK: {SPLIT: [d for d, _ in CROSS_DOCS]}}
    with caplog.at_level(logging.WARNING):
        replies = model.generate_until([request(i) for i in range(len(CROSS_DOCS))])
    assert replies == [reply for _, reply in CROSS_DOCS]
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2 and "document 3 unanswered" in warnings[0] and "'elsewhere'" in warnings[0]
    assert "document 4 unanswered" in warnings[1] and "object_speed" in warnings[1]


def test_videos_mode_answers_from_the_code_of_the_documents_video(tmp_path, cross_scene, monkeypatch, caplog):
    from spatialcode.encode import cache

    video = tmp_path / "cross.mp4"
    video.write_bytes(b"not decoded: the encoder is replaced")
    encoded = []

    def encode_cached(config, **_):
        encoded.append((Path(config.source), config.preset))
        return cache.CachedEncoding(cross_scene, None, True)

    monkeypatch.setattr(cache, "encode_cached", encode_cached)

    def missing(_doc):
        raise FileExistsError("video path:/hf/vsibench/test/gone.mp4 does not exist.")  # as VSI-Bench's task raises

    model = SpatialCodeModel.create_from_arg_string("videos=true,preset=fast")
    model.task_dict = {TASK: {SPLIT: [CROSS_DOCS[0][0], CROSS_DOCS[0][0]]}}
    with caplog.at_level(logging.WARNING):
        replies = model.generate_until([request(0, lambda d: [str(video)]), request(1, missing)])
    assert replies == ["2", ""] and encoded == [(video, "fast")]
    assert "no video for scene 'cross'" in caplog.records[0].getMessage() and "codes=DIR" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        ("codes={codes},temperature=0", SpatialCodeError, "unknown model_args temperature"),
        ("codes={codes},videos=true", SpatialCodeError, "exactly one of codes=DIR"),
        ("", SpatialCodeError, "exactly one of codes=DIR"),
        ("videos=yes", SpatialCodeError, "exactly one of codes=DIR"),
        ("codes={codes}/nowhere", InputFileError, "codes folder not found"),
        ("codes={codes},reasoner=llm", ValidationError, "needs a model"),
        ("codes={codes},reasoner=oracle", ValidationError, "unknown reasoner 'oracle'"),
    ],
)
def test_bad_model_args_give_one_clear_line(codes, monkeypatch, args, error, words):
    monkeypatch.delenv("SPATIALCODE_MODEL", raising=False)
    with pytest.raises(error) as info:
        SpatialCodeModel.create_from_arg_string(args.format(codes=codes))
    assert words in str(info.value) and "\n" not in str(info.value)


def test_log_likelihoods_are_refused_with_the_reason(codes):
    model = SpatialCodeModel(codes=str(codes))
    with pytest.raises(NotImplementedError, match="no log-likelihoods"):
        model.loglikelihood([request(0)])
    with pytest.raises(NotImplementedError, match="single-round"):
        model.generate_until_multi_round([request(0)])


def local_task(folder: Path, questions: Path) -> None:
    """A task ``vsibench_local``: VSI-Bench's own task settings (prompts, process_results, metrics)
    over the questions file ``questions``, loaded by the ``json`` builder with no network."""
    import lmms_eval.tasks.vsibench.utils

    template = Path(lmms_eval.tasks.vsibench.utils.__file__).parent / "_default_template_yaml"
    (folder / "tasks").mkdir(parents=True)
    (folder / "tasks" / f"{TASK}.yaml").write_text(
        f"task: {TASK}\ninclude: {template}\ndataset_path: json\ndataset_kwargs:\n"
        f"  data_files:\n    test: {questions}\n  cache_dir: {folder / 'hf'}\ntest_split: test\n")


def test_lmms_eval_scores_the_model_on_a_local_vsibench_task_as_spatialcode_eval_does(tmp_path, monkeypatch):
    import json

    from lmms_eval import evaluator
    from lmms_eval.tasks import TaskManager

    from spatialcode.bench.answering import codes_folder
    from spatialcode.bench.evaluate import evaluate
    from spatialcode.formats.vsibench_meta import convert_vsibench_meta
    from spatialcode.reason.registry import ReasonerConfig, make_reasoner
    from spatialcode.tasks.records import load_questions

    dev = dev_data(DEV_DATA / "questions.jsonl", "questions")
    convert_vsibench_meta(DEV_DATA / "meta_info", tmp_path / "codes", DEV_DATA / "first_seen_rank.json")
    picked, per_task = [], {}
    for line in dev.read_text().splitlines():  # the first 3 questions of each of the 10 types
        record = json.loads(line)
        if per_task.setdefault(record["question_type"], 0) < 3:
            per_task[record["question_type"]] += 1
            picked.append(line)
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(picked) + "\n")
    local_task(tmp_path, questions)
    monkeypatch.chdir(tmp_path)

    run = evaluator.simple_evaluate(model="spatialcode", model_args=f"codes={tmp_path / 'codes'}", tasks=[TASK],
                                    task_manager=TaskManager(include_path=str(tmp_path / "tasks"), include_defaults=False),
                                    log_samples=True)
    theirs = run["results"][TASK]
    ours = evaluate(load_questions(questions), codes_folder(tmp_path / "codes"), make_reasoner(ReasonerConfig())[0],
                    tmp_path / "predictions.jsonl", {}, progress=False)
    replies = {sample["doc"]["id"]: sample["resps"][0][0] for sample in run["samples"][TASK]}
    assert replies == {row["id"]: row["prediction"] for row in ours.rows} and len(replies) == 30
    metric = {task: f"{task}_{'mra' if task in ('object_counting', 'object_abs_distance', 'object_size_estimation', 'room_size_estimation') else 'accuracy'},none"
              for task in SCORED_TASKS}
    for task in SCORED_TASKS:
        assert theirs[metric[task]] * 100 == pytest.approx(ours.table.full.scores[task], abs=1e-4), task
    assert theirs["vsibench_overall,none"] * 100 == pytest.approx(ours.table.full.overall, abs=1e-4)
    assert 0 < ours.table.full.overall < 100  # neither all right nor all wrong: the comparison can fail
