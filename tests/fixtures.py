"""Small data fixtures shared by several test modules."""

from __future__ import annotations

import numpy as np

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
