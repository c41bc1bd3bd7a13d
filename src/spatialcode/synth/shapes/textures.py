"""The procedural textures surfaces are drawn with: their names, how densely each repeats on a
surface (texels per metre), how strongly each modulates a surface's colour, and the texture bank
itself (tileable 64×64 patterns the renderer samples)."""

from __future__ import annotations

import numpy as np

#: Names of the textures, in the order of :data:`TEXTURES` (a triangle stores its texture's index).
TEXTURE_NAMES = ("plain", "grain", "fabric", "noise", "stripes", "checker", "tiles", "leaves", "keys")
_TEXTURE_SIZE = 64
#: Texels per metre of each texture (its pattern repeats every 64 texels).
TEXTURE_DENSITY = {
    "plain": 64.0, "grain": 96.0, "fabric": 320.0, "noise": 48.0, "stripes": 160.0, "checker": 64.0,
    "tiles": 64.0, "leaves": 160.0, "keys": 400.0,
}
#: Strength of each texture's modulation of the colour (0 = none).
TEXTURE_AMPLITUDE = {
    "plain": 0.0, "grain": 0.14, "fabric": 0.16, "noise": 0.1, "stripes": 0.18, "checker": 0.25,
    "tiles": 0.3, "leaves": 0.45, "keys": 0.5,
}


def _texture_bank(size: int = _TEXTURE_SIZE, seed: int = 7) -> np.ndarray:
    """(len(TEXTURE_NAMES), size, size) float32 tileable patterns in [0, 1] (0.5 = neutral)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)

    def smooth_noise(cells: int) -> np.ndarray:
        grid = rng.random((cells, cells)).astype(np.float32)
        fx, fy = xx * cells / size, yy * cells / size
        x0, y0 = np.floor(fx).astype(int), np.floor(fy).astype(int)
        tx, ty = fx - x0, fy - y0
        tx, ty = tx * tx * (3 - 2 * tx), ty * ty * (3 - 2 * ty)
        x1, y1 = (x0 + 1) % cells, (y0 + 1) % cells
        top = grid[y0, x0] * (1 - tx) + grid[y0, x1] * tx
        bottom = grid[y1, x0] * (1 - tx) + grid[y1, x1] * tx
        return top * (1 - ty) + bottom * ty

    fine = rng.random((size, size)).astype(np.float32)
    bank = {
        "plain": np.full((size, size), 0.5, np.float32),
        "grain": 0.5 + 0.5 * np.sin(2 * np.pi * (yy / 16.0 + 0.6 * smooth_noise(4))) * 0.8 + 0.1 * (fine - 0.5),
        "fabric": 0.5 + 0.3 * (((xx.astype(int) // 2 + yy.astype(int) // 2) % 2) - 0.5) + 0.4 * (fine - 0.5),
        "noise": 0.6 * smooth_noise(8) + 0.4 * fine * 0.5 + 0.1,
        "stripes": ((xx.astype(int) // 8) % 2).astype(np.float32) * 0.8 + 0.1,
        "checker": (((xx.astype(int) // 16) + (yy.astype(int) // 16)) % 2).astype(np.float32),
        "tiles": np.where((xx.astype(int) % 32 < 1) | (yy.astype(int) % 32 < 1), 0.0, 0.55 + 0.2 * (smooth_noise(4) - 0.5)),
        "leaves": np.clip((smooth_noise(16) - 0.5) * 3 + 0.5, 0, 1),
        "keys": np.where((xx.astype(int) % 4 == 0) | (yy.astype(int) % 4 == 0), 0.0, 0.8),
    }
    return np.stack([np.clip(bank[name], 0, 1).astype(np.float32) for name in TEXTURE_NAMES])


#: The procedural textures, shape (len(TEXTURE_NAMES), 64, 64), values in [0, 1].
TEXTURES = _texture_bank()
#: Modulation strength per texture index.
TEXTURE_AMPLITUDES = np.array([TEXTURE_AMPLITUDE[name] for name in TEXTURE_NAMES], dtype=np.float32)
