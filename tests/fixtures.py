"""Small data fixtures shared by several test modules."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from spatialcode.geometry import Box3D, matrix_to_euler
from spatialcode.scene import Room, Source, SpatialCode, SpatialObject

# A 30° yaw box written the annotation way: rows of normalizedAxes are the box axes.
_C, _S = np.cos(np.radians(30)), np.sin(np.radians(30))
META = {
    "scene0001_00": {
        "dataset": "scannet",
        "room_size": 21.5,
        "room_center": [1.0, 2.0, 0.1],
        "object_counts": {"chair": 3, "table": 1},
        "object_bbox": {
            "chair": [
                {"centroid": [1, 1, 0.4], "axesLengths": [0.5, 0.6, 0.9], "normalizedAxes": [_C, _S, 0, -_S, _C, 0, 0, 0, 1]},
                {"centroid": [2, 1, 0.4], "axesLengths": [0.5, 0.6, 0.9], "normalizedAxes": [1, 0, 0, 0, 1, 0, 0, 0, 1]},
            ],
            "table": [
                # left-handed axes (det −1): the same box as the right-handed one
                {"centroid": [3, 3, 0.4], "axesLengths": [1.2, 0.8, 0.75], "normalizedAxes": [1, 0, 0, 0, 1, 0, 0, 0, -1]},
            ],
        },
    }
}


#: The dev half of VSI-Bench beside the checkout (``../shared/data/vsibench-dev``): there in CI,
#: which sets ``SPATIALCODE_REQUIRE_DEV_DATA=1`` (``.ci/run``) so that its absence fails instead of skipping.
DEV_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "vsibench-dev"


def dev_data(path: Path, what: str) -> Path:
    """``path`` (a file or folder of :data:`DEV_DATA`) when it is there; else the test fails where
    ``SPATIALCODE_REQUIRE_DEV_DATA=1`` and is skipped (naming ``what``) elsewhere."""
    import pytest

    if path.exists():
        return path
    if os.environ.get("SPATIALCODE_REQUIRE_DEV_DATA") == "1":
        pytest.fail(f"the VSI-Bench dev {what} are required here (SPATIALCODE_REQUIRE_DEV_DATA=1) but {path} is missing")
    pytest.skip(f"the VSI-Bench dev {what} are not beside this checkout ({path}); CI has them")


def random_box(rng: np.random.Generator, upright: bool, spread: float = 1.5) -> Box3D:
    """A box with centre in [-spread, spread]³, sides 0.1–1.5 m, random yaw (``upright``) or
    a uniformly random rotation."""
    if upright:
        rotation = (0.0, 0.0, rng.uniform(-math.pi, math.pi))
    else:
        rotation = matrix_to_euler(Rotation.random(random_state=rng).as_matrix())
    return Box3D(tuple(rng.uniform(-spread, spread, 3)), tuple(rng.uniform(0.1, 1.5, 3)), rotation)


def random_pairs(seed: int, count: int, upright: bool = False, spread: float = 1.5):
    """Yield ``count`` pairs of :func:`random_box` boxes from a generator seeded with ``seed``."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        yield random_box(rng, upright, spread), random_box(rng, upright, spread)


def inside(box: Box3D, points: np.ndarray, slack: float = 1e-9) -> np.ndarray:
    """Manual membership test: local coordinates within the half sides."""
    local = (np.atleast_2d(points) - np.array(box.center)) @ box.rotation_matrix
    return np.all(np.abs(local) <= np.array(box.size) / 2 + slack, axis=1)


def tiny_scene() -> SpatialCode:
    """A 4 × 3 m room with a chair, a table, a cabinet against a wall, a tilted crate and a
    picture hanging on a wall."""
    objects = [
        SpatialObject(3, "chair", Box3D((1.0, 1.0, 0.45), (0.5, 0.5, 0.9), (0.0, 0.0, 0.3))),
        SpatialObject(5, "table", Box3D((2.4, 1.5, 0.375), (1.2, 0.8, 0.75))),
        SpatialObject(7, "cabinet", Box3D((3.7, 2.4, 0.6), (0.5, 0.9, 1.2), (0.0, 0.0, math.pi))),
        SpatialObject(9, "crate", Box3D((0.7, 2.4, 0.3), (0.4, 0.3, 0.35), (0.3, 0.2, 0.6))),
        SpatialObject(11, "picture", Box3D((2.0, 2.97, 1.5), (0.04, 0.8, 0.6), (0.0, 0.0, -math.pi / 2))),
    ]
    return SpatialCode(objects=tuple(objects), room=Room(polygon=((0, 0), (4, 0), (4, 3), (0, 3))),
                       source=Source(dataset="test", scene_name="tiny"))


