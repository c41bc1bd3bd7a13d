"""The learned spatial encoder at a tiny size: shapes, rays, Hungarian matching, a forward and
backward pass reaching every parameter, and training steps lowering the loss on a fixed batch."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from spatialcode.core.errors import InputFileError, SpatialCodeError, ValidationError
from spatialcode.encode.learned import EncoderNetConfig, SpatialEncoderNet, match_boxes, spatial_encoder_loss
from spatialcode.encode.learned.model import ray_grid

CONFIG = EncoderNetConfig(num_classes=3, dim=16, heads=2, temporal_layers=1, decoder_layers=1, num_queries=4,
                          max_depth=6.0)


def _batch(clips: int = 2, frames: int = 3, height: int = 32, width: int = 48):
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(clips, frames, 3, height, width, generator=generator)
    poses = torch.eye(4).repeat(clips, frames, 1, 1)
    poses[..., :3, 3] = torch.rand(clips, frames, 3, generator=generator)
    intrinsics = torch.tensor([[40.0, 0, width / 2], [0, 40.0, height / 2], [0, 0, 1]]).repeat(clips, frames, 1, 1)
    targets = [{"labels": torch.tensor([0, 2]), "centres": torch.tensor([[1.0, 2.0, 0.5], [-1.0, 0.5, 1.0]]),
                "sizes": torch.tensor([[0.5, 0.4, 0.9], [1.2, 0.6, 0.8]]), "yaw": torch.tensor([0.3, -1.2]),
                "has_front": torch.tensor([True, False])},
               {"labels": torch.tensor([1]), "centres": torch.tensor([[0.0, 1.0, 0.4]]),
                "sizes": torch.tensor([[0.3, 0.3, 0.3]]), "yaw": torch.tensor([2.0]), "has_front": torch.tensor([False])}]
    cells = frames * (height // 8) * (width // 8)
    for target in targets:  # the category each feature cell sees: mostly none (3), some unknown (-1)
        target["cells"] = torch.full((cells,), 3)
        target["cells"][:5] = target["labels"][0]
        target["cells"][-3:] = -1
    depth = 1.0 + 3.0 * torch.rand(clips, frames, height, width, generator=generator)
    depth[..., :4, :] = 0.0  # unknown there
    return images, ray_grid(poses, intrinsics, height, width), targets, depth


def test_outputs_have_their_shapes_and_ranges():
    torch.manual_seed(0)
    net = SpatialEncoderNet(CONFIG)
    images, rays, _, _ = _batch()
    out = net(images, rays)
    assert out["logits"].shape == (2, 4, 4) and out["centres"].shape == (2, 4, 3) and out["log_sizes"].shape == (2, 4, 3)
    assert out["depth"].shape == (2, 3, 32, 48) and (out["depth"] >= 0).all() and (out["depth"] <= 6.0).all()
    assert out["token_logits"].shape == (2, 3 * 4 * 6, 4)
    assert out["heading_logits"].shape == out["heading_residuals"].shape == (2, 4, 12)  # the default 12 bins
    assert out["front_logits"].shape == (2, 4) and out["heading_residuals"].abs().max() <= 1.0
    assert "yaw" not in out  # the heading replaced the (cos, sin) yaw
    eight = SpatialEncoderNet(replace(CONFIG, heading_bins=8))(images, rays)
    assert eight["heading_logits"].shape == eight["heading_residuals"].shape == (2, 4, 8)
    with pytest.raises(ValidationError, match="multiples of 8"):
        net(images[..., :30, :], rays)
    with pytest.raises(ValidationError, match="rays: expected shape"):
        net(images, rays[:, :2])
    with pytest.raises(ValidationError, match="cannot fill 100 box slots"):
        SpatialEncoderNet(replace(CONFIG, num_queries=100))(images, rays)


def test_rays_put_a_z_depth_on_the_world_point():
    pose = torch.eye(4)
    pose[:3, :3] = torch.tensor([[0.0, 0, 1], [-1, 0, 0], [0, -1, 0]])  # camera looking along world +x, level
    pose[:3, 3] = torch.tensor([1.0, 2.0, 1.5])
    k = torch.tensor([[20.0, 0, 16], [0, 20.0, 12], [0, 0, 1]])
    rays = ray_grid(pose, k, 24, 32)
    assert rays.shape == (6, 3, 4)
    u, v, z = 3.5 + 8 * 2, 3.5 + 8 * 1, 2.5   # the centre of cell (row 1, column 2), 2.5 m away along the axis
    camera_point = torch.tensor([(u - 16) / 20 * z, (v - 12) / 20 * z, z])
    expected = pose[:3, :3] @ camera_point + pose[:3, 3]
    torch.testing.assert_close(rays[:3, 1, 2] + z * rays[3:, 1, 2], expected)
    torch.testing.assert_close(rays[:3, 0, 0], pose[:3, 3])


def test_slots_start_at_objectness_peaks_not_all_on_the_largest_object():
    from spatialcode.encode.learned.model import slot_tokens

    objectness = torch.zeros(1, 2, 4, 5)
    objectness[0, 0, :3, :3] = 0.8        # a large object in frame 0: nine object-like cells …
    objectness[0, 0, 1, 1] = 0.9          # … peaking at its middle
    objectness[0, 1, 3, 4] = 0.5          # a small object in frame 1 (token 20 + 3·5 + 4 = 39)
    assert sorted(slot_tokens(objectness, 2).tolist()[0]) == [6, 39]
    top = slot_tokens(objectness, 2, peaks=False).tolist()[0]
    assert top[0] == 6 and top[1] in {0, 1, 2, 5, 7, 10, 11, 12}  # both on the large object
    # peaks come first, even the faint ones of the background: no second slot on the large object
    four = set(slot_tokens(objectness, 4).tolist()[0])
    assert {6, 39} <= four and not four & {0, 1, 2, 5, 7, 10, 11, 12}
    # the tokens that are no peak come after every peak
    assert set(slot_tokens(torch.full((1, 1, 3, 3), 0.5) + torch.eye(3)[None, None] * 0.1, 4).tolist()[0]) >= {0, 4, 8}


def test_matching_finds_the_slot_of_each_box():
    true_centres = torch.tensor([[0.0, 0, 0], [3.0, 0, 0], [0, 3.0, 0]])
    true_log_sizes = torch.zeros(3, 3)
    labels = torch.tensor([1, 0, 2])
    order = [2, 0, 1, 3]  # slot s predicts box order[s] (slot 3: nothing near any box)
    centres = torch.stack([true_centres[i] if i < 3 else torch.tensor([9.0, 9, 9]) for i in order])
    logits = torch.full((4, 4), -5.0)
    for slot, box in enumerate(order[:3]):
        logits[slot, labels[box]] = 5.0
    slots, boxes = match_boxes(logits, centres, torch.zeros(4, 3), labels, true_centres, true_log_sizes)
    assert sorted(zip(slots.tolist(), boxes.tolist())) == [(0, 2), (1, 0), (2, 1)]
    assert match_boxes(logits, centres, torch.zeros(4, 3), labels[:0], true_centres[:0], true_log_sizes[:0])[0].size == 0


def test_backward_reaches_every_parameter_and_training_lowers_the_loss():
    torch.manual_seed(0)
    net = SpatialEncoderNet(CONFIG)
    images, rays, targets, depth = _batch()
    loss, terms = spatial_encoder_loss(net(images, rays), targets, depth)
    assert set(terms) == {"classes", "centre", "size", "heading", "residual", "front", "tokens", "depth"}
    assert all(math.isfinite(v) for v in terms.values())
    loss.backward()
    unreached = [name for name, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert unreached == []
    optimiser = torch.optim.AdamW(net.parameters(), lr=3e-3)
    losses = []
    for _ in range(60):  # the slots' tokens change as the token head learns: a noisy descent
        optimiser.zero_grad()
        loss, _ = spatial_encoder_loss(net(images, rays), targets, depth)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[1] < losses[0] and losses[-1] < 0.5 * losses[0], losses


def test_settings_are_validated():
    with pytest.raises(ValidationError, match="dim: must be a multiple of heads"):
        EncoderNetConfig(num_classes=3, dim=10, heads=4)
    with pytest.raises(ValidationError, match="num_classes"):
        EncoderNetConfig(num_classes=0)
    net = SpatialEncoderNet(CONFIG)  # the settings it was built from: 3 categories + "no object", 4 slots of width 16
    assert (net.class_head.out_features, net.token_head.out_features, net.queries.num_embeddings,
            net.queries.embedding_dim) == (4, 4, 4, 16)
    with pytest.raises(ValidationError, match="num_classes: the network needs its number of categories"):
        SpatialEncoderNet(replace(CONFIG, num_classes=None))
    with pytest.raises(ValidationError, match="image_backbone: 'nowhere' is neither 'cnn' nor a folder"):
        EncoderNetConfig(num_classes=3, image_backbone="nowhere")
    with pytest.raises(ValidationError, match="heading_bins: must be a multiple of 4, got 10"):
        EncoderNetConfig(num_classes=3, heading_bins=10)
    with pytest.raises(ValidationError, match="heading_bins"):
        EncoderNetConfig(num_classes=3, heading_bins=0)


def test_pretrained_backbones_are_frozen_and_their_projections_learn(tmp_path):
    from tests.vision_fixtures import make_tiny_depth_model, make_tiny_detector, make_tiny_tracker

    config = replace(CONFIG, image_backbone=make_tiny_tracker(tmp_path / "sam2"),
                     depth_backbone=make_tiny_depth_model(tmp_path / "depth-anything"))
    torch.manual_seed(0)
    net = SpatialEncoderNet(config).train()
    assert not net.image_backbone.encoder.training and not net.depth_backbone.encoder.training
    images, rays, targets, depth = _batch()
    out = net(images, rays)
    assert out["logits"].shape == (2, 4, 4) and out["depth"].shape == (2, 3, 32, 48)
    frozen = {name: p.detach().clone() for name, p in net.named_parameters() if ".encoder." in name}
    assert frozen and not any(p.requires_grad for name, p in net.named_parameters() if name in frozen)
    loss, _ = spatial_encoder_loss(out, targets, depth)
    loss.backward()
    trained = [p for p in net.parameters() if p.requires_grad]
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in trained)  # the projections included
    torch.optim.AdamW(trained, lr=1e-2).step()
    assert all(torch.equal(p, frozen[name]) for name, p in net.named_parameters() if name in frozen)
    with pytest.raises(SpatialCodeError, match="a 'owlv2' checkpoint; expected SAM-2"):
        SpatialEncoderNet(replace(CONFIG, depth_backbone=make_tiny_detector(tmp_path / "owl")))


def test_clips_of_a_render_carry_the_boxes_they_show(tmp_path):
    from spatialcode.demo import demo_scene
    from spatialcode.encode import RenderFolderSource
    from spatialcode.encode.learned.data import ClipConfig, render_clips
    from spatialcode.scene import SpatialCode
    from spatialcode.synth.camera_path import PathConfig
    from spatialcode.synth.categories import CATEGORIES
    from spatialcode.synth.render import RenderConfig, render_scene

    with pytest.warns(UserWarning, match="camera path compressed"):  # 30 frames for the whole walk
        render_scene(demo_scene(), tmp_path / "r", RenderConfig(path=PathConfig(width=96, height=72, max_frames=30)), progress=False)
    truth = SpatialCode.load(tmp_path / "r" / "scene.json")
    vocabulary = tuple(CATEGORIES)
    clips = list(render_clips(tmp_path / "r", ClipConfig(frames=3, frame_gap=4, width=64, height=48), vocabulary))
    assert len(clips) == 2  # frames 0, 4, 8 and 12, 16, 20 (24, 28 make no full clip)
    clip = clips[1]
    assert clip.images.shape == (3, 3, 48, 64) and clip.images.dtype == np.uint8 and clip.images.std() > 10
    assert clip.depth.shape == (3, 48, 64) and clip.depth.max() > 0.5 and clip.poses.shape == (3, 4, 4)
    np.testing.assert_allclose(clip.poses[1], truth.camera[16].matrix(), atol=1e-5)
    native = RenderFolderSource(tmp_path / "r").intrinsics
    np.testing.assert_allclose(clip.intrinsics[[0, 1], [0, 1]], [native.fx * 64 / 96, native.fy * 48 / 72], rtol=1e-5)
    np.testing.assert_allclose(clip.intrinsics[:2, 2], [(native.cx + 0.5) * 2 / 3 - 0.5, (native.cy + 0.5) * 2 / 3 - 0.5])
    assert 0 < len(clip.labels) <= len(truth.objects) and len(clip.centres) == len(clip.sizes) == len(clip.yaw) == len(clip.labels)
    by_centre = {tuple(np.round(o.box.center, 4)): o for o in truth.objects}
    for label, centre, size in zip(clip.labels, clip.centres, clip.sizes):
        obj = by_centre[tuple(np.round(centre.astype(float), 4))]
        assert vocabulary[label] == obj.label and np.allclose(size, obj.box.size, atol=1e-5)
    # each 8 × 8 cell: a category the clip shows, or none (the vocabulary's size)
    assert clip.cells.shape == (3, 6, 8) and set(np.unique(clip.cells)) <= set(clip.labels.tolist()) | {len(vocabulary)}
    assert (clip.cells < len(vocabulary)).sum() >= 4


def test_each_cell_takes_the_category_covering_most_of_it():
    from spatialcode.encode.learned.data import cell_labels

    instances = np.full((16, 24), -1)
    instances[0:8, 0:8] = 7          # cell (0, 0): wholly object 7
    instances[0:3, 8:16] = 7         # cell (0, 1): 24 of 64 pixels of object 7, the rest nothing
    instances[0:2, 16:24] = 5        # cell (0, 2): 16 pixels (a quarter) of object 5 …
    instances[2:3, 16:24] = 9        # … and 8 of object 9, whose label is not learned
    instances[8:16, 0:8] = 9         # cell (1, 0): object 9 only
    instances[8:11, 8:13] = 5        # cell (1, 1): 15 pixels of object 5, less than a quarter
    labels = cell_labels(instances, {7: 2, 5: 0}, background=3)
    assert labels.tolist() == [[2, 2, 0], [3, 3, 3]]


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    """Two 16-frame renders of the demo scene at 64 × 48 (different camera walks)."""
    from spatialcode.demo import demo_scene
    from spatialcode.synth.camera_path import PathConfig
    from spatialcode.synth.render import RenderConfig, render_scene

    root = tmp_path_factory.mktemp("renders")
    for seed in (1, 2):
        with pytest.warns(UserWarning, match="camera path compressed"):
            render_scene(demo_scene(), root / f"s{seed}", RenderConfig(path=PathConfig(width=64, height=48, max_frames=16), seed=seed),
                         progress=False)
    return root


def test_training_runs_logs_and_resumes_from_the_cli(tmp_path, renders):
    import json

    from tests.test_cli import run

    config = tmp_path / "encoder.yaml"
    config.write_text(f"renders: {renders}\noutput_dir: {tmp_path / 'run'}\n"
                      "clip: {frames: 2, frame_gap: 4, width: 32, height: 24}\n"
                      "net: {dim: 16, heads: 2, decoder_layers: 1, num_queries: 4}\n"
                      "batch_size: 2\nmax_steps: 3\nsave_steps: 2\n")
    first = run("train", "encoder", "--config", str(config))
    assert first.returncode == 0, first.stderr
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3] and rows[0]["clips"] == 4  # 2 renders × 2 clips of 2 frames
    assert all(math.isfinite(r["loss"]) and r["peak_memory_mb"] > 0 for r in rows)
    resumed = run("train", "encoder", "--config", str(config), "--set", "max_steps=5")
    assert resumed.returncode == 0, resumed.stderr
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3, 4, 5]  # went on from the checkpoint of step 3
    from tests.test_encode_learned_heading import _old_model

    (tmp_path / "old").mkdir()  # a run begun before the network had its heading output cannot go on
    torch.save({"net": torch.load(_old_model(tmp_path / "old.pt"), weights_only=True)["net"], "optimiser": {}, "step": 1},
               tmp_path / "old" / "checkpoint.pt")
    old = run("train", "encoder", "--config", str(config), "--set", f"output_dir={tmp_path / 'old'}")
    assert old.returncode == 2 and len(old.stderr.strip().splitlines()) == 1, old.stderr
    assert "checkpoint.pt: saved before the encoder had its heading output" in old.stderr
    state = torch.load(tmp_path / "run" / "final.pt", weights_only=True)
    assert state["net_config"]["dim"] == 16 and len(state["vocabulary"]) == state["net_config"]["num_classes"]
    bad = run("train", "encoder", "--set", f"renders={tmp_path / 'nothing'}", "--set", f"output_dir={tmp_path / 'bad'}")
    assert bad.returncode == 2 and "no render folders" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "bad").exists()


def test_the_trained_network_encodes_a_video_into_a_spatial_code(tmp_path, renders):
    from spatialcode.core.config import build_config
    from spatialcode.encode import RenderFolderSource
    from spatialcode.encode.learned.infer import LearnedEncoder, LearnedInferenceConfig
    from spatialcode.encode.learned.train import EncoderTrainConfig, run_encoder_training
    from spatialcode.scene import SpatialCode
    from spatialcode.synth.categories import CATEGORIES

    final = run_encoder_training(build_config(EncoderTrainConfig, {
        "renders": str(renders), "output_dir": str(tmp_path / "run"), "batch_size": 1, "max_steps": 2, "save_steps": 2,
        "clip": {"frames": 2, "frame_gap": 4, "width": 32, "height": 24},
        "net": {"dim": 16, "heads": 2, "decoder_layers": 1, "num_queries": 4}}))
    everything = LearnedEncoder(final, LearnedInferenceConfig(threshold=0.0, merge_iou=1.0)).encode(
        RenderFolderSource(renders / "s1"))
    assert len(everything.camera) == 16 and everything.provenance.producer == "encode-learned"
    assert everything.objects and all(o.label in CATEGORIES and o.box.size[0] > 0 for o in everything.objects)
    firsts = [o.first_seen for o in everything.objects]
    assert firsts == sorted(firsts)  # in order of first sight
    # every yaw is the heading; has_front: the facing table, then the network; facing_confidence: the bin's probability
    encoder = LearnedEncoder(final, LearnedInferenceConfig(threshold=0.0, merge_iou=1.0))
    for label, front_logit, expected in (("chair", 30.0, (True, 1.0)), ("chair", -30.0, (None, None)),
                                         ("table", 30.0, (False, None))):
        with torch.no_grad():
            encoder.net.class_head.bias.fill_(-30.0)
            encoder.net.class_head.bias[encoder.vocabulary.index(label)] = 30.0
            last = encoder.net.facing_head[-1]
            last.weight.zero_()
            last.bias.zero_()                  # residuals tanh(0) = 0 …
            last.bias[:12] = -30.0
            last.bias[4] = 30.0                # … in heading bin 4 of 12: 120°
            last.bias[-1] = front_logit        # the has-front logit
        code = encoder.encode(RenderFolderSource(renders / "s1"))
        assert code.objects and {o.label for o in code.objects} == {label}
        assert all(o.box.yaw == pytest.approx(2 * math.pi / 3) for o in code.objects)
        assert {(o.has_front, o.facing_confidence) for o in code.objects} == {expected}
    assert SpatialCode.from_dict(code.to_dict()).objects[0].has_front is False
    none = LearnedEncoder(final, LearnedInferenceConfig(threshold=1.0)).encode(RenderFolderSource(renders / "s1"))
    assert none.objects == () and len(none.camera) == 16
    from tests.test_cli import run

    result = run("encode", str(renders / "s2"), "--perception", "learned", "--encoder-model", str(final), "--out",
                 str(tmp_path / "s2.json"), "--no-progress")
    assert result.returncode == 0 and "encoded 16 frames:" in result.stderr, result.stderr
    assert SpatialCode.load(tmp_path / "s2.json").provenance.producer == "encode-learned"
    from tests.test_encode_learned_heading import _old_model

    old = run("encode", str(renders / "s2"), "--perception", "learned", "--encoder-model", str(_old_model(tmp_path / "old.pt")),
              "--out", str(tmp_path / "old.json"))
    assert old.returncode == 2 and len(old.stderr.strip().splitlines()) == 1, old.stderr
    assert "old.pt: saved before the encoder had its heading output" in old.stderr and not (tmp_path / "old.json").exists()
    missing = run("encode", str(renders / "s2"), "--perception", "learned", "--out", str(tmp_path / "x.json"))
    assert missing.returncode == 2 and "perception='learned' needs encoder_model" in missing.stderr
    # the settings beside the model are its defaults; an explicit config wins
    (final.parent / "inference.yaml").write_text("threshold: 1.0\n")
    assert LearnedEncoder(final).config.threshold == 1.0
    assert LearnedEncoder(final, LearnedInferenceConfig(threshold=0.0)).config.threshold == 0.0
    (final.parent / "inference.yaml").write_text("threshold: 2\n")
    with pytest.raises(InputFileError, match=r"inference\.yaml: threshold"):
        LearnedEncoder(final)
    with pytest.raises(InputFileError, match="no such encoder model"):
        LearnedEncoder(tmp_path / "absent.pt")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(InputFileError, match="not a spatial encoder model"):
        LearnedEncoder(tmp_path / "junk.pt")


def test_overlapping_detections_of_a_category_become_one_object():
    from spatialcode.encode.learned.infer import Detection, LearnedInferenceConfig, merge_detections
    from spatialcode.geometry import Box3D

    detections = [Detection("chair", Box3D((0, 0, 0.5), (0.5, 0.5, 1.0)), 0.9, 2.0, 1.0, 0.5),
                  Detection("chair", Box3D((0.1, 0, 0.5), (0.5, 0.5, 1.0)), 0.6, 1.0, 1.0, 0.5),
                  Detection("table", Box3D((0.1, 0, 0.5), (0.5, 0.5, 1.0)), 0.8, 0.5, 1.0, 0.5),
                  Detection("chair", Box3D((3, 0, 0.5), (0.5, 0.5, 1.0)), 0.7, 3.0, 1.0, 0.5),
                  Detection("chair", Box3D((0.8, 0, 0.5), (0.5, 0.5, 1.0)), 0.65, 4.0, 1.0, 0.5)]  # touches no chair above 0.2
    objects = merge_detections(detections, LearnedInferenceConfig(merge_iou=0.2, min_detections=1))
    assert [(o.label, o.observations, o.first_seen) for o in objects] == [("table", 1, 0.5), ("chair", 2, 1.0),
                                                                          ("chair", 1, 3.0), ("chair", 1, 4.0)]
    assert objects[1].box.center[0] == pytest.approx(0.1 * 0.6 / 1.5)  # confidence-weighted
    # within 1 m on the floor plane is one object too; the far chair stays apart
    near = merge_detections(detections, LearnedInferenceConfig(merge_iou=0.2, merge_distance=1.0))
    assert [(o.label, o.observations) for o in near] == [("table", 1), ("chair", 3), ("chair", 1)]
    # across categories the table joins the chair (more confidence says chair: 0.9 + 0.6 against 0.8)
    merged = merge_detections(detections, LearnedInferenceConfig(merge_iou=0.2, merge_labels=True))
    assert [(o.label, o.observations, o.first_seen) for o in merged] == [("chair", 3, 0.5), ("chair", 1, 3.0),
                                                                         ("chair", 1, 4.0)]
    # objects found only once are dropped with min_detections 2, detections under the threshold first
    assert [o.observations for o in merge_detections(detections, LearnedInferenceConfig(min_detections=2))] == [2]
    assert [o.observations for o in merge_detections(detections, LearnedInferenceConfig(threshold=0.7))] == [1, 1, 1]
    with pytest.raises(ValidationError, match="merge_distance"):
        LearnedInferenceConfig(merge_distance=-1.0)
    with pytest.raises(ValidationError, match="min_detections"):
        LearnedInferenceConfig(min_detections=0)


def test_detection_ap_and_depth_error():
    from spatialcode.encode.learned.metrics import depth_abs_rel, detection_ap
    from spatialcode.geometry import Box3D
    from spatialcode.scene import SpatialCode, SpatialObject

    def code(*objects):
        return SpatialCode(objects=tuple(SpatialObject(id=i, label=label, box=Box3D(centre, (1.0, 1.0, 1.0)),
                                                       confidence=score) for i, (label, centre, score) in enumerate(objects)))

    truth = [code(("chair", (0, 0, 0), None), ("chair", (5, 0, 0), None), ("sofa", (0, 5, 0), None))]
    perfect = [code(("chair", (0, 0, 0), 0.9), ("chair", (5, 0, 0), 0.8), ("sofa", (0, 5, 0), 0.7))]
    assert detection_ap(perfect, truth, 0.5) == {"chair": 1.0, "sofa": 1.0}
    # the most confident chair is a false alarm, then both true chairs: precision 1/2 then 2/3 → AP = 2/3
    ranked = [code(("chair", (9, 9, 0), 0.95), ("chair", (0, 0, 0), 0.9), ("chair", (5, 0.3, 0), 0.8))]
    scores = detection_ap(ranked, truth, 0.5)
    assert scores["chair"] == pytest.approx(2 / 3) and scores["sofa"] == 0.0
    # a box shifted by 0.3 m has IoU 0.54: a hit at 0.5, and at 0.25, not at 0.7
    assert detection_ap(ranked, truth, 0.7)["chair"] == pytest.approx(0.5 * 0.5)  # only the exact chair, ranked 2nd
    duplicates = [code(("chair", (0, 0, 0), 0.9), ("chair", (0, 0, 0), 0.8))]  # a second box on the same chair
    assert detection_ap(duplicates, truth, 0.5)["chair"] == pytest.approx(0.5)
    assert depth_abs_rel(np.array([1.0, 2.2, 7.0]), np.array([1.0, 2.0, 0.0])) == pytest.approx(0.05)
