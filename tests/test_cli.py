"""The command line, run as a user would (subprocess) on tiny fixtures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from spatialcode.demo import DEMO_FILES, demo_scene
from spatialcode.scene import SpatialCode
from tests.fixtures import META


def run(*args: str, cwd=None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``spatialcode ARGS`` in a subprocess (``env``: variables added to this process's)."""
    return subprocess.run(
        [sys.executable, "-m", "spatialcode", *args], capture_output=True, text=True, cwd=cwd, timeout=120,
        env=None if env is None else {**os.environ, **env},
    )


@pytest.fixture
def bench_fixture(tmp_path):
    """A meta-info folder with one scene and a 4-question file about it (plus one unknown scene)."""
    meta = tmp_path / "meta_info"
    meta.mkdir()
    (meta / "scannet_meta_info_val.json").write_text(json.dumps(META))
    questions = [
        {"id": 1, "dataset": "scannet", "scene_name": "scene0001_00", "question_type": "object_counting",
         "question": "How many chair(s) are in this room?", "options": None, "ground_truth": "3", "pruned": False},
        {"id": 2, "dataset": "scannet", "scene_name": "scene0001_00", "question_type": "room_size_estimation",
         "question": "What is the size of this room (in square meters)? \nIf multiple rooms are shown, estimate the size of the combined space.",
         "options": None, "ground_truth": "21.5", "pruned": True},
        {"id": 3, "dataset": "scannet", "scene_name": "scene0001_00", "question_type": "object_size_estimation",
         "question": "What is the length of the longest dimension (length, width, or height) of the table, measured in centimeters?",
         "options": None, "ground_truth": "120", "pruned": False},
        {"id": 4, "dataset": "scannet", "scene_name": "scene9999_00", "question_type": "object_counting",
         "question": "How many chair(s) are in this room?", "options": None, "ground_truth": "2", "pruned": False},
    ]
    qpath = tmp_path / "questions.jsonl"
    qpath.write_text("".join(json.dumps(q) + "\n" for q in questions))
    return tmp_path, meta, qpath


def test_help_shows_examples():
    for command in (["ask"], ["eval"], ["convert", "vsibench-meta"], ["demo"], ["render"], ["generate"], ["questions"],
                    ["train", "sft"], ["train", "grpo"], ["train", "curves"], ["train", "export"]):
        result = run(*command, "--help")
        assert result.returncode == 0 and "Example" in result.stdout, command


