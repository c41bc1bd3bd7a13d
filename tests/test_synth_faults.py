"""Faults on rendered outputs: each does what it says, is reproducible, and is off by default."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from spatialcode.core.errors import ValidationError
from spatialcode.scene import CameraPose, SpatialCode
from spatialcode.synth.faults import (
    FALSE_POSITIVE_ID,
    FAULT_PRESETS,
    FaultConfig,
    add_false_positives,
    apply_frame_faults,
    bleed_instances,
    confuse_labels,
    drift_poses,
    erode_instances,
    faulty_mask,
    noisy_depth,
)
from spatialcode.synth.render import RenderConfig, load_frames, render_scene
from tests.test_synth_render import TINY, tiny_scene


def test_off_by_default_changes_nothing():
    assert not FaultConfig().enabled
    depth = np.full((10, 12), 2.0, dtype=np.float32)
    mask = np.full((10, 12), -1, dtype=np.int16)
    mask[2:6, 3:9] = 4
    out = apply_frame_faults(0, depth, mask, {4: "chair"}, FaultConfig(), seed=0)
    assert out.depth is depth and out.mask is mask and out.labels == {4: "chair"}


def test_depth_noise_grows_with_distance_squared():
    depth = np.concatenate([np.full((200, 200), 1.0), np.full((200, 200), 3.0)]).astype(np.float32)
    config = FaultConfig(depth_noise=0.01)
    noisy = noisy_depth(depth, None, config, seed=1, frame=0)
    near, far = (noisy - depth)[:200].std(), (noisy - depth)[200:].std()
    assert near == pytest.approx(0.01, rel=0.05)
    assert far == pytest.approx(0.09, rel=0.05)
    assert np.array_equal(noisy, noisy_depth(depth, None, config, seed=1, frame=0))
    assert not np.array_equal(noisy, noisy_depth(depth, None, config, seed=1, frame=1))
    zero = np.zeros((4, 4), np.float32)
    assert (noisy_depth(zero, None, config, seed=1, frame=0) == 0).all()  # no depth stays no depth


def test_missing_depth_dropout_and_grazing_angles():
    depth = np.full((300, 300), 2.0, dtype=np.float32)
    dropped = noisy_depth(depth, None, FaultConfig(depth_dropout=0.2), seed=3, frame=0)
    assert (dropped == 0).mean() == pytest.approx(0.2, abs=0.01)
    assert set(np.unique(dropped)) == {0.0, 2.0}
    cos = np.tile(np.linspace(0.0, 1.0, 300, dtype=np.float32), (300, 1))
    grazing = noisy_depth(depth, cos, FaultConfig(grazing_angle_deg=75.0), seed=3, frame=0)
    limit = math.cos(math.radians(75.0))
    assert (grazing[cos < limit] == 0).all() and (grazing[cos >= limit] == 2.0).all()


def test_mask_erosion_removes_a_band_at_edges():
    mask = np.full((30, 30), -1, dtype=np.int16)
    mask[5:15, 5:15] = 1
    mask[5:15, 15:25] = 2  # touching instance
    eroded = erode_instances(mask, 2)
    assert (eroded == 1).sum() == 6 * 6 and (eroded == 2).sum() == 6 * 6
    assert (eroded[7:13, 7:13] == 1).all()
    full = np.full((8, 8), 3, dtype=np.int16)
    assert np.array_equal(erode_instances(full, 2), full)  # the image border is not an edge
    assert np.array_equal(erode_instances(mask, 0), mask)


def test_missed_detections_drop_whole_instances():
    mask = np.full((20, 20), -1, dtype=np.int16)
    for i in range(10):
        mask[i * 2:(i + 1) * 2, :] = i
    assert np.array_equal(faulty_mask(mask, FaultConfig(missed_detection=0.0), 0, 0), mask)
    assert (faulty_mask(mask, FaultConfig(missed_detection=1.0), 0, 0) == -1).all()
    half = faulty_mask(mask, FaultConfig(missed_detection=0.5), 5, 7)
    kept = set(np.unique(half[half >= 0]).tolist())
    assert 0 < len(kept) < 10
    for i in range(10):  # all or nothing per instance
        assert (half[mask == i] == i).all() or (half[mask == i] == -1).all()
    assert np.array_equal(half, faulty_mask(mask, FaultConfig(missed_detection=0.5), 5, 7))


def test_label_confusion_between_similar_categories():
    labels = {1: "chair", 2: "tv", 3: "gizmo"}
    always = confuse_labels(labels, FaultConfig(label_confusion=1.0), seed=0, frame=0)
    assert always[1] in ("stool", "sofa") and always[2] == "monitor" and always[3] == "gizmo"
    assert confuse_labels(labels, FaultConfig(), seed=0, frame=0) == labels
    custom = FaultConfig(label_confusion=1.0, confusable={"gizmo": ["widget"]})
    assert confuse_labels(labels, custom, seed=0, frame=0) == {1: "chair", 2: "tv", 3: "widget"}
    assert confuse_labels(labels, FaultConfig(label_confusion=1.0), 0, 0) == always


def test_default_confusion_map_is_well_formed():
    table = FaultConfig().confusion_map
    for label, others in table.items():
        assert others and label not in others
        assert all(other in table for other in others)  # a confused label can be confused back
    assert {"stool"} <= set(table["chair"]) and "counter" in table["table"] and "basket" in table["trash bin"]


# -- the faults of monocular perception --------------------------------------------------------
def test_depth_scale_is_one_factor_per_video_of_the_stated_spread():
    depth = np.linspace(0.5, 6.0, 120, dtype=np.float32).reshape(10, 12)
    config = FaultConfig(depth_scale=0.1)
    first, later = noisy_depth(depth, None, config, seed=4, frame=0), noisy_depth(depth, None, config, seed=4, frame=9)
    factor = first / depth
    assert np.allclose(factor, factor[0, 0], rtol=1e-6) and np.array_equal(first, later)  # the whole video, one factor
    pose = CameraPose(t=1.0, position=(1.0, -2.0, 1.5), quaternion=(0.0, 0.0, 0.0, 1.0))
    reported = drift_poses([pose], config, seed=4)[0]  # the camera moves at the depth's scale
    assert np.allclose(reported.position, factor[0, 0] * np.array(pose.position), rtol=1e-5)
    assert reported.quaternion == pose.quaternion
    logs = [math.log(float(noisy_depth(depth, None, config, seed=s, frame=0)[0, 0] / depth[0, 0])) for s in range(400)]
    assert abs(np.mean(logs)) < 0.015 and 0.088 < np.std(logs) < 0.112  # log-normal, σ = 0.1 (400 draws: ±6 %)


def test_depth_warp_is_smooth_bounded_and_lasts_its_frames():
    depth = np.full((48, 64), 2.0, dtype=np.float32)
    config = FaultConfig(depth_warp=0.05, warp_frames=10)
    ratio = noisy_depth(depth, None, config, seed=1, frame=3) / depth
    assert ratio.min() >= 0.95 - 1e-6 and ratio.max() <= 1.05 + 1e-6 and ratio.max() - ratio.min() > 0.02
    assert np.abs(np.diff(ratio, axis=1)).max() < 0.01 and np.abs(np.diff(ratio, axis=0)).max() < 0.01  # low frequency
    assert np.array_equal(ratio, noisy_depth(depth, None, config, seed=1, frame=9) / depth)  # same block of 10 frames
    assert not np.array_equal(ratio, noisy_depth(depth, None, config, seed=1, frame=10) / depth)


def test_mask_bleed_grows_instances_into_the_background_only():
    mask = np.full((30, 30), -1, dtype=np.int16)
    mask[10:20, 10:15] = 3
    mask[10:20, 15:20] = 5  # touching neighbours: neither bleeds into the other
    out = bleed_instances(mask, 3)
    assert np.array_equal(out[mask >= 0], mask[mask >= 0])
    assert out[15, 7] == 3 and out[15, 6] == -1 and out[15, 22] == 5 and out[15, 23] == -1  # 3 px, not 4
    assert out[7, 12] == 3 and out[22, 17] == 5 and out[7, 7] == -1  # corners: Euclidean distance √18 > 3
    assert np.array_equal(faulty_mask(mask, FaultConfig(mask_bleed=3), 0, 0), out)


def test_false_positives_are_poisson_ellipses_with_confusable_labels():
    mask = np.full((48, 64), -1, dtype=np.int16)
    mask[5:15, 5:15] = 2
    config = FaultConfig(false_positives=2.0)
    counts = []
    for frame in range(300):
        out, labels = add_false_positives(mask, {2: "chair"}, config, seed=0, frame=frame)
        extra = sorted(i for i in labels if i >= FALSE_POSITIVE_ID)
        counts.append(len(extra))
        assert extra == list(range(FALSE_POSITIVE_ID, FALSE_POSITIVE_ID + len(extra)))
        assert all(labels[i] in config.confusion_map for i in extra) and labels[2] == "chair"
    assert 1.8 < np.mean(counts) < 2.2 and 1.5 < np.var(counts) < 2.5  # Poisson: mean = variance = 2
    again = add_false_positives(mask, {2: "chair"}, config, seed=0, frame=7)
    assert np.array_equal(again[0], add_false_positives(mask, {2: "chair"}, config, seed=0, frame=7)[0])
    assert add_false_positives(mask, {2: "chair"}, FaultConfig(), seed=0, frame=0) == (mask, {2: "chair"})
    faulty = apply_frame_faults(7, np.ones((48, 64), np.float32), mask, {2: "chair"}, config, seed=0)
    assert set(faulty.labels) == {int(i) for i in np.unique(faulty.mask) if i >= 0}  # labels of what the mask shows


def test_the_monocular_preset_and_the_render_command_know_every_preset():
    from spatialcode.cli.render import render_command

    monocular = FaultConfig.preset("monocular")
    assert monocular.enabled and monocular.depth_scale > 0 and monocular.mask_bleed > 0 and monocular.false_positives > 0
    choices = next(p for p in render_command.params if p.name == "faults").type.choices
    assert set(choices) == set(FAULT_PRESETS)


def test_pose_drift_is_a_reproducible_random_walk():
    poses = [CameraPose.from_yaw_pitch(i / 10, (i * 0.05, 1.0, 1.5), 0.1 * i, -0.2) for i in range(200)]
    assert drift_poses(poses, FaultConfig(), seed=0) == poses
    config = FaultConfig(pose_drift=0.05, pose_drift_deg=1.0)
    drifted = drift_poses(poses, config, seed=0)
    assert drifted == drift_poses(poses, config, seed=0)
    assert drifted != drift_poses(poses, config, seed=1)
    offsets = np.linalg.norm(np.array([d.position for d in drifted]) - np.array([p.position for p in poses]), axis=1)
    assert offsets[0] == 0.0 and offsets[-1] > 0.0
    assert offsets[150:].mean() > offsets[:50].mean()  # grows with time
    assert [d.t for d in drifted] == [p.t for p in poses]


def test_invalid_options_are_clear_errors():
    with pytest.raises(ValidationError, match="missed_detection"):
        FaultConfig(missed_detection=1.5)
    with pytest.raises(ValidationError, match="mask_erosion"):
        FaultConfig(mask_erosion=-1)
    with pytest.raises(ValidationError, match="grazing"):
        FaultConfig(grazing_angle_deg=120)


def test_faults_change_rendered_outputs_but_not_the_ground_truth(tmp_path):
    faults = FaultConfig(depth_noise=0.01, depth_dropout=0.05, mask_erosion=1, missed_detection=0.3,
                         label_confusion=0.5, pose_drift=0.05, pose_drift_deg=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clean = render_scene(tiny_scene(), tmp_path / "clean", RenderConfig(path=TINY), progress=False)
        faulty = render_scene(tiny_scene(), tmp_path / "faulty", RenderConfig(path=TINY, faults=faults), progress=False)
        again = render_scene(tiny_scene(), tmp_path / "again", RenderConfig(path=TINY, faults=faults), progress=False)
    doc_c, depth_c, masks_c = load_frames(clean.out_dir)
    doc_f, depth_f, masks_f = load_frames(faulty.out_dir)
    doc_a, depth_a, masks_a = load_frames(again.out_dir)
    assert np.array_equal(depth_f, depth_a) and np.array_equal(masks_f, masks_a) and doc_f == doc_a
    assert (depth_f == 0).mean() == pytest.approx(0.05, abs=0.02)
    assert not np.array_equal(depth_f, depth_c)
    assert (masks_f >= 0).sum() < (masks_c >= 0).sum()
    assert np.all((masks_f == masks_c) | (masks_f == -1))  # faults only remove mask pixels
    assert doc_f["frames"][-1]["position"] != doc_c["frames"][-1]["position"]
    assert doc_f["faults"]["depth_noise"] == 0.01 and doc_c["faults"] is None
    reported = [label for f in doc_f["frames"] for label in f["labels"].values()]
    assert set(reported) - {o.label for o in clean.code.objects}  # some labels confused
    # the ground truth is the same: objects, first_seen, camera
    truth_c, truth_f = SpatialCode.load(clean.scene_path), SpatialCode.load(faulty.scene_path)
    assert truth_c.to_dict()["objects"] == truth_f.to_dict()["objects"]
    assert truth_c.camera == truth_f.camera
