"""The shape of each kind of furniture and fixture, drawn as a few primitives in fractions of its
box (:class:`~spatialcode.synth.shapes.sketch.Sketch`): a chair has legs, a seat and a back at
its box's -x, a tv a screen on its +x face, a bookshelf boards and seeded random books. Every
shape spans its whole box, so a box fitted to the rendered surfaces can match the ground truth."""

from __future__ import annotations

import colorsys
from collections.abc import Callable, Sequence

import numpy as np

from spatialcode.synth.shapes.primitives import Primitive
from spatialcode.synth.shapes.sketch import Sketch


def _legs(f: Sketch, top: float, thick: float = 0.045, inset: float = 0.0, role: str = "main") -> None:
    """Four legs at the corners from the floor to height fraction ``top``."""
    tx, ty = f.fd(thick), f.fw(thick)
    ix, iy = f.fd(inset, 0.2), f.fw(inset, 0.2)
    for x0 in (ix, 1.0 - ix - tx):
        for y0 in (iy, 1.0 - iy - ty):
            f.box((x0, x0 + tx), (y0, y0 + ty), (0.0, top), role)


def _chair(f: Sketch, _: int) -> None:
    seat, seat_t, back_t = 0.48, f.fh(0.05, 0.08), f.fd(0.06, 0.2)
    _legs(f, seat)
    f.box((0.0, 1.0), (0.0, 1.0), (seat, seat + seat_t), "accent")
    f.box((0.0, back_t), (0.0, 1.0), (seat + seat_t, 1.0), "accent")
    f.box((0.0, back_t), (0.06, 0.12), (seat + seat_t, 1.0))  # back posts
    f.box((0.0, back_t), (0.88, 0.94), (seat + seat_t, 1.0))


def _stool(f: Sketch, _: int) -> None:
    seat_t = f.fh(0.05, 0.15)
    _legs(f, 1.0 - seat_t, inset=0.02)
    f.add("cylinder", (0.0, 1.0), (0.0, 1.0), (1.0 - seat_t, 1.0), "accent")


def _table(f: Sketch, _: int) -> None:
    top_t = f.fh(0.045, 0.15)
    f.box((0.0, 1.0), (0.0, 1.0), (1.0 - top_t, 1.0))
    _legs(f, 1.0 - top_t, thick=0.055, inset=0.03, role="accent")


def _desk(f: Sketch, _: int) -> None:
    top_t = f.fh(0.035, 0.15)
    f.box((0.0, 1.0), (0.0, 1.0), (1.0 - top_t, 1.0))
    _legs(f, 1.0 - top_t, thick=0.05, inset=0.01, role="accent")
    if f.w > 0.9:  # a drawer block on the right
        f.box((0.05, 0.95), (0.02, 0.35), (0.45, 1.0 - top_t), "accent")
        f.box((0.95, 0.97), (0.16, 0.22), (0.8, 0.84), "metal")


def _bed(f: Sketch, seed: int) -> None:
    head = f.fd(0.08, 0.15)
    f.box((0.0, head), (0.0, 1.0), (0.0, 1.0))  # headboard at the back (-x)
    f.box((head, 1.0), (0.0, 1.0), (0.0, 0.3))  # frame
    f.box((head, 0.99), (0.01, 0.99), (0.3, 0.55), "mattress")
    f.box((head + 0.3 * (1 - head), 1.0), (0.0, 1.0), (0.55, 0.58), "accent")  # blanket
    pillows = 2 if f.w > 1.2 else 1
    width = 1.0 / pillows
    for k in range(pillows):
        f.add("ellipsoid", (head + 0.02, head + f.fd(0.4, 0.3)), (k * width + 0.05, (k + 1) * width - 0.05),
              (0.52, 0.7), "pillow")


