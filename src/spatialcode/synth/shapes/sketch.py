"""Drawing a shape in fractions of its box: the shape frame has x to the front, y to the left and
z up, the box's size is ``(d, w, h)`` (depth, width, height, metres) and the origin is at its
centre; a builder places parts by the fractions of each side they span, so they stay inside."""

from __future__ import annotations

from collections.abc import Sequence

from spatialcode.synth.shapes.primitives import Primitive

#: A span along one side of the box, as fractions of the side: (from, to), 0 = back/right/bottom.
Span = tuple[float, float]


class Sketch:
    """The parts of one shape being drawn in a box of size ``(d, w, h)`` metres: ``x(f)`` maps a
    fraction of the depth [0, 1] (back to front) to metres, likewise ``y`` (right to left) and
    ``z`` (bottom to top); :meth:`add` and :meth:`box` append to ``parts``."""

    def __init__(self, size: Sequence[float]) -> None:
        self.d, self.w, self.h = (float(s) for s in size)
        self.parts: list[Primitive] = []

    def x(self, f: float) -> float:
        """The shape-frame x (m) of fraction ``f`` of the depth."""
        return (f - 0.5) * self.d

    def y(self, f: float) -> float:
        """The shape-frame y (m) of fraction ``f`` of the width."""
        return (f - 0.5) * self.w

    def z(self, f: float) -> float:
        """The shape-frame z (m) of fraction ``f`` of the height."""
        return (f - 0.5) * self.h

    def add(self, kind: str, fx: Span, fy: Span, fz: Span,
            role: str = "main", axis: int = 2, color: tuple[float, float, float] | None = None) -> None:
        """Add a primitive spanning the given fractions of the box along x, y and z."""
        lo = (self.x(max(0.0, fx[0])), self.y(max(0.0, fy[0])), self.z(max(0.0, fz[0])))
        hi = (self.x(min(1.0, fx[1])), self.y(min(1.0, fy[1])), self.z(min(1.0, fz[1])))
        lo, hi = tuple(min(a, b) for a, b in zip(lo, hi)), tuple(max(a, b) for a, b in zip(lo, hi))
        self.parts.append(Primitive(kind, lo, hi, role, axis, color))  # type: ignore[arg-type]

    def box(self, fx: Span, fy: Span, fz: Span, role: str = "main",
            color: tuple[float, float, float] | None = None) -> None:
        """Add a box spanning the given fractions of the box along x, y and z."""
        self.add("box", fx, fy, fz, role, color=color)

    def fd(self, metres: float, cap: float = 0.25) -> float:
        """The fraction of the depth that ``metres`` is, at most ``cap``."""
        return min(cap, metres / self.d) if self.d > 0 else cap

    def fw(self, metres: float, cap: float = 0.25) -> float:
        """The fraction of the width that ``metres`` is, at most ``cap``."""
        return min(cap, metres / self.w) if self.w > 0 else cap

    def fh(self, metres: float, cap: float = 0.25) -> float:
        """The fraction of the height that ``metres`` is, at most ``cap``."""
        return min(cap, metres / self.h) if self.h > 0 else cap
