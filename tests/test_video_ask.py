"""`spatialcode ask VIDEO` (issue 25): the video's code is encoded once and kept in the cache,
keyed by the video's content and the settings that change the code."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from spatialcode.encode import cache as cache_module
from spatialcode.encode.cache import encode_cached, settings_key
from spatialcode.encode.pipeline import EncodePipelineConfig, EncodeResult, encode_settings
from spatialcode.geometry.box import Box3D
from spatialcode.scene import Provenance, SpatialCode, SpatialObject
from tests.test_cli import run
from tests.test_cli_rgb import colour_video  # noqa: F401 - the fixture


def _two_chairs(config: EncodePipelineConfig, progress: bool = False) -> EncodeResult:
    """What the encoder is stubbed to find: two chairs and a table."""
    objects = (SpatialObject(0, "chair", Box3D((1.0, 1.0, 0.45), (0.5, 0.5, 0.9))),
               SpatialObject(1, "chair", Box3D((2.0, 1.0, 0.45), (0.5, 0.5, 0.9))),
               SpatialObject(2, "table", Box3D((1.5, 2.0, 0.4), (1.2, 0.8, 0.8))))
    settings = encode_settings(config.resolved(), None)
    return EncodeResult(SpatialCode(objects=objects, provenance=Provenance.from_config("encode", settings)), 7, {})


def _refuse(config: EncodePipelineConfig, progress: bool = False) -> EncodeResult:
    raise AssertionError("encoded again")


@pytest.fixture
def video(tmp_path) -> Path:
    path = tmp_path / "videos" / "room.mp4"
    path.parent.mkdir()
    path.write_bytes(b"not decoded by the stubbed encoder" * 100)
    return path


def test_the_second_call_reads_the_cache(monkeypatch, tmp_path, video):
    monkeypatch.setattr(cache_module, "encode_input", _two_chairs)
    first = encode_cached(EncodePipelineConfig(video), cache_dir=tmp_path / "cache")
    assert not first.hit and first.path.is_file() and first.result.frames == 7
    monkeypatch.setattr(cache_module, "encode_input", _refuse)
    again = encode_cached(EncodePipelineConfig(video), cache_dir=tmp_path / "cache")
    assert again.hit and again.path == first.path and again.code.to_dict() == first.code.to_dict()
    copy = shutil.copy(video, tmp_path / "copy-with-another-name.mp4")  # same bytes: same code
    assert encode_cached(EncodePipelineConfig(copy), cache_dir=tmp_path / "cache").hit


def test_another_setting_model_revision_or_content_encodes_again(monkeypatch, tmp_path, video):
    from spatialcode.encode.pretrained import models

    monkeypatch.setattr(cache_module, "encode_input", _two_chairs)
    base = settings_key(EncodePipelineConfig(video))
    assert settings_key(EncodePipelineConfig(video, device="cpu", download_models=False)) == base  # no change to the code
    assert settings_key(EncodePipelineConfig(video, target_fps=3.0)) != base
    assert settings_key(EncodePipelineConfig(video, preset="quality")) != base
    newer = replace(models.DEPTH, revision="0" * 40)
    monkeypatch.setattr(models, "PINNED_MODELS", (newer, *models.PINNED_MODELS[1:]))
    assert settings_key(EncodePipelineConfig(video)) != base
    monkeypatch.undo()
    monkeypatch.setattr(cache_module, "encode_input", _two_chairs)
    encode_cached(EncodePipelineConfig(video), cache_dir=tmp_path / "cache")
    video.write_bytes(b"another video")
    assert not encode_cached(EncodePipelineConfig(video), cache_dir=tmp_path / "cache").hit


def test_a_local_model_folder_is_known_by_its_files(tmp_path, video):
    folder = tmp_path / "detector"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "owlvit"}')
    (folder / "model.safetensors").write_bytes(b"0" * 64)
    before = settings_key(EncodePipelineConfig(video, detector_model=str(folder)))
    (folder / "config.json").write_text('{"model_type": "owlv2"}')
    assert settings_key(EncodePipelineConfig(video, detector_model=str(folder))) != before


def test_no_cache_neither_reads_nor_writes(monkeypatch, tmp_path, video):
    monkeypatch.setattr(cache_module, "encode_input", _two_chairs)
    done = encode_cached(EncodePipelineConfig(video), use_cache=False, cache_dir=tmp_path / "cache")
    assert done.path is None and not done.hit and not (tmp_path / "cache").exists()


def test_a_cached_answer_needs_neither_torch_nor_transformers(tmp_path, video):
    """The cached path answers without the heavy imports (what makes the second call fast), and
    says which models and settings made the code."""
    script = f"""
import sys
from click.testing import CliRunner
from spatialcode.encode import cache
from tests.test_video_ask import _two_chairs
from spatialcode.encode.pipeline import EncodePipelineConfig
cache.encode_input = _two_chairs
cache.encode_cached(EncodePipelineConfig({str(video)!r}), cache_dir={str(tmp_path / 'cache')!r})
for name in [m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers')]:
    del sys.modules[name]
from spatialcode.cli import main
result = CliRunner().invoke(main, ["ask", {str(video)!r}, "How many chair(s) are in this room?",
                                   "--cache-dir", {str(tmp_path / 'cache')!r}])
print(result.output)
print("HEAVY", sorted({{m.split('.')[0] for m in sys.modules}} & {{"torch", "transformers"}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout
    assert done.stdout.splitlines()[0] == "  → 2", done.stdout
    assert ("code: cached " in done.stdout and "preset fast; depth depth-anything/Depth-Anything-V2-Metric-Indoor-Small-hf@4d5187e, "
            "detector google/owlvit-base-patch32@cbc355f; 2 frames/s, ≤ 640 px wide" in done.stdout)


def test_ask_a_video_twice_with_the_fast_presets_models(colour_video, tmp_path):  # noqa: F811 - the fixture
    from spatialcode.encode.pretrained.models import DEPTH, DETECTOR_FAST
    from tests.vision_fixtures import make_tiny_depth_model, make_tiny_owlvit

    hub = tmp_path / "hub"
    for model, make in ((DEPTH, make_tiny_depth_model), (DETECTOR_FAST, make_tiny_owlvit)):
        make(hub / f"models--{model.repo_id.replace('/', '--')}" / "snapshots" / model.revision)
    env = {"HF_HUB_CACHE": str(hub), "SPATIALCODE_CACHE_DIR": str(tmp_path / "codes")}
    question = ("How many table(s) are in this room?", "--json", "--encode-set", "features.max_lost_share=1")
    first = run("ask", str(colour_video), *question, env=env)
    assert first.returncode in (0, 1), first.stderr  # random models: the answer may be that there is none
    assert "code: encoded 4 frames, kept in " in first.stderr
    second = run("ask", str(colour_video), *question, env=env)
    assert "code: cached " in second.stderr and json.loads(second.stdout) == json.loads(first.stdout)
    assert len(list((tmp_path / "codes").rglob("*.json"))) == 2  # the code and the digests' memo