def _sofa(f: Sketch, _: int) -> None:
    back, arm = f.fd(0.2, 0.3), f.fw(0.18, 0.2)
    f.box((0.0, back), (0.0, 1.0), (0.0, 1.0))  # back rest (-x)
    f.box((back, 1.0), (0.0, arm), (0.0, 0.65))  # arms
    f.box((back, 1.0), (1.0 - arm, 1.0), (0.0, 0.65))
    f.box((back, 1.0), (arm, 1.0 - arm), (0.0, 0.3))  # base
    seats = max(1, min(3, int(f.w / 0.7)))
    span = (1.0 - 2 * arm) / seats
    gap = f.fw(0.01, 0.02)
    for k in range(seats):
        y0 = arm + k * span
        f.box((back, 0.98), (y0 + gap, y0 + span - gap), (0.3, 0.45), "accent")


def _tv(f: Sketch, _: int) -> None:
    skin = f.fd(0.006, 0.2)
    bezel_w, bezel_h = f.fw(0.02, 0.1), f.fh(0.02, 0.1)
    f.box((0.0, 1.0 - skin), (0.0, 1.0), (0.0, 1.0))
    f.box((1.0 - skin, 1.0), (bezel_w, 1.0 - bezel_w), (bezel_h, 1.0 - bezel_h), "screen")


def _monitor(f: Sketch, _: int) -> None:
    panel = f.fd(0.035, 0.4)
    skin = f.fd(0.004, 0.1)
    f.box((1.0 - panel, 1.0 - skin), (0.0, 1.0), (0.28, 1.0))
    f.box((1.0 - skin, 1.0), (0.03, 0.97), (0.31, 0.97), "screen")
    f.box((0.0, 0.9), (0.3, 0.7), (0.0, f.fh(0.015, 0.05)), "accent")  # base plate, to the back of the box
    f.box((0.45 - panel, 0.55 - panel), (0.45, 0.55), (0.0, 0.5), "accent")  # neck


def _doors_front(f: Sketch, body_d: float, count: int, vertical: bool, handle: bool = True,
                 z0: float = 0.0, z1: float = 1.0) -> None:
    """Door or drawer panels on the +x face with gaps between them, plus small handles."""
    door_t, handle_t = f.fd(0.02, 0.06), f.fd(0.025, 0.06) if handle else 0.0
    x0 = body_d
    gap_y, gap_z = f.fw(0.008, 0.03), f.fh(0.008, 0.03)
    for k in range(count):
        if vertical:  # side-by-side doors
            y0, y1 = k / count + gap_y, (k + 1) / count - gap_y
            zz = (z0 + gap_z, z1 - gap_z)
            f.box((x0, x0 + door_t), (y0, y1), zz, "accent")
            if handle:
                hy = y1 - 0.06 if k % 2 == 0 else y0 + 0.03
                f.box((x0 + door_t, x0 + door_t + handle_t), (hy, hy + 0.03),
                      (z0 + 0.4 * (z1 - z0), z0 + 0.6 * (z1 - z0)), "metal")
        else:  # stacked drawers
            za, zb = z0 + k * (z1 - z0) / count + gap_z, z0 + (k + 1) * (z1 - z0) / count - gap_z
            f.box((x0, x0 + door_t), (gap_y, 1.0 - gap_y), (za, zb), "accent")
            if handle:
                f.box((x0 + door_t, x0 + door_t + handle_t), (0.4, 0.6),
                      (za + 0.45 * (zb - za), za + 0.6 * (zb - za)), "metal")


def _front_depth(f: Sketch, handle: bool = True) -> float:
    return 1.0 - f.fd(0.02, 0.06) - (f.fd(0.025, 0.06) if handle else 0.0)


def _cabinet(f: Sketch, _: int) -> None:
    body = _front_depth(f)
    f.box((0.0, body), (0.0, 1.0), (0.0, 1.0))
    _doors_front(f, body, 2 if f.w > 0.6 else 1, vertical=True)


def _nightstand(f: Sketch, _: int) -> None:
    body = _front_depth(f)
    f.box((0.0, body), (0.0, 1.0), (0.0, 1.0))
    _doors_front(f, body, 2 if f.h > 0.45 else 1, vertical=False, z0=0.05, z1=0.97)


