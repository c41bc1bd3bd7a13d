"""The learned encoder's heading output (bins + residual, as 3D detectors code it), its loss (a
front's flip costs, a symmetric object's does not), how detections decide has_front and
facing_confidence, old models refused in one line, and the benchmark's facing figures — all on
hand-worked values and tiny random networks."""

from __future__ import annotations

import importlib.util
import math
from dataclasses import asdict
from pathlib import Path

import pytest
import torch

from spatialcode.core.errors import InputFileError
from spatialcode.encode.learned import EncoderNetConfig, SpatialEncoderNet, spatial_encoder_loss
from spatialcode.encode.learned.heading import decode_heading, encode_heading, equivalent_bins, predicted_heading, symmetry_turns
from spatialcode.encode.learned.losses import heading_loss
from spatialcode.geometry import Box3D
from spatialcode.scene import Source, SpatialCode, SpatialObject

ROOT = Path(__file__).resolve().parents[1]
DEG = math.pi / 180


def test_a_heading_is_its_bin_centre_plus_its_residual_around_the_circle():
    # 12 bins of 30°, bin k centred on 30k°; a residual is a share of half a bin (15°)
    got = decode_heading(torch.tensor([0, 3, 0, 11, 6]), torch.tensor([0.0, 0.5, -0.5, 1.0, -1.0]), 12)
    torch.testing.assert_close(got, torch.tensor([0.0, 97.5, 352.5, 345.0, 165.0]) * DEG)  # -7.5° wraps to 352.5°
    index, residual = encode_heading(torch.tensor([-0.1, 350.0 * DEG, 100.0 * DEG, 7 * math.pi, 344.0 * DEG]), 12)
    assert index.tolist() == [0, 0, 3, 6, 11]
    torch.testing.assert_close(residual, torch.tensor([-0.1 / (15 * DEG), -10 / 15, 10 / 15, 0.0, 14 / 15]),
                               atol=1e-5, rtol=0)
    # decoding what was encoded gives the yaw back on [0, 2π)
    torch.testing.assert_close(decode_heading(index, residual, 12),
                               torch.tensor([2 * math.pi - 0.1, 350 * DEG, 100 * DEG, math.pi, 344 * DEG]))
    # the network's heading: the most likely bin (bin 1 of four 90° bins) and its residual (+22.5°)
    logits = torch.tensor([[0.0, 3.0, 1.0, 0.0]])
    heading, probability = predicted_heading(logits, torch.tensor([[0.9, 0.5, -0.7, 0.0]]))
    torch.testing.assert_close(heading, torch.tensor([112.5 * DEG]))
    torch.testing.assert_close(probability, torch.tensor([math.e ** 3 / (math.e ** 3 + math.e + 2)]))


def test_symmetric_headings_are_half_or_quarter_turns():
    sizes = torch.tensor([[1.0, 0.5, 0.4], [0.5, 0.46, 1.0], [0.5, 0.44, 1.0], [0.5, 0.5, 0.9]])
    assert symmetry_turns(torch.tensor([False, False, False, True]), sizes).tolist() == [2, 4, 2, 1]
    allowed = equivalent_bins(torch.tensor([11, 11, 4]), torch.tensor([4, 2, 1]), 12)
    assert [torch.nonzero(row).ravel().tolist() for row in allowed] == [[2, 5, 8, 11], [5, 11], [4]]


