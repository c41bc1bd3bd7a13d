"""The web app's handlers without a browser: scenes on offer, uploads (bad ones give one line),
answers with the objects their derivation cites; the 3D model file they show."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from spatialcode.app import handlers
from spatialcode.app.config import ServeConfig
from spatialcode.cli import main
from spatialcode.reason.cited import cited_object_ids
from spatialcode.reason.solver import Solver
from spatialcode.scene import SpatialCode
from spatialcode.viz.glb import FADED_RGB, scene_glb
from tests.test_cli_rgb import colour_video  # noqa: F401 - the fixture

DISTANCE = "Measuring from the closest point of each object, what is the distance between the chair and the table (in meters)?"


def _code(objects: list[tuple[str, list[float]]]) -> SpatialCode:
    return SpatialCode.from_dict({"schema_version": 1, "objects": [
        {"id": k, "label": label, "bbox_3d": box} for k, (label, box) in enumerate(objects)]})


# a chair 1 m wide centred at x = 0 and a table 1 m wide centred at x = 3: 2.0 m apart; a lamp aside
ROOM = _code([("chair", [0, 0, 0.5, 1, 1, 1, 0, 0, 0]), ("table", [3, 0, 0.5, 1, 1, 1, 0, 0, 0]),
              ("lamp", [0, 4, 0.5, 0.3, 0.3, 1, 0, 0, 0])])


def _answer_with(code, question, options):
    return Solver().answer_question(code, question, options)


def _one_line(view: handlers.View) -> str:
    assert view.error is not None and view.code is None
    assert "\n" not in view.error and "Traceback" not in view.error
    return view.error


# -- the objects a derivation cites ------------------------------------------------------------

def test_cited_objects_by_id_and_by_category():
    code = _code([("chair", [0, 0, 0, 1, 1, 1, 0, 0, 0]), ("chair", [2, 0, 0, 1, 1, 1, 0, 0, 0]),
                  ("coffee table", [4, 0, 0, 1, 1, 1, 0, 0, 0]), ("table", [6, 0, 0, 1, 1, 1, 0, 0, 0]),
                  ("sofa", [8, 0, 0, 1, 1, 1, 0, 0, 0])])
    assert cited_object_ids(code, ["closest points of chair#1 centre (2, 0, 0) and sofa#4: 1 m"]) == [1, 4]
    assert cited_object_ids(code, ["chair: 2 (2 boxes)"]) == [0, 1]
    assert cited_object_ids(code, ["coffee table ↔ sofa: 3.0 m"]) == [2, 4]  # not the plain table
    # a label named with an id somewhere counts only by id; a label absent from the code, nothing
    assert cited_object_ids(code, ["chair#0 centre", "bearing of chair from sofa"]) == [0, 4]
    assert cited_object_ids(code, ["floor area 20.00 m²"]) == []
    assert cited_object_ids(code, ["no box for 'shower'"]) == []


# -- the 3D model ------------------------------------------------------------------------------

def _read_glb(data: bytes) -> tuple[dict, bytes]:
    magic, version, total = struct.unpack_from("<4sII", data)
    assert (magic, version, total) == (b"glTF", 2, len(data))
    json_length, json_type = struct.unpack_from("<I4s", data, 12)
    assert json_type == b"JSON"
    document = json.loads(data[20:20 + json_length])
    bin_length, bin_type = struct.unpack_from("<I4s", data, 20 + json_length)
    assert bin_type == b"BIN\0" and 28 + json_length + bin_length == len(data)
    return document, data[28 + json_length:]


def test_glb_boxes_are_y_up_and_named():
    # a box centred at (1, 2, 3), sides 2 × 1 × 0.5, yaw 0: x 0..2, y 1.5..2.5, z 2.75..3.25;
    # in glTF (x, z, -y): x 0..2, y 2.75..3.25, z -2.5..-1.5
    code = _code([("sofa", [1, 2, 3, 2, 1, 0.5, 0, 0, 0])])
    document, binary = _read_glb(scene_glb(code))
    assert [node["name"] for node in document["nodes"]] == ["sofa#0"]
    faces = document["meshes"][0]["primitives"][0]
    accessor = document["accessors"][faces["attributes"]["POSITION"]]
    assert accessor["min"] == pytest.approx([0, 2.75, -2.5]) and accessor["max"] == pytest.approx([2, 3.25, -1.5])
    view = document["bufferViews"][document["accessors"][faces["indices"]]["bufferView"]]
    indices = np.frombuffer(binary, np.uint32, view["byteLength"] // 4, view["byteOffset"])
    assert len(indices) == 36  # 6 faces × 2 triangles
    assert sorted(p["mode"] for p in document["meshes"][0]["primitives"]) == [1, 4, 4]  # faces, edges, facing wedge


def test_glb_highlight_fades_the_others():
    document, _ = _read_glb(scene_glb(ROOM, highlight=[1]))
    colour = {m["name"]: m["pbrMetallicRoughness"]["baseColorFactor"] for m in document["materials"]}
    assert colour["chair#0 faces"][:3] == pytest.approx(FADED_RGB)
    assert colour["table#1 faces"][:3] != pytest.approx(FADED_RGB) and colour["table#1 faces"][3] > 0.9


# -- scenes on offer ---------------------------------------------------------------------------

def test_catalog_offers_the_demo_and_the_folder_only(tmp_path):
    (tmp_path / "a.json").write_text(ROOM.to_json())
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "scene.json").write_text(ROOM.to_json())
    (tmp_path / "b" / "video.mp4").write_bytes(b"not really")
    (tmp_path / "c").mkdir()  # no scene.json
    (tmp_path / "notes.txt").write_text("hello")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.json"
    outside.write_text(ROOM.to_json())
    (tmp_path / "escape.json").symlink_to(outside)
    catalog = handlers.scene_catalog(tmp_path)
    assert list(catalog) == [handlers.DEMO_SCENE, "a.json", "b/"]
    assert catalog["b/"].video == tmp_path / "b" / "video.mp4" and catalog["a.json"].video is None
    with pytest.raises(Exception, match="not a folder of scenes"):
        handlers.scene_catalog(tmp_path / "missing")


def test_open_the_demo_scene(tmp_path):
    view = handlers.open_scene(handlers.DEMO_SCENE, handlers.scene_catalog(None), tmp_path)
    labels = [o["label"] for o in json.loads(handlers.demo_scene_path().read_text())["objects"]]
    assert view.error is None and [row[1] for row in view.objects] == labels
    assert view.model.read_bytes()[:4] == b"glTF" and view.map.read_bytes()[:4] == b"\x89PNG"
    assert view.status == f"living_room: {len(labels)} objects, room 20.0 m²"  # 5 m × 4 m floor


def test_a_name_not_on_offer_is_refused(tmp_path):
    assert _one_line(handlers.open_scene("../../etc/passwd", handlers.scene_catalog(None), tmp_path)).startswith(
        "error: no scene named '../../etc/passwd' on offer")


# -- uploads -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "expected"), [
    ("bad.json", "{not json", "error: bad.json: not valid JSON"),
    ("short.json", json.dumps({"schema_version": 1, "objects": [{"id": 0, "label": "chair", "bbox_3d": [0] * 8}]}),
     "error: short.json: objects[0].bbox_3d"),
    ("big.json", " " * (2 * 2**20), "error: big.json: larger than 1 MiB, the limit for a scene file"),
    ("notes.txt", "hello", "error: notes.txt: not a scene or a video"),
])
def test_a_bad_upload_is_one_line(tmp_path, name, content, expected):
    upload = tmp_path / "upload-folder" / name
    upload.parent.mkdir()
    upload.write_text(content)
    message = _one_line(handlers.open_upload(upload, ServeConfig(max_scene_mb=1), tmp_path))
    assert message.startswith(expected)
    assert str(upload.parent) not in message  # named as the user called it, not where the server keeps it


def test_an_uploaded_scene_is_shown(tmp_path):
    upload = tmp_path / "room.json"
    upload.write_text(ROOM.to_json())
    view = handlers.open_upload(upload, ServeConfig(), tmp_path)
    assert view.error is None and [row[1] for row in view.objects] == ["chair", "table", "lamp"]
    assert view.status == "room.json: scene: 3 objects"


def test_an_uploaded_video_without_models_is_one_line(tmp_path, monkeypatch):
    from spatialcode.formats import VideoWriter

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    video = tmp_path / "room.mp4"
    with VideoWriter(video, 64, 48, 5) as writer:
        for k in range(3):
            writer.write(np.full((48, 64, 3), 60 * k, np.uint8))
    config = ServeConfig(offline=True, cache_dir=tmp_path / "cache")
    assert "not in the Hugging Face cache" in _one_line(handlers.open_upload(video, config, tmp_path))
    assert "larger than the 1e-06 MB limit" in _one_line(
        handlers.open_upload(video, ServeConfig(offline=True, max_video_mb=1e-6), tmp_path))


#: Run in a fresh interpreter (the Hugging Face cache is read from the environment on import): open
#: an uploaded video twice, print what the page would show.
_OPEN_VIDEO = """
import json, sys
from pathlib import Path
from spatialcode.app import handlers
from spatialcode.app.config import ServeConfig
video, cache, workdir = map(Path, sys.argv[1:])
for _ in range(2):
    config = ServeConfig(offline=True, cache_dir=cache, video_settings=("features.max_lost_share=1",))
    view = handlers.open_upload(video, config, workdir)
    print(json.dumps({"error": view.error, "status": view.status, "video": str(view.video), "objects": len(view.objects),
                      "glb": view.model.read_bytes()[:4].decode() if view.model else None,
                      "map": view.map.stat().st_size if view.map else 0}))