def _refrigerator(f: Sketch, _: int) -> None:
    body = _front_depth(f)
    f.box((0.0, body), (0.0, 1.0), (0.0, 1.0))
    door_t, handle_t = f.fd(0.02, 0.06), f.fd(0.025, 0.06)
    gap = f.fh(0.01, 0.03)
    for z0, z1, hz in ((0.0, 0.62 - gap, (0.4, 0.58)), (0.62 + gap, 1.0, (0.66, 0.8))):
        f.box((body, body + door_t), (0.0, 1.0), (z0, z1), "accent")
        f.box((body + door_t, body + door_t + handle_t), (0.08, 0.12), hz, "metal")


def _bookshelf(f: Sketch, seed: int) -> None:
    back, side = f.fd(0.02, 0.1), f.fw(0.025, 0.1)
    board = f.fh(0.025, 0.08)
    f.box((0.0, back), (0.0, 1.0), (0.0, 1.0))
    f.box((back, 1.0), (0.0, side), (0.0, 1.0))
    f.box((back, 1.0), (1.0 - side, 1.0), (0.0, 1.0))
    levels = max(2, min(6, round(f.h / 0.35)))
    rng = np.random.default_rng(seed)
    for k in range(levels + 1):
        z = k / levels * (1.0 - board)
        f.box((back, 1.0), (side, 1.0 - side), (z, z + board), "accent")
        if k == levels:
            break
        y = side
        while True:  # books on this shelf
            bw = f.fw(float(rng.uniform(0.03, 0.07)), 0.2)
            if y + bw > 1.0 - side:
                break
            height = float(rng.uniform(0.55, 0.9)) * (1.0 / levels - board)
            color = colorsys.hsv_to_rgb(float(rng.random()), 0.45 + 0.3 * float(rng.random()), 0.35 + 0.4 * float(rng.random()))
            if rng.random() < 0.85:
                f.box((back, back + float(rng.uniform(0.6, 0.95)) * (1.0 - back)), (y, y + bw),
                      (z + board, z + board + height), "book", color=color)
            y += bw + 0.002


def _toilet(f: Sketch, _: int) -> None:
    f.box((0.0, 0.3), (0.0, 1.0), (0.45, 1.0), "accent")  # tank at the back (-x), the full width
    f.add("cylinder", (0.25, 0.65), (0.3, 0.7), (0.0, 0.35))  # pedestal
    f.add("cylinder", (0.2, 1.0), (0.12, 0.88), (0.3, 0.55))  # bowl
    f.add("cylinder", (0.2, 1.0), (0.1, 0.9), (0.55, 0.6), "accent")  # seat


def _lamp(f: Sketch, _: int) -> None:
    f.add("cylinder", (0.25, 0.75), (0.25, 0.75), (0.0, 0.04), "main")
    f.add("cylinder", (0.47, 0.53), (0.47, 0.53), (0.04, 0.7), "metal")
    f.add("cylinder", (0.0, 1.0), (0.0, 1.0), (0.65, 1.0), "accent")


def _plant(f: Sketch, _: int) -> None:
    f.add("cylinder", (0.2, 0.8), (0.2, 0.8), (0.0, 0.35), "pot")
    f.add("ellipsoid", (0.0, 1.0), (0.0, 1.0), (0.28, 1.0), "foliage")


def _door(f: Sketch, _: int) -> None:
    jamb_y, jamb_z = f.fw(0.06, 0.15), f.fh(0.06, 0.1)
    panel_t = f.fd(0.04, 0.5)
    x0 = 0.5 - panel_t / 2
    f.box((0.0, 1.0), (0.0, jamb_y), (0.0, 1.0), "accent")
    f.box((0.0, 1.0), (1.0 - jamb_y, 1.0), (0.0, 1.0), "accent")
    f.box((0.0, 1.0), (jamb_y, 1.0 - jamb_y), (1.0 - jamb_z, 1.0), "accent")
    f.box((x0, x0 + panel_t), (jamb_y, 1.0 - jamb_y), (0.0, 1.0 - jamb_z))
    knob = f.fd(0.05, (1.0 - panel_t) / 2)
    for xa, xb in ((x0 - knob, x0), (x0 + panel_t, x0 + panel_t + knob)):
        f.box((xa, xb), (jamb_y + 0.05, jamb_y + 0.05 + f.fw(0.04, 0.1)), (0.45, 0.48), "metal")