def test_the_heading_loss_is_nothing_when_right_and_a_flip_costs_only_a_front():
    yaw = torch.tensor([100.0 * DEG])          # four 90° bins: bin 1, residual 10° of 45° = 2/9
    right = torch.tensor([[0.0, 20.0, 0.0, 0.0]])
    flipped = torch.tensor([[0.0, 0.0, 0.0, 20.0]])   # bin 3: half a turn away
    quarter = torch.tensor([[0.0, 0.0, 20.0, 0.0]])   # bin 2: a quarter turn away
    residuals = torch.full((1, 4), 2 / 9)
    front, oblong, square = torch.tensor([1]), torch.tensor([2]), torch.tensor([4])
    bins, residual = heading_loss(right, residuals, yaw, front)
    assert bins.item() == pytest.approx(math.log(1 + 3 * math.exp(-20)), abs=1e-6) and residual.item() == pytest.approx(0.0, abs=1e-9)
    assert heading_loss(flipped, residuals, yaw, front)[0].item() == pytest.approx(20.0, abs=1e-5)
    # an object without a front: half a turn costs nothing (bin 3 or bin 1 are the same box) …
    assert heading_loss(flipped, residuals, yaw, oblong)[0].item() == pytest.approx(0.0, abs=1e-6)
    # … a quarter turn does for an oblong footprint (−log of e⁰ + e⁰ over e²⁰), not for a square one
    assert heading_loss(quarter, residuals, yaw, oblong)[0].item() == pytest.approx(20.0 - math.log(2), abs=1e-5)
    assert heading_loss(quarter, residuals, yaw, square)[0].item() == pytest.approx(0.0, abs=1e-6)
    # uniform bins: −log of the probability on the equivalent bins: 1/4, 2/4, 4/4
    uniform = torch.zeros(3, 4)
    terms, _ = heading_loss(uniform, torch.zeros(3, 4), yaw.repeat(3), torch.tensor([1, 2, 4]))
    torch.testing.assert_close(terms, torch.tensor([math.log(4), math.log(2), 0.0]))
    # the residual: smooth L1 (β = 1) in the true bin, or in the equivalent bin the network prefers
    off = torch.tensor([[0.0, 2 / 9 + 0.5, 0.0, -1.0]])
    assert heading_loss(right, off, yaw, front)[1].item() == pytest.approx(0.5 * 0.5 ** 2)
    assert heading_loss(flipped, torch.tensor([[0.0, -1.0, 0.0, 2 / 9]]), yaw, oblong)[1].item() == pytest.approx(0.0)
    assert heading_loss(flipped, torch.tensor([[0.0, 2 / 9, 0.0, -1.0]]), yaw, oblong)[1].item() == pytest.approx(
        (1 + 2 / 9) - 0.5)  # the preferred bin 3 is off by 11/9: the L1 part


def _outputs(heading_bin: int, front_logit: float) -> dict[str, torch.Tensor]:
    """Hand-built network outputs for one clip of one true box (label 0, centre (1, 2, 0.5), size
    (1.0, 0.5, 0.8), yaw 0): slot 0 predicts it exactly but for its heading bin (of 4) and
    has-front logit, slot 1 predicts nothing."""
    logits = torch.tensor([[[9.0, -9.0, -9.0], [-9.0, -9.0, 9.0]]])
    heading = torch.full((1, 2, 4), -20.0)
    heading[0, :, heading_bin] = 20.0
    return {"logits": logits, "centres": torch.tensor([[[1.0, 2.0, 0.5], [5.0, 5.0, 5.0]]]),
            "log_sizes": torch.tensor([[1.0, 0.5, 0.8], [1.0, 1.0, 1.0]]).log()[None],
            "heading_logits": heading, "heading_residuals": torch.zeros(1, 2, 4),
            "front_logits": torch.tensor([[front_logit, 0.0]]), "token_logits": torch.zeros(1, 3, 3)}


@pytest.mark.parametrize("has_front", [True, False])
def test_the_batch_loss_takes_has_front_from_the_targets(has_front):
    target = [{"labels": torch.tensor([0]), "centres": torch.tensor([[1.0, 2.0, 0.5]]),
               "sizes": torch.tensor([[1.0, 0.5, 0.8]]), "yaw": torch.tensor([0.0]),
               "has_front": torch.tensor([has_front]), "cells": torch.full((3,), -1)}]
    sign = 10.0 if has_front else -10.0
    _, right = spatial_encoder_loss(_outputs(0, sign), target)
    _, flipped = spatial_encoder_loss(_outputs(2, sign), target)
    _, unsure = spatial_encoder_loss(_outputs(0, -sign), target)
    assert right["heading"] < 1e-6 and right["residual"] == 0.0 and right["front"] == pytest.approx(math.log1p(math.exp(-10)), abs=1e-6)
    assert flipped["heading"] == pytest.approx(40.0 if has_front else 0.0, abs=1e-5)
    assert unsure["front"] == pytest.approx(10.0, abs=1e-3)