"""


def test_an_uploaded_video_is_encoded_once_and_shown_beside_its_code(colour_video, tmp_path):  # noqa: F811
    """The fast preset's models, tiny and random, in a stand-in Hugging Face cache: the upload is
    encoded (the code may hold no object: the models are random; odometry may lose the camera on
    random depth, so the app's encoder settings let it), shown with its 3D model, map and the video
    itself; the second upload of the same video is the cached code."""
    from spatialcode.encode.pretrained.models import DEPTH, DETECTOR_FAST
    from tests.vision_fixtures import make_tiny_depth_model, make_tiny_owlvit

    hub = tmp_path / "hub"
    for model, make in ((DEPTH, make_tiny_depth_model), (DETECTOR_FAST, make_tiny_owlvit)):
        make(hub / f"models--{model.repo_id.replace('/', '--')}" / "snapshots" / model.revision)
    (tmp_path / "work").mkdir()
    done = subprocess.run([sys.executable, "-c", _OPEN_VIDEO, str(colour_video), str(tmp_path / "codes"),
                           str(tmp_path / "work")], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HF_HUB_CACHE": str(hub), "HF_HUB_OFFLINE": "1"},
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines()[-2:])
    assert first["error"] is None and first["status"].startswith("code: encoded ") and "google/owlvit-base-patch32" in first["status"]
    assert first["video"] == str(colour_video) and first["glb"] == "glTF" and first["map"] > 0
    assert second["error"] is None and second["status"].startswith("code: cached ")
    assert second["objects"] == first["objects"]


# -- asking --------------------------------------------------------------------------------------

def test_answer_of_a_hand_worked_question_highlights_what_it_used(tmp_path):
    view = handlers.ask_question(ROOM, DISTANCE, "", _answer_with, tmp_path)
    assert view.error is None
    assert view.answer.startswith("**Answer: 2.0**")  # the boxes' near faces: x = 0.5 and x = 2.5
    assert "Highlighted: chair#0, table#1" in view.answer
    assert [row[-1] for row in view.objects] == ["✓", "✓", ""]
    assert view.status == "answered: 2.0"


def test_answer_with_options(tmp_path):
    question = ("Measuring from the closest point of each object, which of these objects (table, lamp) is the "
                "closest to the chair?")
    view = handlers.ask_question(ROOM, question, "A. table\n\nB. lamp\n", _answer_with, tmp_path)
    assert view.answer.startswith("**Answer: A**")  # table 2.0 m, lamp 4 - 0.15 - 0.5 = 3.35 m


@pytest.mark.parametrize(("code", "question", "options", "expected"), [
    (None, "How many chair(s) are in this room?", "", "error: no scene open"),
    (ROOM, "   ", "", "error: no question"),
    (ROOM, "x" * 3000, "", "error: a question of 3000 characters"),
    (ROOM, "How many chair(s) are in this room?", "\n".join(f"{k}. x" for k in range(30)), "error: 30 options"),
])
def test_bad_questions_are_one_line(tmp_path, code, question, options, expected):
    assert _one_line(handlers.ask_question(code, question, options, _answer_with, tmp_path)).startswith(expected)


def test_an_unexpected_failure_is_one_line_on_the_page():
    from spatialcode.app.page import _page_event, import_gradio

    def broken(*args):
        raise RuntimeError("boom\nwith a second line")

    outputs = list(range(7))
    values = _page_event(import_gradio(), outputs, show_video=True)(broken)()
    assert len(values) == 7
    assert values[-1] == "error: the app failed on this request (RuntimeError); the server's log has the details"


# -- the command ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "expected"), [
    (["--port", "0"], "error: port (from --port): must be a whole number >= 1, got 0"),
    (["--scenes", "no-such-folder"], "error: no-such-folder: not a folder of scenes"),
    (["--set", "max_scene_mb=-1"], "error: max_scene_mb: must be a positive number"),
])
def test_serve_refuses_bad_settings_in_one_line(args, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["serve", *args])
    assert result.exit_code == 2
    assert result.output.strip().startswith(expected) and len(result.output.strip().splitlines()) == 1


def test_serve_shows_its_settings():
    result = CliRunner().invoke(main, ["serve", "--show-config"])
    assert result.exit_code == 0 and "host: 127.0.0.1\nport: 7860\n" in result.output


def test_an_opened_scene_is_read_ahead_in_the_background(tmp_path, caplog):
    """Opening a scene starts the reasoner's read-ahead of it in a thread; an error view starts
    nothing; a read-ahead that fails is logged and leaves the page as it was."""
    view = handlers.open_scene(handlers.DEMO_SCENE, handlers.scene_catalog(None), tmp_path)
    read = []
    thread = handlers.start_read_ahead(read.append, view)
    thread.join(timeout=10)
    assert read == [view.code]
    assert handlers.start_read_ahead(read.append, handlers.View(error="error: no scene")) is None
    assert handlers.start_read_ahead(None, view) is None

    def failing(code):
        raise RuntimeError("llama.cpp went away")

    handlers.start_read_ahead(failing, view).join(timeout=10)
    assert "reading the scene ahead failed" in caplog.text and len(read) == 1


def test_a_scene_opened_while_another_is_read_ahead_is_not_queued(tmp_path):
    """One read-ahead at a time: a second scene opened meanwhile is not read ahead (the questions
    would wait behind a queue of them); once the first is done, the next one is."""
    import threading

    view = handlers.open_scene(handlers.DEMO_SCENE, handlers.scene_catalog(None), tmp_path)
    release, read = threading.Event(), []

    def slow(code):
        release.wait(timeout=10)
        read.append(code)

    first = handlers.start_read_ahead(slow, view)
    assert handlers.start_read_ahead(read.append, view) is None
    release.set()
    first.join(timeout=10)
    handlers.start_read_ahead(read.append, view).join(timeout=10)
    assert len(read) == 2