def render_walkthrough(frames: int = 40, size: tuple[int, int] = (128, 96)) -> tuple[list, list]:
    """The first ``frames`` frames (10 frames/s, the renderer's own pace: ≤ 5 cm and ≤ 6° per
    frame) of the tiny scene's planned walkthrough, rendered at ``size`` in memory, as
    (encoder Frames with RGB and depth but no pose, the true CameraPoses). (``render_scene`` with
    a frame cap would compress the whole path into the frames.)"""
    from spatialcode.encode import Frame
    from spatialcode.synth.camera_path import PathConfig, plan_camera
    from spatialcode.synth.render import FrameRenderer, RenderConfig
    from spatialcode.synth.shapes import build_scene_geometry, room_layout

    config = RenderConfig(path=PathConfig(width=size[0], height=size[1], fps=10.0, mask_threshold=20))
    path, code = config.path, tiny_scene()
    geometry = build_scene_geometry(code, room_layout(code, path.room_margin, path.room_height), config.room_colors())
    poses = plan_camera(code, path, geometry).poses[:frames]
    intrinsics = path.intrinsics
    renderer = FrameRenderer(geometry, intrinsics, config.ambient, config.texture)
    out = []
    for i, pose in enumerate(poses):
        view = renderer.render(pose)
        out.append(Frame(index=i, t=pose.t, rgb=view.rgb, depth=view.depth, intrinsics=intrinsics))
    return out, poses


class ListSource:
    """Frames from a list (a minimal FrameSource at 10 frames/s); each pass yields copies."""

    fps = 10.0

    def __init__(self, frames: list) -> None:
        self.frames = frames

    def __len__(self) -> int:
        return len(self.frames)

    def __iter__(self):
        from dataclasses import replace

        return (replace(f) for f in self.frames)


def make_tiny_chat_model(out) -> str:
    """A randomly initialised tiny Qwen2 chat model (1 layer, width 16) with a byte-level
    tokenizer without merges (one token per UTF-8 byte, plus the ChatML markers) and a ChatML
    template, saved to the directory ``out``; returns its path. For tests only: it writes
    gibberish, fast."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    specials = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]
    vocab = {token: i for i, token in enumerate([*bytes_to_unicode().values(), *specials])}
    tokenizer = Tokenizer(models.BPE(vocab, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens(specials)
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    fast.chat_template = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
                          "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=8192,
                         eos_token_id=vocab["<|im_end|>"], pad_token_id=vocab["<|endoftext|>"])
    Qwen2ForCausalLM(config).save_pretrained(out)
    fast.save_pretrained(out)
    return str(out)


def small_scene() -> SpatialCode:
    """Four objects (two dining chairs, a tilted laptop, a sofa without first_seen), a room
    area and declared counts: the scene of the prompt, tool and LLM tests."""
    return SpatialCode(
        objects=(
            SpatialObject(0, "sofa", Box3D((1.0, 2.0, 0.4), (2.1, 0.9, 0.8), (0.0, 0.0, math.radians(90))), None),
            SpatialObject(1, "dining chair", Box3D((-1.25, 0.5, 0.45), (0.5, 0.55, 0.9), (0.0, 0.0, 0.0)), 0.5),
            SpatialObject(2, "dining chair", Box3D((-1.25, 1.5, 0.45), (0.5, 0.55, 0.9), (0.0, 0.0, math.pi)), 2.25),
            SpatialObject(3, "laptop", Box3D((0.3, -0.004, 0.8), (0.35, 0.25, 0.02), (math.radians(90), 0.0, -0.5)), 1.0),
        ),
        room=Room(area=18.04),
        source=Source(dataset="test", scene_name="prompt"),
        object_counts={"sofa": 1, "dining chair": 3, "laptop": 1},
    )


@contextmanager
def fake_openai_server(*args: str) -> Iterator[str]:
    """Start ``tests/fake_openai_server.py`` (with ``args``); yield its base URL; stop it."""
    process = subprocess.Popen([sys.executable, "-m", "tests.fake_openai_server", *args], cwd=Path(__file__).parents[1],
                               stdout=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.kill()
        process.wait()


def matches_snapshot(name: str, text: str) -> None:
    """Assert ``text`` equals the file ``tests/snapshots/<name>`` (with SPATIALCODE_UPDATE_SNAPSHOTS=1: write it
    first, to review in the diff)."""
    path = Path(__file__).parent / "snapshots" / name
    if os.environ.get("SPATIALCODE_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text)
    assert path.is_file(), f"no snapshot {path}: run with SPATIALCODE_UPDATE_SNAPSHOTS=1 and review the file"
    assert text == path.read_text(), f"prompt changed: compare with {path}"
