"""Shared fixtures: small hand-built scenes (no ../shared data, no network).

The suite runs offline however pytest is started: ``HF_HUB_OFFLINE`` is set here, before anything
imports ``huggingface_hub`` (it reads the variable once, on import). It never writes to the user's
cache folder: ``SPATIALCODE_CACHE_DIR`` points at a temporary folder of the session."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["SPATIALCODE_CACHE_DIR"] = tempfile.mkdtemp(prefix="spatialcode-tests-cache-")
atexit.register(shutil.rmtree, os.environ["SPATIALCODE_CACHE_DIR"], ignore_errors=True)

import math  # noqa: E402

import pytest  # noqa: E402

from spatialcode.geometry.box import Box3D  # noqa: E402
from spatialcode.scene import Room, Source, SpatialCode, SpatialObject  # noqa: E402


def make_object(i: int, label: str, center, size=(0.5, 0.5, 0.5), yaw_deg: float = 0.0, first_seen=None) -> SpatialObject:
    """An object with a gravity-aligned box (yaw in degrees)."""
    return SpatialObject(id=i, label=label, box=Box3D(center, size, (0.0, 0.0, math.radians(yaw_deg))), first_seen=first_seen)


@pytest.fixture
def cross_scene() -> SpatialCode:
    """Observer 'sofa' at the origin facing 'tv' on +y; one object in each quadrant and cardinal spot.

    +y is forward, so +x is to the observer's right and −x to the left.
    """
    objects = [
        make_object(0, "sofa", (0, 0, 0.4), first_seen=1.0),
        make_object(1, "tv", (0, 4, 1.0), first_seen=0.5),
        make_object(2, "lamp", (-2, 2, 0.8), first_seen=2.0),       # front-left, bearing 45°
        make_object(3, "plant", (2, 2, 0.5), first_seen=3.0),       # front-right, bearing 315°
        make_object(4, "door", (-2, -2, 1.0), first_seen=0.0),      # back-left, 135°
        make_object(5, "window", (2, -2, 1.5), first_seen=4.0),     # back-right, 225°
        make_object(6, "chair", (-3, -0.5, 0.45)),                   # left, ~99°
        make_object(7, "chair", (3, 0.2, 0.45)),                     # right
        make_object(8, "trash bin", (0, -3, 0.3), first_seen=5.0),  # straight back, 180°
    ]
    return SpatialCode(
        objects=tuple(objects),
        room=Room(polygon=((-4, -4), (4, -4), (4, 5), (-4, 5))),
        source=Source(dataset="test", scene_name="cross"),
    )
