"""Egocentric directions in the floor plane (x, y; z is ignored), as VSI-Bench defines them.

The observer stands at ``observer`` and faces ``facing``; the bearing of a ``target`` is the
counter-clockwise angle (degrees, in [0, 360)) from the facing direction to the target direction,
so 0–180 is on the left and 180–360 on the right.
"""

from __future__ import annotations

import math

import numpy as np

#: Quadrant names of the hard relative-direction task, by bearing (0–90, 90–180, 180–270, 270–360).
QUADRANTS = ("front-left", "back-left", "back-right", "front-right")


def bearing_deg(observer: np.ndarray, facing: np.ndarray, target: np.ndarray) -> float:
    """Counter-clockwise angle in degrees [0, 360) from (facing − observer) to (target − observer),
    measured in the floor plane. Raises ``ValueError`` when either direction has zero length."""
    fx, fy = float(facing[0] - observer[0]), float(facing[1] - observer[1])
    tx, ty = float(target[0] - observer[0]), float(target[1] - observer[1])
    if math.hypot(fx, fy) < 1e-9 or math.hypot(tx, ty) < 1e-9:
        raise ValueError("direction of zero length")
    angle = math.degrees(math.atan2(fx * ty - fy * tx, fx * tx + fy * ty))
    return angle % 360.0


def left_or_right(bearing: float) -> str:
    """``"left"`` for bearings in [0, 180), ``"right"`` for [180, 360)."""
    return "left" if bearing < 180.0 else "right"


def left_right_or_back(bearing: float, back_threshold_deg: float = 135.0) -> str:
    """``"back"`` when turning to face the target takes at least ``back_threshold_deg`` degrees
    (bearing in [threshold, 360 − threshold)), else left or right."""
    if back_threshold_deg <= bearing < 360.0 - back_threshold_deg:
        return "back"
    return left_or_right(bearing)


def quadrant(bearing: float) -> str:
    """Quadrant of the observer's frame (front-left, back-left, back-right, front-right)."""
    return QUADRANTS[int(bearing // 90.0) % 4]


def turn_between(heading: np.ndarray, new_heading: np.ndarray, back_threshold_deg: float = 135.0) -> tuple[str, float]:
    """The turn (``"left"``, ``"right"`` or ``"back"``) from ``heading`` to ``new_heading`` (floor
    plane) and its signed angle in degrees (counter-clockwise positive, in (−180, 180])."""
    origin = np.zeros(2)
    bearing = bearing_deg(origin, np.asarray(heading[:2]), np.asarray(new_heading[:2]))
    signed = bearing if bearing <= 180.0 else bearing - 360.0
    return left_right_or_back(bearing, back_threshold_deg), signed