def test_demo_writes_its_folder_and_names_it(tmp_path):
    out = tmp_path / "demo"
    result = run("demo", "--out", str(out), "--width", "96", "--height", "72", "--max-frames", "60", "--no-progress",
                 "--no-overlay")
    assert result.returncode == 0, result.stderr
    assert [line[:5] for line in result.stderr.splitlines() if line.startswith("[")] == [f"[{i}/6]" for i in range(1, 7)]
    assert "Spatial code encoded from the video of 'synth_000000'" in result.stdout
    assert "room floor area:" in result.stdout and "Encoded from the video (ground-truth masks" in result.stdout
    assert "| **overall** |" in result.stdout and "One question per task" in result.stdout
    assert result.stdout.strip().endswith(f"Everything is in {out}/: " + ", ".join(DEMO_FILES) + " (see report.md).")
    for name in set(DEMO_FILES) - {"overlay.mp4"}:
        assert (out / name).is_file(), name
    bad = run("demo", "--kind", "garage", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error: kind: unknown room kind 'garage'")


def test_render_writes_the_files_and_a_viz(tmp_path):
    scene = tmp_path / "scene.json"
    demo_scene().save(scene)
    out = tmp_path / "r"
    result = run("render", str(scene), "--out", str(out), "--width", "64", "--height", "48", "--max-frames", "12",
                 "--faults", "realistic", "--fault", "missed_detection=0.5", "--viz", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "rendered 12 frames" in result.stderr
    for name in ("rgb.mp4", "depth.npz", "masks.npz", "frames.json", "scene.json", "birdseye.png", "overlay.mp4"):
        assert (out / name).is_file(), name
    frames = json.loads((out / "frames.json").read_text())
    assert frames["faults"]["missed_detection"] == 0.5 and frames["faults"]["depth_noise"] == 0.0025
    assert len(SpatialCode.load(out / "scene.json").camera) == 12
    png = tmp_path / "f5.png"
    drawn = run("draw", str(out), "--frame", "5", "--out", str(png))
    assert drawn.returncode == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run("draw", str(out), "--out", str(tmp_path / "map.png")).returncode == 0
    late = run("draw", str(out), "--frame", "12", "--out", str(png))
    assert late.returncode == 2 and late.stderr.strip() == "error: frame 12 is out of range: the render has frames 0..11"
    not_render = run("draw", str(scene), "--frame", "1", "--out", str(png))
    assert not_render.returncode == 2 and "not a render folder" in not_render.stderr



def test_render_flags_override_a_nested_config_file(tmp_path):
    demo_scene().save(tmp_path / "scene.json")
    (tmp_path / "config.json").write_text('{"path": {"fps": 5, "width": 32, "hfov_deg": 70}, "texture": false, "seed": 1}')
    result = run("render", "scene.json", "--out", "r", "--config", "config.json", "--width", "48", "--height", "32",
                 "--max-frames", "6", "--seed", "3", "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    frames = json.loads((tmp_path / "r" / "frames.json").read_text())
    assert (frames["fps"], frames["width"], frames["height"], frames["frame_count"]) == (5, 48, 32, 6)
    assert frames["intrinsics"]["cx"] == 23.5 and frames["intrinsics"]["cy"] == 15.5  # pixel centres at integers
    settings = SpatialCode.load(tmp_path / "r" / "scene.json").provenance.config["render"]
    assert settings["seed"] == 3 and settings["texture"] is False
    assert settings["path"]["hfov_deg"] == 70 and settings["path"]["max_frames"] == 6

@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "speed=3"], "error: faults.speed: unknown setting (known: confusable, depth_dropout, depth_noise"),
        (["--fault", "depth_dropout=2"], "error: faults.depth_dropout: must be a probability in [0, 1], got 2"),
        (["--fault", "depth_noise"], "error: override: expected key=value"),
        (["--width", "65"], "error: path.width (from --width): must be an even number of pixels >= 8, got 65"),
        (["--config", "missing.json"], "error: missing.json: no such config file"),
        (["--config", "bad.json"], "error: bad.json: colour: unknown setting (known: ambient, "),
        (["--config", "flat.json"], "error: flat.json: fps: unknown setting (known: ambient, ceiling_color, faults, "
                                    "floor_color, path, seed, texture, video_codec, video_crf, wall_color); it belongs "
                                    "to a group: path.fps"),
    ],
)
def test_render_bad_options_are_one_line(tmp_path, args, message):
    demo_scene().save(tmp_path / "scene.json")
    (tmp_path / "bad.json").write_text('{"colour": 1}')
    (tmp_path / "flat.json").write_text('{"fps": 5, "width": 320, "height": 240}')  # the layout before "path"
    result = run("render", "scene.json", "--out", "r", *args, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith(message), result.stderr


def test_encode_a_render_with_viz(tmp_path):
    scene = tmp_path / "scene.json"
    demo_scene().save(scene)
    render = tmp_path / "r"
    assert run("render", str(scene), "--out", str(render), "--width", "96", "--height", "72", "--max-frames", "30",
               "--no-progress").returncode == 0
    out = tmp_path / "enc" / "scene.json"
    result = run("encode", str(render), "--out", str(out), "--stride", "2", "--viz", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "encoded 15 frames:" in result.stderr
    code = SpatialCode.load(out)
    assert len(code.objects) >= 5 and len(code.camera) == 15
    assert out.with_suffix(".png").is_file() and out.with_suffix(".mp4").is_file()
    estimated = tmp_path / "enc" / "estimated.json"
    result = run("encode", str(render), "--out", str(estimated), "--stride", "2", "--poses", "estimate", "--no-progress")
    assert result.returncode == 0, result.stderr
    camera = SpatialCode.load(estimated).camera
    assert len(camera) == 15 and np.allclose(camera[0].matrix(), code.camera[0].matrix())
    assert camera[1] != code.camera[1]  # estimated, not read
    refined = tmp_path / "enc" / "refined.json"
    result = run("encode", str(render), "--out", str(refined), "--stride", "2", "--poses", "refine", "--no-progress")
    assert result.returncode == 0, result.stderr
    camera = SpatialCode.load(refined).camera
    assert len(camera) == 15 and np.allclose(camera[0].matrix(), code.camera[0].matrix())
    # exact poses refined stay within a few cm of themselves
    assert max(np.linalg.norm(np.subtract(a.position, b.position)) for a, b in zip(camera, code.camera)) < 0.05
    bad = run("encode", str(tmp_path), "--out", str(out))
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and len(bad.stderr.strip().splitlines()) == 1


def test_render_scene_without_objects_is_one_line(tmp_path):
    SpatialCode(objects=()).save(tmp_path / "empty.json")
    result = run("render", str(tmp_path / "empty.json"), "--out", str(tmp_path / "r"))
    assert result.returncode == 2 and result.stderr.strip() == "error: scene has no objects: nothing to render"


def test_ask_answers_with_derivation(tmp_path):
    scene = tmp_path / "scene.json"
    demo_scene().save(scene)
    result = run("ask", str(scene), "How many chair(s) are in this room?")
    assert result.returncode == 0 and "→ 2" in result.stdout and "chair" in result.stdout
    mc = run(
        "ask", str(scene), "If I am standing by the sofa and facing the tv, is the lamp to the left or the right of the tv?",
        "--options", "A. left", "--options", "B. right", "--json",
    )
    assert mc.returncode == 0 and json.loads(mc.stdout)["prediction"] == "A"
    missing = run("ask", str(scene), "How tall is the ceiling?")
    assert missing.returncode == 1 and "cannot answer: unrecognised question" in missing.stdout


def test_convert_and_eval_resume(bench_fixture):
    root, meta, qpath = bench_fixture
    codes = root / "codes"
    conv = run("convert", "vsibench-meta", "--meta-info", str(meta), "--out", str(codes))
    assert conv.returncode == 0 and (codes / "scannet" / "scene0001_00.json").is_file()
    preds = root / "preds.jsonl"
    first = run("eval", "--questions", str(qpath), "--codes", str(codes), "--reasoner", "solver",
                "--predictions", str(preds), "--report", str(root / "report"), "--no-progress")
    assert first.returncode == 0, first.stderr
    rows = [json.loads(line) for line in preds.read_text().splitlines()]
    by_id = {r["id"]: r for r in rows}
    assert by_id[1]["prediction"] == "3" and by_id[2]["prediction"] == "21.5" and by_id[3]["prediction"] == "120"
    assert "error" in by_id[4] and "scene9999_00" in by_id[4]["error"]  # recorded, run went on
    assert "| object_counting |" in first.stdout and (root / "report.md").is_file()
    report = json.loads((root / "report.json").read_text())
    assert report["full"]["scores"]["object_size_estimation"] == pytest.approx(100.0)
    # resume: finished ids are skipped, the failed one is retried
    second = run("eval", "--questions", str(qpath), "--codes", str(codes), "--predictions", str(preds), "--no-progress")
    assert second.returncode == 0 and "1 answered now, 3 already done" in second.stderr
    runs = [json.loads(line) for line in (root / "preds.jsonl.runs.jsonl").read_text().splitlines()]
    assert len(runs) == 2 and runs[0]["config"]["reasoner"] == "solver"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "missing.json", "How many chair(s) are in this room?"], "cannot read scene file"),
        (["convert", "vsibench-meta", "--meta-info", "nowhere", "--out", "x"], "not a directory"),
        (["eval", "--questions", "nowhere.jsonl", "--codes", ".", "--predictions", "p.jsonl"], "nowhere.jsonl"),
        (["ask", "scene.json", "q", "--question-type", "object_countin"], "--question-type: unknown task"),
        (["draw", "scene.json", "--out", "/proc/no/map.png"], "/proc/no: No such file or directory"),
    ],
)
def test_bad_input_gives_one_line_and_nonzero_exit(tmp_path, args, message):
    demo_scene().save(tmp_path / "scene.json")
    result = run(*args, cwd=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_eval_unknown_reasoner_and_bad_question_file(bench_fixture):
    root, meta, qpath = bench_fixture
    run("convert", "vsibench-meta", "--meta-info", str(meta), "--out", str(root / "codes"))
    bad = run("eval", "--questions", str(qpath), "--codes", str(root / "codes"), "--reasoner", "oracle", "--predictions", str(root / "p.jsonl"))
    assert bad.returncode == 2 and "unknown reasoner 'oracle'" in bad.stderr
    broken = root / "broken.jsonl"
    broken.write_text('{"id": 1, "dataset": "scannet", "scene_name": "s", "question_type": "foo", "question": "q", "ground_truth": "1"}\n')
    result = run("eval", "--questions", str(broken), "--codes", str(root / "codes"), "--predictions", str(root / "p2.jsonl"))
    assert result.returncode == 2 and "line 1" in result.stderr and "question_type" in result.stderr


def test_eval_with_ray_workers(bench_fixture):
    root, meta, qpath = bench_fixture
    run("convert", "vsibench-meta", "--meta-info", str(meta), "--out", str(root / "codes"))
    preds = root / "ray.jsonl"
    result = run("eval", "--questions", str(qpath), "--codes", str(root / "codes"), "--workers", "2",
                 "--predictions", str(preds), "--no-progress")
    assert result.returncode == 0, result.stderr
    rows = {r["id"]: r for r in map(json.loads, preds.read_text().splitlines())}
    assert rows[1]["prediction"] == "3" and rows[3]["prediction"] == "120" and "error" in rows[4]
    config = json.loads((root / "ray.jsonl.runs.jsonl").read_text().splitlines()[-1])["config"]
    assert config["workers"] == 2 and config["reasoner"] == "solver"


def test_eval_with_an_llm_server_and_without_a_model(bench_fixture, monkeypatch):
    from tests.fixtures import fake_openai_server

    root, meta, qpath = bench_fixture
    run("convert", "vsibench-meta", "--meta-info", str(meta), "--out", str(root / "codes"))
    preds = root / "llm.jsonl"
    with fake_openai_server() as url:
        result = run("eval", "--questions", str(qpath), "--codes", str(root / "codes"), "--reasoner", "llm", "--model", url,
                     "--serialisation", "python", "--objects", "question", "--cache", str(root / "cache.sqlite"),
                     "--predictions", str(preds), "--no-progress")
        tools = run("eval", "--questions", str(qpath), "--codes", str(root / "codes"), "--reasoner", "llm-tools", "--model",
                    url, "--max-rounds", "1", "--predictions", str(root / "tools.jsonl"), "--no-progress")
    assert result.returncode == 0, result.stderr
    rows = {r["id"]: r for r in map(json.loads, preds.read_text().splitlines())}
    # the fake server echoes the prompt's last word ("option." / "centimetres."): unparseable, recorded with costs
    assert rows[1]["parse"] == "unparseable" and rows[1]["cannot_answer"] == "model reply unparseable"
    assert rows[1]["prompt_tokens"] > 20 and rows[1]["reply"].startswith("<answer>") and "error" in rows[4]
    assert tools.returncode == 0, tools.stderr
    config = json.loads((root / "llm.jsonl.runs.jsonl").read_text().splitlines()[-1])["config"]
    assert config["reasoner"] == "llm" and config["served_model"] == "fake" and config["prompt"]["serialisation"] == "python"
    tool_rows = {r["id"]: r for r in map(json.loads, (root / "tools.jsonl").read_text().splitlines())}
    assert tool_rows[1]["rounds"] == 0 and tool_rows[1]["parse"] == "unparseable"  # the fake echoes, runs no program
    tool_config = json.loads((root / "tools.jsonl.runs.jsonl").read_text().splitlines()[-1])["config"]
    assert tool_config["reasoner"] == "llm-tools" and tool_config["max_rounds"] == 1
    monkeypatch.delenv("SPATIALCODE_MODEL", raising=False)
    missing = run("eval", "--questions", str(qpath), "--codes", str(root / "codes"), "--reasoner", "llm",
                  "--predictions", str(root / "p3.jsonl"))
    assert missing.returncode == 2 and missing.stderr.startswith("error: reasoner.model.path: a language model reasoner needs a model") and "(set it with --model)" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


def test_questions_and_draw(tmp_path):
    scene = tmp_path / "scene.json"
    demo_scene().save(scene)
    out = tmp_path / "q.jsonl"
    result = run("questions", str(scene), "--seed", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["question_type"] for r in rows} >= {"object_counting", "object_rel_direction_hard", "obj_appearance_order"}
    # the generated file is a question file `eval` scores: the solver gets every one right
    codes = tmp_path / "codes" / "demo"
    codes.mkdir(parents=True)
    demo_scene().save(codes / "living_room.json")
    evaluated = run("eval", "--questions", str(out), "--codes", str(tmp_path / "codes"), "--predictions",
                    str(tmp_path / "p.jsonl"), "--report", str(tmp_path / "r"), "--no-progress")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads((tmp_path / "r.json").read_text())["full"]["overall"] == pytest.approx(100.0)
    png = tmp_path / "map.png"
    drawn = run("draw", str(scene), "--out", str(png))
    assert drawn.returncode == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = run("questions", str(scene), "--task", "object_countin")
    assert bad.returncode == 2 and bad.stderr.startswith("error: tasks (from --task): unknown task")


def test_generate_scene_and_dataset(tmp_path):
    one = run("generate", "--seed", "4", "--kind", "office", "--out", str(tmp_path / "s.json"))
    assert one.returncode == 0, one.stderr
    code = SpatialCode.load(tmp_path / "s.json")
    assert code.source.dataset == "synthetic" and len(code.objects) > 3
    again = run("generate", "--seed", "4", "--kind", "office", "--out", str(tmp_path / "t.json"))
    assert again.returncode == 0 and (tmp_path / "t.json").read_bytes() == (tmp_path / "s.json").read_bytes()
    ds = run("generate", "--scenes", "4", "--splits", "train=0.5,test=0.5", "--out", str(tmp_path / "ds"), "--no-progress")
    assert ds.returncode == 0 and "train 2, test 2" in ds.stderr
    assert (tmp_path / "ds" / "data" / "test.jsonl").is_file()
    bad = run("generate", "--kind", "garage", "--out", str(tmp_path / "x.json"))
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error: kind: unknown room kind 'garage'")


COUNT = {"dataset": "demo", "scene_name": "living_room", "question_type": "object_counting",
         "question": "How many chair(s) are in this room?", "options": None, "ground_truth": "2"}


def _eval_folder(tmp_path, rows: list[dict]) -> list[str]:
    """A codes folder with the demo scene, ``rows`` as a question file; the eval arguments for them."""
    demo_scene().save(tmp_path / "codes" / "demo" / "living_room.json")
    (tmp_path / "q.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return ["eval", "--questions", str(tmp_path / "q.jsonl"), "--codes", str(tmp_path / "codes"), "--predictions",
            str(tmp_path / "p.jsonl"), "--no-progress"]


def _rows(path) -> dict:
    return {row["id"]: row for row in map(json.loads, path.read_text().splitlines())}


def test_eval_reads_no_scene_outside_codes_and_answers_the_rest(tmp_path):
    # scene codes beside the codes folder that a hostile question file points at (each would answer "2")
    demo_scene().save(tmp_path / "living_room.json")
    demo_scene().save(tmp_path / "elsewhere" / "living_room.json")
    bad = {2: {"scene_name": "../../living_room"}, 3: {"dataset": "..", "scene_name": "living_room"},
           4: {"dataset": str(tmp_path / "elsewhere")}, 5: {"dataset": "other", "scene_name": "*"},
           6: {"question": "How many " + "very " * 2000 + "big chair(s) are in this room?"}}
    args = _eval_folder(tmp_path, [{**COUNT, "id": 1}, *({**COUNT, "id": i, **change} for i, change in bad.items()),
                                   {**COUNT, "id": 7}])
    result = run(*args)
    assert result.returncode == 0, result.stderr
    rows = _rows(tmp_path / "p.jsonl")
    assert rows[1]["prediction"] == rows[7]["prediction"] == "2" and "error" not in rows[7]
    for qid in (2, 3, 4, 5):
        assert "not a plain name" in rows[qid]["error"] and rows[qid]["prediction"] == "", rows[qid]
    assert "10,0" in rows[6]["error"] and "longer than the 4,000" in rows[6]["error"]
    assert "7 answered now, 0 already done, 5 errors" in result.stderr


def _fifo_scene(tmp_path) -> dict:
    """A question whose scene code is a named pipe nobody writes: reading it blocks for ever."""
    os.mkfifo(tmp_path / "codes" / "demo" / "stuck.json")
    return {**COUNT, "id": 2, "scene_name": "stuck"}


def test_eval_stops_a_question_at_its_time_limit_and_goes_on(tmp_path):
    args = _eval_folder(tmp_path, [{**COUNT, "id": 1}])
    (tmp_path / "q.jsonl").write_text("".join(json.dumps(row) + "\n" for row in
                                              ({**COUNT, "id": 1}, _fifo_scene(tmp_path), {**COUNT, "id": 3})))
    result = run(*args, "--time-limit", "0.5")
    assert result.returncode == 0, result.stderr
    rows = _rows(tmp_path / "p.jsonl")
    assert rows[2]["error"] == "QuestionTimeout: took longer than the 0.5 s limit per question"
    assert rows[1]["prediction"] == rows[3]["prediction"] == "2"
    runs = [json.loads(line) for line in (tmp_path / "p.jsonl.runs.jsonl").read_text().splitlines()]
    assert runs[-1]["config"]["time_limit"] == 0.5


def test_eval_records_a_sigterm_as_an_interrupted_run(tmp_path):
    args = _eval_folder(tmp_path, [])
    (tmp_path / "q.jsonl").write_text("".join(json.dumps(row) + "\n" for row in
                                              ({**COUNT, "id": 1}, _fifo_scene(tmp_path), {**COUNT, "id": 3})))
    process = subprocess.Popen([sys.executable, "-m", "spatialcode", *args], stderr=subprocess.PIPE, text=True)
    predictions = tmp_path / "p.jsonl"
    deadline = time.monotonic() + 60
    while not (predictions.is_file() and predictions.read_text().endswith("\n")):  # question 1 written, 2 is stuck
        assert process.poll() is None and time.monotonic() < deadline, "eval ended before its stuck question"
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    stderr = process.communicate(timeout=30)[1]
    assert process.returncode == 130 and stderr.strip().splitlines()[-1] == "interrupted", stderr
    assert "Traceback" not in stderr and list(_rows(predictions)) == [1]
    (run_record,) = [json.loads(line) for line in (tmp_path / "p.jsonl.runs.jsonl").read_text().splitlines()]
    assert run_record["interrupted"] is True and run_record["succeeded"] == 1


def test_eval_refuses_a_predictions_file_another_eval_is_writing(tmp_path):
    import fcntl

    args = _eval_folder(tmp_path, [{**COUNT, "id": 1}])
    with (tmp_path / "p.jsonl.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # what a first eval holds while it runs
        result = run(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "another run is writing this predictions file" in lines[0], result.stderr
    assert not (tmp_path / "p.jsonl").exists() and not (tmp_path / "p.jsonl.runs.jsonl").exists()
    assert run(*args).returncode == 0  # the lock released, the next run goes ahead


def test_usage_errors_are_one_line_but_a_bare_group_still_shows_its_help():
    bad = run("train", "sft", "--bogus")
    assert bad.returncode == 2 and bad.stderr.strip().splitlines() == [
        "error: No such option '--bogus'. (see `python -m spatialcode train sft --help`)"]
    bare = run("train")
    assert bare.returncode == 2 and "error:" not in bare.stderr and "Commands:" in bare.stderr + bare.stdout


def test_eval_stops_a_language_model_that_does_not_reply_at_the_time_limit(tmp_path):
    from tests.fixtures import fake_openai_server

    args = _eval_folder(tmp_path, [{**COUNT, "id": 1}, {**COUNT, "id": 2}])
    with fake_openai_server("--stall", "60") as url:
        start = time.monotonic()
        result = run(*args, "--reasoner", "llm", "--model", url, "--time-limit", "1")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - start < 20  # two questions of 1 s, not the server's 60 s (nor the client's 120 s)
    rows = _rows(tmp_path / "p.jsonl")
    assert [rows[qid]["error"] for qid in (1, 2)] == ["QuestionTimeout: took longer than the 1 s limit per question"] * 2
