"""Bird's-eye map of a spatial code: room outline, oriented object footprints with their facing
arrows and labels, and the camera trajectory, drawn with matplotlib (metres, z up, seen from
above: +x right, +y up on the page).

Figures are built with :class:`matplotlib.figure.Figure` directly, not through ``pyplot``: no
global figure registry holds them, so nothing needs closing and they are freed like any other
object, and no display or interactive backend is needed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation, Text
from matplotlib.ticker import MultipleLocator

from spatialcode.geometry.camera import camera_forward
from spatialcode.geometry.polygon import box_footprint
from spatialcode.scene import SpatialCode, SpatialObject
from spatialcode.viz.files import picture_path

PALETTE: tuple[tuple[float, float, float], ...] = tuple(
    to_rgb(c) for c in matplotlib.colormaps["tab20"].colors  # type: ignore[attr-defined]
)
"""Qualitative colours (RGB in [0, 1]) that labels are hashed onto."""
FILL_ALPHA = 0.6
#: The picture formats :func:`draw_birdseye` writes, by file suffix.
MAP_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg")
"""Opacity of an object's footprint fill on the map."""
FLOOR_COLOR = "#f3efe6"
"""Fill of the room's floor polygon (the page is white outside it)."""
_MIN_FACING = 0.5  # horizontal part of the box +x axis below which no facing arrow is drawn
_MAX_HEADING_TICKS = 8
_LABEL_EFFECTS = [patheffects.withStroke(linewidth=2.5, foreground="white")]


def label_color(label: str) -> tuple[float, float, float]:
    """Return the RGB colour (floats in [0, 1]) of an object label: a stable hash (md5, not
    Python's salted ``hash``) of the case- and space-normalised label picks one of
    :data:`PALETTE`, so a label has the same colour in every picture and every run."""
    key = " ".join(label.lower().split()).encode()
    return PALETTE[int.from_bytes(hashlib.md5(key).digest()[:4], "big") % len(PALETTE)]


def _darker(color: tuple[float, float, float], factor: float = 0.6) -> tuple[float, float, float]:
    return (color[0] * factor, color[1] * factor, color[2] * factor)


def _footprint_xy(obj: SpatialObject) -> np.ndarray:
    """The object's floor-plane footprint as an (N, 2) closed ring (metres); empty when the
    footprint has no area."""
    footprint = box_footprint(obj.box)
    if footprint.is_empty:
        return np.empty((0, 2))
    return np.asarray(footprint.exterior.coords)[:, :2]


def _ring_area(ring: np.ndarray) -> float:
    """Area, m², enclosed by a closed (N, 2) ring (shoelace formula)."""
    if len(ring) < 4:
        return 0.0
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * abs(float(np.dot(x[:-1], y[1:]) - np.dot(y[:-1], x[1:])))


def _facing_tip(obj: SpatialObject) -> np.ndarray | None:
    """Where the facing arrow ends: the centre of the box's front (+x) face seen from above,
    or ``None`` when the front points mostly up or down."""
    front = obj.box.rotation_matrix[:, 0]
    if math.hypot(front[0], front[1]) < _MIN_FACING:
        return None
    return obj.box.center_array[:2] + front[:2] * obj.box.size[0] / 2.0


def _nice_step(span: float) -> float:
    """A grid step (metres) from 0.5, 1, 2, 5, 10, ... giving at most ~12 grid lines."""
    for step in (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0):
        if span / step <= 12:
            return step
    return 10.0 ** math.ceil(math.log10(span / 10.0))


def _bounds(code: SpatialCode, footprints: list[np.ndarray], *, with_room: bool) -> np.ndarray | None:
    """(xmin, ymin, xmax, ymax), metres, of the footprints, object centres, camera positions
    and (``with_room``) the room polygon; ``None`` when there is nothing to bound."""
    points = [f for f in footprints if len(f)] + [np.asarray(o.box.center[:2]).reshape(1, 2) for o in code.objects]
    if with_room and code.room is not None and code.room.polygon is not None:
        points.append(np.asarray(code.room.polygon))
    if code.camera:
        points.append(np.asarray([p.position[:2] for p in code.camera]))
    if not points:
        return None
    stacked = np.concatenate(points)
    return np.concatenate([stacked.min(axis=0), stacked.max(axis=0)])


