"""The code-level noise model: hand-worked cases of the faults, the matcher and the fit, the
fitted preset, and training rows built from perturbed codes."""

from __future__ import annotations

import math

import pytest

from spatialcode.core.config import build_config
from spatialcode.core.errors import ValidationError
from spatialcode.geometry.box import Box3D
from spatialcode.rl.data import TrainingDataConfig, training_rows
from spatialcode.scene import Room, SpatialCode, SpatialObject
from spatialcode.synth.code_fault_fit import fault_statistics, fit_code_faults, match_objects
from spatialcode.synth.code_faults import CodeFaultConfig, apply_code_faults, preset_names, upright_sides
from spatialcode.synth.dataset import write_dataset


def obj(i: int, label: str, center, size=(1.0, 0.5, 0.8), yaw: float = 0.0, first_seen: float | None = None) -> SpatialObject:
    return SpatialObject(id=i, label=label, box=Box3D(center, size, (0.0, 0.0, yaw)), first_seen=first_seen)


def room_code(objects, room: bool = True) -> SpatialCode:
    return SpatialCode(objects=tuple(objects), room=Room(area=20.0) if room else None, object_counts={"chair": 1})


TRUTH = room_code([obj(0, "chair", (0, 0, 0.5), first_seen=0.0), obj(1, "table", (3, 0, 0.4), first_seen=1.0),
                   obj(2, "sofa", (0, 3, 0.4), first_seen=2.0), obj(3, "lamp", (3, 3, 0.8), first_seen=3.0)])


def test_miss_probability_one_drops_every_object():
    out = apply_code_faults(TRUTH, CodeFaultConfig(miss=1.0), seed=0)
    assert out.objects == () and out.room == TRUTH.room


def test_no_faults_return_the_code_unchanged():
    assert apply_code_faults(TRUTH, CodeFaultConfig(), seed=3) == TRUTH
    assert apply_code_faults(TRUTH, CodeFaultConfig.preset("clean"), seed=3) == TRUTH


def test_a_known_size_ratio_scales_the_sides_by_exactly_that_factor():
    # long horizontal × 2, short horizontal × 3, vertical × 1.5, no spread
    config = CodeFaultConfig(log_size_mean=(math.log(2), math.log(3), math.log(1.5)))
    upright = room_code([obj(0, "bed", (1, 1, 0.5), size=(1.0, 3.0, 0.5), yaw=0.3)])
    box = apply_code_faults(upright, config, seed=0).objects[0].box
    assert box.size == pytest.approx((3.0, 6.0, 0.75)) and box.center == (1, 1, 0.5)
    assert box.rotation == pytest.approx((0.0, 0.0, 0.3))
    # an annotation box listing its vertical axis second comes out upright with the same sides scaled
    listed = Box3D.from_axes((0, 0, 0.25), (1.0, 0.5, 3.0), [[1, 0, 0], [0, 0, 1], [0, -1, 0]])
    assert upright_sides(listed) == pytest.approx((1.0, 3.0, 0.5, 0.0))
    box = apply_code_faults(room_code([SpatialObject(0, "bed", listed)]), config, seed=0).objects[0].box
    assert box.size == pytest.approx((3.0, 6.0, 0.75)) and box.rotation == pytest.approx((0.0, 0.0, 0.0))


def test_faults_are_deterministic_per_seed_and_differ_between_seeds():
    config = CodeFaultConfig.preset("authors-scannet")
    assert apply_code_faults(TRUTH, config, 7) == apply_code_faults(TRUTH, config, 7)
    assert apply_code_faults(TRUTH, config, 7).objects != apply_code_faults(TRUTH, config, 8).objects


def test_duplicates_extras_room_counts_first_seen_and_provenance():
    config = CodeFaultConfig(name="test", duplicate=1.0, drop_room=1.0, extra_per_scene=50.0, extra_labels={"plant": 1.0})
    out = apply_code_faults(TRUTH, config, seed=1)
    kept = [o for o in out.objects if o.id < 4]
    assert [(o.label, o.first_seen) for o in kept] == [(o.label, o.first_seen) for o in TRUTH.objects]
    copies = [o for o in out.objects if o.id >= 4 and o.label != "plant"]
    assert sorted((o.label, o.first_seen) for o in copies) == sorted((o.label, o.first_seen) for o in TRUTH.objects)
    extras = [o for o in out.objects if o.label == "plant"]
    assert extras and all(-0.5 <= o.box.center[0] <= 3.5 and -0.25 <= o.box.center[1] <= 3.25 for o in extras)
    assert all(0.0 <= o.first_seen <= 3.0 for o in extras)
    assert out.room is None and out.object_counts is None
    assert out.provenance.producer == "spatialcode.synth.code_faults"
    assert out.provenance.config["preset"] == "test" and out.provenance.config["seed"] == 1


