"""The heading output of the learned encoder, coded as 3D detectors code it (VoteNet, ImVoteNet,
FCAF3D's heading variant): the circle is cut into ``bins`` equal bins, bin ``k`` centred on
``k · 2π / bins`` (so the room-aligned yaws 0, π/2, π and 3π/2 sit on bin centres, ``bins``
being a multiple of 4), and a heading is its bin plus a residual — the offset from the bin's
centre as a share of half the bin's width, in [-1, 1]. The network scores the bins and predicts a
residual for each; the heading it gives is the most likely bin's centre plus that bin's residual.

A heading (radians, counter-clockwise from +x about +z) is the box's yaw, whose +x axis is the
object's front (``DESIGN.md``). For an object without a front only the box's orientation means
anything, and that modulo the footprint's symmetry (:func:`symmetry_turns`): half a turn for an
oblong footprint (the box's sides along its axes then say which axis is which), a quarter turn
for a square one."""

from __future__ import annotations

import math

import torch

#: A footprint whose sides differ by at most this share of the longer one counts as square: a
#: quarter turn of its box changes the box less than the size head's usual error does.
SQUARE_SHARE = 0.1


def bin_width(bins: int) -> float:
    """The width (rad) of one of ``bins`` equal heading bins."""
    return 2.0 * math.pi / bins


def encode_heading(yaw: torch.Tensor, bins: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The bin (long) and normalised residual (in [-1, 1)) of headings ``yaw`` (rad, any range)."""
    width = bin_width(bins)
    shifted = torch.remainder(yaw + width / 2, 2.0 * math.pi)
    index = torch.div(shifted, width, rounding_mode="floor").long().clamp(0, bins - 1)
    residual = (shifted - index * width) / (width / 2) - 1.0
    return index, residual


def decode_heading(index: torch.Tensor, residual: torch.Tensor, bins: int) -> torch.Tensor:
    """The heading (rad, in [0, 2π)) of bin ``index`` with normalised ``residual``."""
    width = bin_width(bins)
    return torch.remainder(index * width + residual * (width / 2), 2.0 * math.pi)


def predicted_heading(logits: torch.Tensor, residuals: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The heading (rad, in [0, 2π)) a network output gives — its most likely bin's centre plus
    that bin's residual — and that bin's probability (0–1), from the bin ``logits`` and
    normalised ``residuals`` (both (..., bins))."""
    probability, index = logits.softmax(-1).max(-1)
    residual = residuals.gather(-1, index[..., None])[..., 0]
    return decode_heading(index, residual, logits.shape[-1]), probability


def symmetry_turns(has_front: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """How many headings (N,) are the same box for objects with ``has_front`` (N,) bool and box
    ``sizes`` (N, 3) m: 1 with a front, else 4 for a square footprint (sides within
    :data:`SQUARE_SHARE` of each other), else 2."""
    longer = sizes[:, :2].amax(-1).clamp(min=1e-6)
    square = (sizes[:, 0] - sizes[:, 1]).abs() <= SQUARE_SHARE * longer
    turns = torch.where(square, 4, 2)
    return torch.where(has_front.bool(), 1, turns)


def equivalent_bins(index: torch.Tensor, turns: torch.Tensor, bins: int) -> torch.Tensor:
    """Which bins (N, ``bins``) bool hold a heading equivalent to bin ``index`` (N,) under
    ``turns`` (N,) equal turns of the circle (1, 2 or 4; ``bins`` a multiple of 4, so that each
    equivalent heading has the same residual in its bin)."""
    offsets = torch.arange(4)
    step = bins // turns                                                    # (N,)
    chosen = (index[:, None] + offsets[None, :] * step[:, None]) % bins     # (N, 4)
    used = offsets[None, :] < turns[:, None]
    allowed = torch.zeros(len(index), bins, dtype=torch.bool)
    allowed[torch.arange(len(index))[:, None].expand_as(chosen)[used], chosen[used]] = True
    return allowed