def test_detections_decide_has_front_from_the_table_and_the_network():
    from spatialcode.encode.learned.infer import Detection, LearnedInferenceConfig, decide_front, merge_detections

    assert [decide_front("table", 0.99), decide_front("chair", 0.5), decide_front("office chair", 0.49)] == [False, True, None]
    box = Box3D((0, 0, 0.45), (0.5, 0.5, 0.9), (0.0, 0.0, 1.25))
    far = Box3D((4, 0, 0.45), (0.5, 0.5, 0.9), (0.0, 0.0, 2.0))
    detections = [Detection("chair", box, 0.9, 0.0, front=0.4, facing=0.8),   # the object takes its yaw and facing
                  Detection("chair", box, 0.6, 1.0, front=0.8, facing=0.3),   # front: (0.9·0.4 + 0.6·0.8) / 1.5 = 0.56
                  Detection("table", far, 0.8, 0.0, front=0.9, facing=0.9),
                  Detection("sofa", Box3D((0, 4, 0.4), (0.9, 2.0, 0.8)), 0.7, 2.0, front=0.2, facing=0.9)]
    chair, table, sofa = merge_detections(detections, LearnedInferenceConfig(merge_iou=0.5))
    assert (chair.label, chair.has_front, chair.facing_confidence, chair.box.yaw) == ("chair", True, 0.8, 1.25)
    assert (table.has_front, table.facing_confidence, table.box.yaw) == (False, None, 2.0)
    assert (sofa.has_front, sofa.facing_confidence) == (None, None)


def _old_model(path: Path) -> Path:
    """A final.pt as `spatialcode train encoder` saved it before the heading output: a box head
    of 8 numbers (centre, log size, cos and sin of the yaw), no facing head, no heading_bins."""
    torch.manual_seed(0)
    config = EncoderNetConfig(num_classes=3, dim=16, heads=2, decoder_layers=1, num_queries=4)
    weights = {k: v for k, v in SpatialEncoderNet(config).state_dict().items() if not k.startswith("facing_head.")}
    weights["box_head.2.weight"], weights["box_head.2.bias"] = torch.zeros(8, 16), torch.zeros(8)
    net_config = {k: v for k, v in asdict(config).items() if k != "heading_bins"}
    torch.save({"net": weights, "net_config": net_config, "vocabulary": ["chair", "table", "sofa"],
                "clip": {"frames": 2, "frame_gap": 4, "width": 32, "height": 24}}, path)
    return path


def test_a_model_from_before_the_heading_output_is_refused_in_one_line(tmp_path):
    from spatialcode.encode.learned.infer import LearnedEncoder

    with pytest.raises(InputFileError, match=r"old\.pt: saved before the encoder had its heading output") as caught:
        LearnedEncoder(_old_model(tmp_path / "old.pt"))
    assert "\n" not in str(caught.value) and "retrain it" in str(caught.value)


def test_the_benchmark_scores_facing_and_perspective_of_each_code(tmp_path):
    spec = importlib.util.spec_from_file_location("learned_encoder_bench", ROOT / "benchmarks" / "learned_encoder.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    def code(chair_yaw: float, first_seen: float | None = 0.0, front: bool | None = True) -> SpatialCode:
        chair = Box3D((0, 0, 0.45), (0.5, 0.5, 0.9), (0.0, 0.0, chair_yaw))
        return SpatialCode(objects=(SpatialObject(0, "chair", chair, first_seen=first_seen, has_front=front),
                                    SpatialObject(1, "lamp", Box3D((0, 1.5, 0.7), (0.3, 0.3, 1.4)), first_seen=0.0)),
                           source=Source(scene_name="s"))

    truth = [code(0.0)]  # the lamp is to the chair's left
    flipped = bench.facing_figures(truth, [code(math.pi)])
    assert flipped["facing"]["chair"]["median"] == pytest.approx(180.0) and flipped["facing"]["chair"]["flipped"] == 1.0
    assert flipped["perspective"] == {"questions": 1, "encoded_accuracy": 0.0, "cannot_answer": 0, "truth_code_accuracy": 1.0}
    close = bench.facing_figures(truth, [code(10 * DEG)])
    assert close["facing"]["all"]["median"] == pytest.approx(10.0) and close["perspective"]["encoded_accuracy"] == 1.0
    table = "\n".join(bench.facing_table({"learned": flipped, "geometric": close}))
    assert "| learned | 1 | 0.0 % | 0 | 100.0 % |" in table and "| chair | 1 | 180.0 | 180.0 | 0 % | 0 % | 100 % |" in table
    # the truth of a render made before objects had has_front takes it from the facing table
    (tmp_path / "r").mkdir()
    SpatialCode(objects=code(0.0, front=None).objects + (SpatialObject(2, "sofa", Box3D((3, 0, 0.4), (0.9, 2.0, 0.8))),),
                source=Source(scene_name="s")).save(tmp_path / "r" / "scene.json")
    shown = bench.shown_truth(tmp_path / "r")
    assert [(o.label, o.has_front) for o in shown.objects] == [("chair", True), ("lamp", False)]  # the sofa: never seen
