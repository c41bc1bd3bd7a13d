"""``spatialcode perturb``, run as a user would (subprocess)."""

from __future__ import annotations

from spatialcode.scene import SpatialCode
from tests.test_cli import run
from tests.test_code_faults import TRUTH


def test_perturb_a_codes_folder_writes_the_same_layout(tmp_path):
    codes = tmp_path / "codes"
    for dataset, name in (("scannet", "scene0001_00"), ("arkitscenes", "41069043")):
        SpatialCode.from_dict({**TRUTH.to_dict(), "source": {"dataset": dataset, "scene_name": name}}).save(
            codes / dataset / f"{name}.json")
    result = run("perturb", str(codes), "--out", str(tmp_path / "noisy"), "--faults", "authors-scannet", "--seed", "2")
    assert result.returncode == 0, result.stderr
    written = sorted(p.relative_to(tmp_path / "noisy") for p in (tmp_path / "noisy").glob("*/*.json"))
    assert written == sorted(p.relative_to(codes) for p in codes.glob("*/*.json"))
    noisy = SpatialCode.load(tmp_path / "noisy" / "scannet" / "scene0001_00.json")
    assert noisy.room is None and noisy.provenance.config["preset"] == "authors-scannet"


def test_perturb_one_scene_file_with_a_setting(tmp_path):
    TRUTH.save(tmp_path / "scene.json")
    result = run("perturb", str(tmp_path / "scene.json"), "--out", str(tmp_path / "noisy.json"), "--set", "faults.miss=1")
    assert result.returncode == 0, result.stderr
    assert SpatialCode.load(tmp_path / "noisy.json").objects == ()


def test_perturb_bad_input_is_one_error_line(tmp_path):
    TRUTH.save(tmp_path / "scene.json")
    for args, message in ((("--faults", "nope"), "unknown code-fault preset 'nope'; known: clean, none, authors-scannet"),
                          (("--set", "faults.miss=2"), "faults.miss: must be a probability")):
        result = run("perturb", str(tmp_path / "scene.json"), "--out", str(tmp_path / "x.json"), *args)
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    result = run("perturb", str(tmp_path / "missing"), "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and result.stderr == f"error: {tmp_path / 'missing'}: no such scene file or codes folder\n"
    assert "spatialcode perturb codes/ --out noisy-codes/" in run("perturb", "--help").stdout