def _framed(f: Sketch, bar: float, inner_role: str, mullion: bool) -> None:
    """A flat frame (``main``) around an inset pane (``inner_role``)."""
    by, bz = f.fw(bar, 0.2), f.fh(bar, 0.2)
    f.box((0.0, 1.0), (0.0, by), (0.0, 1.0))
    f.box((0.0, 1.0), (1.0 - by, 1.0), (0.0, 1.0))
    f.box((0.0, 1.0), (by, 1.0 - by), (0.0, bz))
    f.box((0.0, 1.0), (by, 1.0 - by), (1.0 - bz, 1.0))
    f.box((0.3, 0.7), (by, 1.0 - by), (bz, 1.0 - bz), inner_role)
    if mullion:
        f.box((0.0, 1.0), (0.5 - by / 4, 0.5 + by / 4), (bz, 1.0 - bz))
        f.box((0.0, 1.0), (by, 1.0 - by), (0.5 - bz / 4, 0.5 + bz / 4))


def _window(f: Sketch, _: int) -> None:
    _framed(f, 0.05, "accent", mullion=True)


def _picture(f: Sketch, _: int) -> None:
    _framed(f, 0.03, "accent", mullion=False)


def _pillow(f: Sketch, _: int) -> None:
    f.add("ellipsoid", (0.0, 1.0), (0.0, 1.0), (0.0, 1.0))


def _bin(f: Sketch, _: int) -> None:
    f.add("cylinder", (0.04, 0.96), (0.04, 0.96), (0.0, 0.94))
    f.add("cylinder", (0.0, 1.0), (0.0, 1.0), (0.94, 1.0), "accent")


def _tub(f: Sketch, _: int) -> None:
    wx, wy = f.fd(0.06, 0.25), f.fw(0.06, 0.25)
    f.box((0.0, 1.0), (0.0, 1.0), (0.0, 0.3))
    f.box((0.0, wx), (0.0, 1.0), (0.3, 1.0))
    f.box((1.0 - wx, 1.0), (0.0, 1.0), (0.3, 1.0))
    f.box((wx, 1.0 - wx), (0.0, wy), (0.3, 1.0))
    f.box((wx, 1.0 - wx), (1.0 - wy, 1.0), (0.3, 1.0))
    f.box((wx, 1.0 - wx), (wy, 1.0 - wy), (0.3, 0.33), "accent")


def _ceiling_light(f: Sketch, _: int) -> None:
    f.add("cylinder", (0.0, 1.0), (0.0, 1.0), (0.0, 0.6), "light")
    f.add("cylinder", (0.05, 0.95), (0.05, 0.95), (0.6, 1.0), "accent")


def _appliance(f: Sketch, _: int) -> None:
    body = _front_depth(f)
    f.box((0.0, body), (0.0, 1.0), (0.0, 1.0))
    door_t, handle_t = f.fd(0.02, 0.06), f.fd(0.025, 0.06)
    f.box((body, body + door_t), (0.05, 0.95), (0.08, 0.75), "accent")  # dark glass door
    f.box((body, body + door_t), (0.05, 0.95), (0.82, 0.95), "metal")  # control strip
    f.box((body + door_t, body + door_t + handle_t), (0.15, 0.85), (0.76, 0.8), "metal")