def _draw_room(ax: Axes, code: SpatialCode, footprints: list[np.ndarray]) -> None:
    room = code.room
    area = room.floor_area() if room is not None else None
    if room is not None and room.polygon is not None:
        outline = np.asarray(room.polygon)
        ax.add_patch(PolygonPatch(outline, closed=True, facecolor=FLOOR_COLOR, edgecolor="none", zorder=0.1))
        ax.add_patch(PolygonPatch(outline, closed=True, fill=False, edgecolor="#4d4d4d", linewidth=2.2,
                                  zorder=1.5, joinstyle="miter", label="room outline"))
        return
    bounds = _bounds(code, footprints, with_room=False)
    if bounds is None:
        return
    margin = 0.25
    x0, y0, x1, y1 = bounds[0] - margin, bounds[1] - margin, bounds[2] + margin, bounds[3] + margin
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#8a8a8a",
                           linestyle=(0, (6, 4)), linewidth=1.3, zorder=0.1))
    note = "room outline unknown"
    if area is not None:
        note += f"\nfloor area {area:.1f} m²"
    ax.text(x0 + 0.08, y1 - 0.08, note, ha="left", va="top", fontsize=8, color="#6b6b6b",
            style="italic", zorder=55,
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})


def _draw_object(ax: Axes, obj: SpatialObject, ring: np.ndarray, zorder: float, *, highlighted: bool, faded: bool) -> None:
    color = label_color(obj.label)
    alpha = 0.25 if faded else (0.85 if highlighted else FILL_ALPHA)
    edge = "black" if highlighted else _darker(color)
    width = 2.6 if highlighted else 1.2
    cx, cy = obj.box.center[:2]
    if len(ring):
        ax.add_patch(PolygonPatch(ring, closed=True, facecolor=(*color, alpha), edgecolor=edge,
                                  linewidth=width, zorder=zorder))
    else:  # a degenerate box (no floor area): a dot
        ax.plot([cx], [cy], marker="o", color=color, markeredgecolor=edge, zorder=zorder)
    tip = _facing_tip(obj)
    if tip is not None and np.hypot(*(tip - (cx, cy))) > 1e-3:
        ax.annotate("", xy=tuple(tip), xytext=(cx, cy), zorder=zorder + 0.01,
                    arrowprops={"arrowstyle": "-|>", "color": _darker(color, 0.45), "lw": 1.3, "shrinkA": 0,
                                "shrinkB": 0, "mutation_scale": 9, "alpha": 0.5 if faded else 1.0})


def _draw_labels(ax: Axes, code: SpatialCode, highlight: set[int], *, show_labels: bool, number: bool) -> list[Annotation]:
    """Add the appearance-order badges and ``"label #id"`` texts at the object centres; return
    the texts (for :func:`_place_labels`)."""
    ranks = {o.id: k + 1 for k, o in enumerate(o for o in code.objects if o.first_seen is not None)}
    labels = []
    for obj in code.objects:
        cx, cy = obj.box.center[:2]
        numbered = number and obj.id in ranks
        if numbered:
            ax.text(cx, cy, str(ranks[obj.id]), ha="center", va="center", fontsize=7, color="white",
                    fontweight="bold", zorder=61,
                    bbox={"boxstyle": "circle,pad=0.25", "facecolor": "#333333", "edgecolor": "none"})
        if show_labels:
            labels.append(ax.annotate(
                f"{obj.label} #{obj.id}", xy=(cx, cy), xytext=(0, -11 if numbered else 0),
                textcoords="offset points", ha="center", va="center", fontsize=7.5,
                fontweight="bold" if obj.id in highlight else "normal", color="#1a1a1a",
                path_effects=_LABEL_EFFECTS, zorder=60,
                arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.6, "shrinkA": 0, "shrinkB": 2}))
    return labels


def _label_offsets(width: float, height: float) -> list[tuple[float, float]]:
    """Candidate shifts (points) of a label of ``width`` × ``height`` points, nearest first."""
    out = [(0.0, 0.0)]
    for k in (1, 2, 3):
        for sx, sy in ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1)):
            out.append((sx * k * (0.55 * width + 2), sy * k * (height + 1)))
    return out