def test_label_confusion_follows_the_table():
    out = apply_code_faults(TRUTH, CodeFaultConfig(confusion={"sofa": {"bed": 1.0}}), seed=0)
    assert [o.label for o in out.objects] == ["chair", "table", "bed", "lamp"]


def test_fitting_a_hand_built_pair_recovers_its_faults():
    # chair missed, table shifted by exactly (0.1, 0, 0), sofa reported as a bed, lamp exact, a plant extra
    encoded = room_code([obj(10, "table", (3.1, 0, 0.4)), obj(11, "bed", (0, 3, 0.4)), obj(12, "lamp", (3, 3, 0.8)),
                         obj(13, "plant", (6, 6, 0.4))], room=False)
    matching = match_objects(encoded, TRUTH)
    assert [t.label for t in matching.missed] == ["chair"] and [e.label for e in matching.extra] == ["plant"]
    assert [(t.label, e.label) for t, e in matching.confusions] == [("sofa", "bed")]
    assert sorted(round(math.dist(t.box.center, e.box.center), 9) for t, e in matching.matched) == [0.0, 0.1]
    config = fit_code_faults([(encoded, TRUTH)])
    assert config.miss == 0.25 and config.extra_per_scene == 1.0 and config.drop_room == 1.0
    assert config.confusion == {"sofa": {"bed": 1.0}} and config.extra_labels == {"plant": 1}
    assert config.duplicate == 0.0 and config.log_size_mean == (0.0, 0.0, 0.0)
    stats = fault_statistics([(encoded, TRUTH)])
    assert (stats["missed"], stats["extra"], stats["confusions"], stats["matched"]) == (1, 1, 1, 2)
    assert stats["centre_error_m"]["median"] == pytest.approx(0.05) and stats["room_present"] == 0.0


def test_a_second_box_near_a_matched_one_is_a_duplicate():
    encoded = room_code([*TRUTH.objects, obj(9, "table", (3.3, 0, 0.4))])
    matching = match_objects(encoded, TRUTH)
    assert [(t.id, e.id) for t, e in matching.duplicates] == [(1, 9)] and not matching.extra and not matching.missed


def test_the_fitted_preset_loads_by_name_and_an_unknown_one_names_the_known():
    config = CodeFaultConfig.preset("authors-scannet")
    assert config.name == "authors-scannet" and config.enabled and 0 < config.miss < 1 and config.drop_room == 1.0
    assert config.of("chair").miss == config.categories["chair"].miss and config.of("unheard of").miss == config.miss
    assert "authors-scannet" in preset_names()
    with pytest.raises(ValidationError, match="unknown code-fault preset 'nope'; known: clean, none, authors-scannet"):
        CodeFaultConfig.preset("nope")


def test_the_config_builds_from_a_settings_mapping_and_refuses_bad_values():
    config = build_config(CodeFaultConfig, {"miss": 0.1, "categories": {"chair": {"miss": 0.5}}})
    assert config.of("chair").miss == 0.5 and config.of("table").miss == 0.1
    with pytest.raises(ValidationError, match=r"faults\.categories\.chair\.miss: must be a probability"):
        build_config(CodeFaultConfig, {"categories": {"chair": {"miss": 2}}})
    with pytest.raises(ValidationError, match=r"faults\.confusion\.sofa: the probabilities add up to more than 1"):
        CodeFaultConfig(confusion={"sofa": {"bed": 0.7, "chair": 0.6}})


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    write_dataset(out, 2, seed=0, splits={"train": 0.5, "test": 0.5})
    return out


def test_training_rows_with_the_preset_ask_about_a_perturbed_code_with_the_true_answer(synth):
    clean = training_rows(TrainingDataConfig(dataset=str(synth), per_task=2))
    noisy = training_rows(TrainingDataConfig(dataset=str(synth), per_task=2, code_faults="authors-scannet"))
    assert [r["id"] for r in noisy] == [r["id"] for r in clean]
    assert [r["ground_truth"] for r in noisy] == [r["ground_truth"] for r in clean]
    assert all(SpatialCode.from_json(n["code"]).provenance.producer == "spatialcode.synth.code_faults" for n in noisy)
    assert any(n["prompt"] != c["prompt"] for n, c in zip(noisy, clean))
    assert noisy == training_rows(TrainingDataConfig(dataset=str(synth), per_task=2, code_faults="authors-scannet"))
    with pytest.raises(ValidationError, match="code_faults: unknown code-fault preset"):
        TrainingDataConfig(code_faults="nope")