def _washer(f: Sketch, _: int) -> None:
    body = 1.0 - f.fd(0.04, 0.1)
    f.box((0.0, body), (0.0, 1.0), (0.0, 1.0))
    f.add("cylinder", (body, 1.0), (0.2, 0.8), (0.2, 0.2 + 0.6 * min(1.0, f.w / max(f.h, 1e-9))), "accent", axis=0)
    f.box((body, 1.0), (0.05, 0.95), (0.86, 0.95), "metal")


def _keyboard(f: Sketch, _: int) -> None:
    f.box((0.0, 1.0), (0.0, 1.0), (0.0, 0.6), "accent")
    f.box((0.05, 0.95), (0.03, 0.97), (0.6, 1.0))


def _laptop(f: Sketch, _: int) -> None:
    lid = f.fd(0.012, 0.1)
    base = f.fh(0.02, 0.3) if f.h > 0.08 else 1.0
    f.box((0.0, 1.0), (0.0, 1.0), (0.0, base))
    if base < 1.0:
        f.box((0.0, lid), (0.0, 1.0), (base, 1.0))
        f.box((lid, lid + f.fd(0.003, 0.02)), (0.04, 0.96), (base + 0.04, 0.96), "accent")


def _computer_tower(f: Sketch, _: int) -> None:
    panel = f.fd(0.01, 0.1)
    f.box((0.0, 1.0 - panel), (0.0, 1.0), (0.0, 1.0))
    f.box((1.0 - panel, 1.0), (0.1, 0.9), (0.05, 0.95), "accent")


def _counter(f: Sketch, seed: int) -> None:
    top = f.fh(0.04, 0.1)
    f.box((0.0, 1.0), (0.0, 1.0), (1.0 - top, 1.0), "accent")
    body = _front_depth(f)
    f.box((0.0, body), (0.0, 1.0), (0.0, 1.0 - top))
    _doors_front(f, body, max(1, min(6, int(f.w / 0.5))), vertical=True, z1=1.0 - top)


def _radiator(f: Sketch, _: int) -> None:
    fins = max(2, min(24, int(f.w / 0.06)))
    span = 1.0 / fins
    for k in range(fins):
        f.box((0.0, 1.0), (k * span + 0.1 * span, (k + 1) * span - 0.1 * span), (0.0, 1.0))
    f.box((0.3, 0.7), (0.0, 1.0), (0.1, 0.16), "accent")
    f.box((0.3, 0.7), (0.0, 1.0), (0.84, 0.9), "accent")


def _plain(f: Sketch, _: int) -> None:
    f.box((0.0, 1.0), (0.0, 1.0), (0.0, 1.0))


#: The builder of each shape, by shape name (see :mod:`.drawn_as` for which labels use which).
SHAPE_BUILDERS: dict[str, Callable[[Sketch, int], None]] = {
    "chair": _chair, "stool": _stool, "table": _table, "desk": _desk, "bed": _bed, "sofa": _sofa,
    "tv": _tv, "monitor": _monitor, "cabinet": _cabinet, "nightstand": _nightstand,
    "refrigerator": _refrigerator, "bookshelf": _bookshelf, "toilet": _toilet, "lamp": _lamp,
    "plant": _plant, "door": _door, "window": _window, "picture": _picture, "mirror": _picture,
    "whiteboard": _picture, "pillow": _pillow, "bin": _bin, "tub": _tub,
    "ceiling light": _ceiling_light, "appliance": _appliance, "washer": _washer,
    "keyboard": _keyboard, "laptop": _laptop, "computer tower": _computer_tower,
    "counter": _counter, "radiator": _radiator,
}


def draw_shape(shape: str | None, size: Sequence[float], seed: int) -> list[Primitive]:
    """The primitives (shape frame, metres) of shape ``shape`` drawn in a box of ``size``
    ``(d, w, h)`` m, its random details (books on a shelf) seeded by ``seed``; a plain box
    filling the box when ``shape`` is ``None`` or has no builder."""
    sketch = Sketch(size)
    SHAPE_BUILDERS.get(shape or "", _plain)(sketch, seed)
    return sketch.parts
