"""How far an estimated camera trajectory is from the truth: absolute trajectory error (ATE)
after a rigid (or similarity) alignment, rotation error, and relative pose error (RPE).
Poses are camera-to-world :class:`~spatialcode.scene.CameraPose` (metres, degrees)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from spatialcode.core.errors import ValidationError
from spatialcode.scene import CameraPose


@dataclass(frozen=True)
class TrajectoryErrors:
    """How far an estimated trajectory is from the truth.

    ``ate_rmse`` / ``max_error``: RMS and largest camera-position error (m) after the alignment;
    ``mean_rotation_deg``: mean angle (degrees) between estimated and true camera orientations
    (after the best common rotation of the orientations when aligned — positions alone leave the
    roll about a straight path undetermined); ``rpe_translation`` (m, RMS) and ``rpe_rotation_deg`` (degrees, mean): error of
    the relative motion over frame pairs ``rpe_delta`` frames apart (NaN with too few frames);
    ``aligned``: whether a rigid alignment was applied, with ``scale`` its scale (1 = rigid)."""

    frames: int
    ate_rmse: float
    max_error: float
    mean_rotation_deg: float
    rpe_translation: float
    rpe_rotation_deg: float
    rpe_delta: int
    aligned: bool
    scale: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (NaN → ``None``)."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}


def rigid_alignment(source: np.ndarray, target: np.ndarray, scale: bool = False) -> tuple[np.ndarray, np.ndarray, float]:
    """The rotation ``R`` (3×3), translation ``t`` (m) and scale ``s`` minimising
    ``Σ |s R x + t - y|²`` over corresponding points ``source`` x and ``target`` y (N×3) —
    Umeyama's method; ``s = 1`` unless ``scale``."""
    mu_x, mu_y = source.mean(axis=0), target.mean(axis=0)
    x, y = source - mu_x, target - mu_y
    u, d, vt = np.linalg.svd(y.T @ x / len(source))
    signs = np.array([1.0, 1.0, np.sign(np.linalg.det(u) * np.linalg.det(vt)) or 1.0])
    rotation = u @ np.diag(signs) @ vt
    variance = float((x ** 2).sum() / len(source))
    s = float((d * signs).sum() / variance) if scale and variance > 0 else 1.0
    return rotation, mu_y - s * rotation @ mu_x, s


def _orientation_alignment(estimated: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """The rotation ``A`` (3×3) minimising ``Σ |A R_est - R_true|²`` (Frobenius) over stacks of
    3×3 rotations — the best common rotation of the orientations."""
    u, _, vt = np.linalg.svd(np.einsum("nij,nkj->ik", truth, estimated))
    return u @ np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt)) or 1.0]) @ vt


def _relative_errors(estimated: np.ndarray, truth: np.ndarray, delta: int) -> tuple[float, float]:
    """RMS translation (m) and mean rotation (degrees) error of the relative motions between
    frames ``delta`` apart (4×4 stacks); NaN when there is no such pair."""
    if len(truth) <= delta:
        return math.nan, math.nan
    moved_est = np.linalg.inv(estimated[:-delta]) @ estimated[delta:]
    moved_true = np.linalg.inv(truth[:-delta]) @ truth[delta:]
    error = np.linalg.inv(moved_true) @ moved_est
    translation = np.linalg.norm(error[:, :3, 3], axis=1)
    angles = np.degrees(Rotation.from_matrix(error[:, :3, :3]).magnitude())
    return float(np.sqrt((translation ** 2).mean())), float(angles.mean())


def trajectory_errors(estimated: Sequence[CameraPose], truth: Sequence[CameraPose], align: bool = True,
                      delta: int = 1, scale: bool = False) -> TrajectoryErrors:
    """Errors of ``estimated`` against ``truth`` (same length, corresponding frames): ATE
    RMSE and max position error (m) after a rigid alignment of the positions (:func:`rigid_alignment`,
    with scale when ``scale``) when ``align``, else in the given frames; mean rotation error
    (degrees), after the best common rotation of the orientations when ``align``; RPE over frames
    ``delta`` apart (alignment-free).

    Raises :class:`ValidationError` for empty or different-length trajectories or ``delta < 1``."""
    if len(estimated) != len(truth):
        raise ValidationError("estimated", f"has {len(estimated)} poses but truth has {len(truth)}")
    if not truth:
        raise ValidationError("truth", "is empty")
    if isinstance(delta, bool) or int(delta) != delta or delta < 1:
        raise ValidationError("delta", f"must be an integer >= 1, got {delta!r}")
    est = np.stack([p.matrix() for p in estimated])
    true = np.stack([p.matrix() for p in truth])
    rotation, shift, s = (rigid_alignment(est[:, :3, 3], true[:, :3, 3], scale) if align
                          else (np.eye(3), np.zeros(3), 1.0))
    positions = s * est[:, :3, 3] @ rotation.T + shift
    errors = np.linalg.norm(positions - true[:, :3, 3], axis=1)
    turn = _orientation_alignment(est[:, :3, :3], true[:, :3, :3]) if align else np.eye(3)
    orientation = np.einsum("nji,jk,nkl->nil", true[:, :3, :3], turn, est[:, :3, :3])  # R_trueᵀ · turn · R_est
    rpe_translation, rpe_rotation = _relative_errors(est, true, int(delta))
    return TrajectoryErrors(
        frames=len(truth),
        ate_rmse=float(np.sqrt((errors ** 2).mean())),
        max_error=float(errors.max()),
        mean_rotation_deg=float(np.degrees(Rotation.from_matrix(orientation).magnitude()).mean()),
        rpe_translation=rpe_translation,
        rpe_rotation_deg=rpe_rotation,
        rpe_delta=int(delta),
        aligned=align,
        scale=s,
    )