def _place_labels(fig: Figure, ax: Axes, labels: list[Annotation], fixed: list[Text]) -> None:
    """Greedy label de-cluttering: each label in turn takes the nearest candidate position
    (:func:`_label_offsets`) that stays inside the axes and overlaps no text already placed;
    a moved label gets a thin leader line to its object's centre."""
    if not labels:
        return
    fig.draw_without_rendering()  # runs the layout, so that text extents are final
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken = [Text.get_window_extent(t, renderer) for t in fixed if t.get_text()]
    pixels_per_point = fig.dpi / 72.0
    for label in labels:
        box = Text.get_window_extent(label, renderer)  # the text only, not the leader line
        shift = (0.0, 0.0)
        for dx, dy in _label_offsets(box.width / pixels_per_point, box.height / pixels_per_point):
            moved = box.translated(dx * pixels_per_point, dy * pixels_per_point)
            inside = frame.x0 <= moved.x0 and moved.x1 <= frame.x1 and frame.y0 <= moved.y0 and moved.y1 <= frame.y1
            if inside and not any(moved.overlaps(other) for other in taken):
                shift = (dx, dy)
                break
        x, y = label.xyann
        label.xyann = (x + shift[0], y + shift[1])
        label.arrow_patch.set_visible(shift != (0.0, 0.0))
        taken.append(box.translated(shift[0] * pixels_per_point, shift[1] * pixels_per_point))


def _draw_camera(ax: Axes, code: SpatialCode, span: float) -> None:
    poses = code.camera or ()
    if not poses:
        return
    xy = np.asarray([p.position[:2] for p in poses])
    ax.plot(xy[:, 0], xy[:, 1], color="#2b2b2b", linewidth=1.6, zorder=50, label="camera path",
            solid_capstyle="round")
    picks = sorted(set(np.linspace(0, len(poses) - 1, min(len(poses), _MAX_HEADING_TICKS)).round().astype(int)))
    length = min(max(0.07 * span, 0.25), 0.8)
    starts, vectors, times = [], [], []
    for k in picks:
        forward = camera_forward(poses[k])[:2]
        norm = float(np.hypot(*forward))
        if norm < 0.2:  # looking (almost) straight up or down: no heading on the map
            continue
        starts.append(xy[k])
        vectors.append(forward / norm * length)
        times.append(poses[k].t)
    if starts:
        s, v = np.asarray(starts), np.asarray(vectors)
        t = np.asarray(times, dtype=float)
        shade = (t - t.min()) / (np.ptp(t) or 1.0)
        colors = matplotlib.colormaps["plasma"](0.1 + 0.75 * shade)
        ax.quiver(s[:, 0], s[:, 1], v[:, 0], v[:, 1], color=colors, angles="xy", scale_units="xy",
                  scale=1.0, width=0.004, headwidth=4, headlength=5, zorder=51)
        ax.plot([], [], color=matplotlib.colormaps["plasma"](0.45), marker=r"$\rightarrow$", markersize=11,
                linestyle="none", label="camera heading (colour: time)")
    ax.plot(*xy[0], marker="o", markersize=12, markerfacecolor="none", markeredgecolor="#2ca02c",
            markeredgewidth=2.2, zorder=52, linestyle="none", label=f"start (t={poses[0].t:g} s)")
    ax.plot(*xy[-1], marker="s", markersize=7, color="#d62728", markeredgecolor="white", zorder=53,
            linestyle="none", label=f"end (t={poses[-1].t:g} s)")
    ax.legend(loc="best", fontsize=7.5, framealpha=0.9)


def _metric_axes(limits: tuple[float, float, float, float], figsize: tuple[float, float], dpi: int) -> tuple[Figure, Axes]:
    """A figure (with an Agg canvas, no pyplot) and axes showing ``limits`` = (x0, y0, x1, y1)
    metres at equal scale, with a metre grid below the content."""
    x0, y0, x1, y1 = limits
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)  # attaches itself: text extents and PNG output without pyplot
    ax = fig.add_subplot()
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    step = _nice_step(max(x1 - x0, y1 - y0))
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.yaxis.set_major_locator(MultipleLocator(step))
    ax.set_axisbelow(True)  # the grid goes over the floor fill (zorder 0.1), under the objects
    ax.grid(True, color="#d9d9d9", linewidth=0.7)
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    return fig, ax


