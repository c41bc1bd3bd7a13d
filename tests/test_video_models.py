"""The default models of the video path (issue 25): pinned revisions, the one-time download with
its size announced, offline and uncached failures as one line, loading a pinned id from the cache."""

from __future__ import annotations

import fnmatch
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from huggingface_hub import DryRunFileInfo, constants

from spatialcode.cli import main
from spatialcode.core.errors import SpatialCodeError
from spatialcode.encode.presets import preset_models
from spatialcode.encode.pretrained import models
from spatialcode.encode.pretrained.models import DEPTH, DETECTOR_FAST, MODEL_FILES, PinnedModel, ensure_models
from tests.vision_fixtures import make_tiny_depth_model


@pytest.fixture
def hub_cache(monkeypatch, tmp_path) -> Path:
    """An empty Hugging Face cache of the test's own."""
    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


def _place(cache: Path, model: PinnedModel, folder: str) -> Path:
    """Copy ``folder`` into ``cache`` as ``model``'s snapshot at its pinned revision (the hub's layout)."""
    snapshot = cache / f"models--{model.repo_id.replace('/', '--')}" / "snapshots" / model.revision
    shutil.copytree(folder, snapshot)
    return snapshot


def test_every_default_model_is_pinned_to_a_full_commit_and_takes_no_pickles():
    for model in preset_models("all"):
        assert len(model.revision) == 40 and int(model.revision, 16) >= 0
    for name in ("pytorch_model.bin", "model.pt", "weights.pth", "model.ckpt", "data.pkl", "tf_model.h5"):
        assert not any(fnmatch.fnmatch(name, pattern) for pattern in MODEL_FILES), name
    assert any(fnmatch.fnmatch("model.safetensors", pattern) for pattern in MODEL_FILES)
    with pytest.raises(SpatialCodeError, match="40-hex"):
        PinnedModel("depth", "someone/model", "main", 1, "MIT")


def test_the_fast_preset_is_depth_and_the_small_detector():
    assert [m.role for m in preset_models("fast")] == ["depth", "detector"]
    assert preset_models("fast")[1] is DETECTOR_FAST
    assert len(preset_models("all")) == 4  # depth is shared, listed once
    with pytest.raises(SpatialCodeError, match="preset"):
        preset_models("fastest")


def test_a_download_announces_its_total_size_then_fetches_each_model_at_its_revision(monkeypatch, hub_cache, tmp_path):
    calls = []

    def fake_snapshot_download(repo_id, revision=None, allow_patterns=None, local_files_only=False, dry_run=False, **_):
        calls.append((repo_id, revision, tuple(allow_patterns or ()), local_files_only, dry_run))
        if local_files_only:
            from huggingface_hub.errors import LocalEntryNotFoundError

            raise LocalEntryNotFoundError("not cached")
        if dry_run:  # 99 MB of depth; the detector: 613 MB to fetch, one file already cached
            sizes = {DEPTH.repo_id: [(99_000_000, True)], DETECTOR_FAST.repo_id: [(600_000_000, True), (13_000_000, True),
                                                                                 (5_000_000, False)]}[repo_id]
            return [DryRunFileInfo(commit_hash=revision, file_size=size, filename=f"f{i}", local_path="",
                                   is_cached=not fetch, will_download=fetch) for i, (size, fetch) in enumerate(sizes)]
        return str(tmp_path / repo_id)

    monkeypatch.setattr(models, "_resolve_hub_host", lambda: None)
    monkeypatch.setattr("huggingface_hub.snapshot_download", fake_snapshot_download)
    lines = []
    folders = ensure_models(preset_models("fast"), announce=lines.append)
    assert lines == ["downloading 2 model(s), 712 MB, into the Hugging Face cache: "
                     f"{DEPTH.repo_id}@4d5187ef4957, {DETECTOR_FAST.repo_id}@cbc355fb3645"]
    fetched = [(repo, revision, patterns) for repo, revision, patterns, local, dry in calls if not local and not dry]
    assert fetched == [(DEPTH.repo_id, DEPTH.revision, MODEL_FILES), (DETECTOR_FAST.repo_id, DETECTOR_FAST.revision, MODEL_FILES)]
    assert folders == {"depth": tmp_path / DEPTH.repo_id, "detector": tmp_path / DETECTOR_FAST.repo_id}


def test_offline_the_download_is_one_line_naming_the_hf_commands(hub_cache):
    with pytest.raises(SpatialCodeError) as offline:
        ensure_models(preset_models("fast"))
    line = str(offline.value)
    assert "\n" not in line and line.startswith("cannot reach the Hugging Face hub")
    for model in preset_models("fast"):
        assert f"hf download {model.repo_id} --revision {model.revision} --include '*.json' '*.txt' '*.safetensors'" in line


def test_a_name_that_does_not_resolve_fails_at_once_without_the_hub_retries(monkeypatch, hub_cache):
    import socket

    def no_dns(*_):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(models, "download_size", lambda _: pytest.fail("asked the hub"))
    with pytest.raises(SpatialCodeError, match=r"cannot resolve huggingface.co: Name or service not known\): run `hf download"):
        ensure_models([DEPTH])


def test_without_downloading_a_missing_model_says_what_to_run(hub_cache):
    with pytest.raises(SpatialCodeError, match=r"not in the Hugging Face cache: run `spatialcode models download`") as err:
        ensure_models([DEPTH], download=False)
    assert f"--revision {DEPTH.revision}" in str(err.value)


def test_a_pinned_id_loads_from_its_revision_in_the_cache_offline(hub_cache, tmp_path):
    from spatialcode.encode.pretrained import DepthModelConfig, MonocularDepth

    tiny = make_tiny_depth_model(tmp_path / "tiny-depth")
    _place(hub_cache, DEPTH, tiny)
    assert models.cached_folder(DEPTH) == hub_cache / f"models--{DEPTH.repo_id.replace('/', '--')}" / "snapshots" / DEPTH.revision
    image = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    by_id = MonocularDepth(DepthModelConfig(DEPTH.repo_id)).predict(image)
    np.testing.assert_array_equal(by_id, MonocularDepth(DepthModelConfig(tiny)).predict(image))


def test_a_snapshot_of_another_revision_is_not_the_pinned_model(hub_cache, tmp_path):
    tiny = make_tiny_depth_model(tmp_path / "tiny-depth")
    _place(hub_cache, PinnedModel("depth", DEPTH.repo_id, "f" * 40, 1, "x"), tiny)
    assert models.cached_folder(DEPTH) is None


def test_models_list_and_check_show_what_is_cached(hub_cache, tmp_path):
    tiny = make_tiny_depth_model(tmp_path / "tiny-depth")
    _place(hub_cache, DEPTH, tiny)
    runner = CliRunner()
    listed = runner.invoke(main, ["models", "list", "--preset", "fast"])
    assert listed.exit_code == 0
    depth_line, detector_line = listed.output.splitlines()
    assert "cached: " in depth_line and DEPTH.revision[:12] in depth_line
    assert detector_line.endswith("missing")
    checked = runner.invoke(main, ["models", "check", "--preset", "fast", "--load"])
    assert checked.exit_code == 1
    problems = checked.output.strip().splitlines()
    assert len(problems) == 1 and problems[0].startswith(f"detector {DETECTOR_FAST.name}: missing; run `spatialcode models download`")
    (next((hub_cache).rglob("*.safetensors"))).write_bytes(b"not a safetensors file")
    damaged = runner.invoke(main, ["models", "check", "--preset", "fast"])
    assert "model.safetensors is unreadable" in damaged.output.splitlines()[0]