def _default_title(code: SpatialCode) -> str:
    name = code.source.scene_name or "scene"
    if code.source.dataset:
        name += f" ({code.source.dataset})"
    n = len(code.objects)
    return f"{name} — {n} object{'s' if n != 1 else ''}"


def draw_birdseye(
    code: SpatialCode,
    path: str | Path | None = None,
    *,
    title: str | None = None,
    show_labels: bool = True,
    highlight: Iterable[int] = (),
    number_by_appearance: bool = False,
    dpi: int = 120,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw the scene from above and return the matplotlib :class:`~matplotlib.figure.Figure`.

    The map shows the room outline (the floor polygon, or when there is none a dashed
    rectangle around the content marked "room outline unknown", with the floor area if known),
    each object's oriented floor footprint (:func:`~spatialcode.geometry.box_footprint`; a
    tilted box gives the hull of its projected corners) filled with :func:`label_color`, its
    ``"label #id"`` at the centre (``show_labels``) and an arrow from the centre to its front
    (box +x) face, and the camera trajectory (polyline, start/end markers, up to 8 heading
    arrows coloured by time) when ``code.camera`` is set. Axes are in metres at equal scale
    with a grid. ``highlight`` = object ids drawn bold (the others faded);
    ``number_by_appearance`` adds a badge 1, 2, … in first_seen order. ``figsize`` (inches)
    defaults to 8 in wide with a height following the scene's aspect ratio.

    When ``path`` is given (its suffix one of :data:`MAP_SUFFIXES`) the picture is written there (parent folders created) at ``dpi``, the
    picture being exactly ``figsize × dpi`` pixels; the figure is returned either way. It is
    not registered with ``pyplot``, so there is nothing to close.
    """
    if path is not None:
        path = picture_path(path, MAP_SUFFIXES)
    highlight = {int(i) for i in highlight} & {o.id for o in code.objects}
    footprints = [_footprint_xy(o) for o in code.objects]
    bounds = _bounds(code, footprints, with_room=True)
    if bounds is None:
        bounds = np.array([-1.0, -1.0, 1.0, 1.0])
    span = float(max(bounds[2] - bounds[0], bounds[3] - bounds[1], 1.0))
    margin = 0.04 * span + 0.3
    x0, y0, x1, y1 = bounds[0] - margin, bounds[1] - margin, bounds[2] + margin, bounds[3] + margin
    if figsize is None:
        aspect = (y1 - y0) / (x1 - x0)
        figsize = (8.0, float(np.clip(7.0 * aspect + 1.0, 4.0, 11.0)))
    fig, ax = _metric_axes((x0, y0, x1, y1), figsize, dpi)
    ax.set_title(title if title is not None else _default_title(code), fontsize=11)

    _draw_room(ax, code, footprints)
    # Larger footprints first, so small objects (a chair under a table) stay visible on top.
    order = sorted(range(len(code.objects)), key=lambda i: -_ring_area(footprints[i]))
    for rank, i in enumerate(order):
        obj = code.objects[i]
        _draw_object(ax, obj, footprints[i], 2.0 + 10.0 * rank / len(order), highlighted=obj.id in highlight,
                     faded=bool(highlight) and obj.id not in highlight)
    labels = _draw_labels(ax, code, highlight, show_labels=show_labels, number=number_by_appearance)
    _draw_camera(ax, code, span)
    if not code.objects and not code.camera and not (code.room and code.room.polygon):
        area = code.room.floor_area() if code.room is not None else None
        note = "no objects" + (f"\n(floor area {area:.1f} m², outline unknown)" if area is not None else "")
        ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center",
                fontsize=12, color="#8a8a8a", style="italic")
    _place_labels(fig, ax, labels, [t for t in ax.texts if not any(t is label for label in labels)])
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi, facecolor="white")
    return fig

