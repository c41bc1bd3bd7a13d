"""Perception noise applied directly to spatial codes (no rendering): a clean code made to look
like a real encoder's output, for training codes and for checking the model against real boxes.

:func:`apply_code_faults` draws, with one generator seeded by ``seed``, in this order:

1. *missed* objects: each object dropped with probability ``miss`` (its category's, else the
   global one);
2. per surviving object, the box: the centre moved by Gaussian noise (σ ``centre_sigma_xy`` m on
   x and on y, ``centre_sigma_z`` m on z), the sides scaled by log-normal ratios encoded/true
   (``log_size_mean``/``log_size_sigma``, natural log, for the longer horizontal side, the
   shorter horizontal side and the vertical side — see :func:`upright_sides`), the yaw turned by
   Gaussian noise of σ ``yaw_sigma_deg`` degrees; the box comes out upright (roll = pitch = 0,
   its x axis along the original box's first horizontal axis, as an encoder writes boxes);
3. *label confusion*: the label replaced by another with the probabilities of ``confusion``
   (true label → {reported label: probability});
4. *duplicates*: with probability ``duplicate`` a second box of the same (reported) label: the
   true box with its own noise of step 2 drawn again, moved by a further ``duplicate_shift`` m
   (σ per horizontal axis);
5. *extra* objects: a Poisson number (mean ``extra_per_scene``) of boxes whose labels are drawn
   from ``extra_labels`` (weights), sized like an object of that label in the scene, else like
   ``extra_sizes[label]`` (m: long horizontal, short horizontal, vertical), else like the
   scene's median object, placed uniformly inside the horizontal extent of the scene's objects,
   standing on their lowest point, at a random yaw;
6. the *room* dropped with probability ``drop_room``; the source's declared ``object_counts``
   always go (an encoder has none).

Surviving objects keep their id and ``first_seen``; a duplicate has its original's
``first_seen``; an extra gets one drawn between the scene's first and last (``None`` in a code
without times). The provenance names the producer, the preset (``name``), the seed and the
code's own producer. Presets are JSON files in ``spatialcode/data/code_faults/`` written by
``benchmarks/real_codes.py noise`` (the fit: :mod:`spatialcode.synth.code_fault_fit`);
``clean`` (alias ``none``) applies nothing.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from spatialcode.core.config import build_config, config_dict
from spatialcode.core.errors import ValidationError
from spatialcode.core.validation import check_field_types
from spatialcode.geometry.box import Box3D
from spatialcode.scene import Provenance, SpatialCode, SpatialObject

#: Where the presets' JSON files live (``<name>.json``: ``{"config": {...}, "fit": {...}}``).
PRESET_DIR = Path(__file__).resolve().parents[1] / "data" / "code_faults"
#: Names that apply no faults.
CLEAN_PRESETS = ("clean", "none")

Sides = tuple[float, float, float]


def _probability(value: float | None, field_name: str) -> None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise ValidationError(field_name, f"must be a probability in [0, 1], got {value}")


def _not_negative(values: tuple[float, ...] | float | None, field_name: str) -> None:
    for value in (values if isinstance(values, tuple) else (values,)):
        if value is not None and value < 0:
            raise ValidationError(field_name, f"must be >= 0, got {value}")


def _confusion_table(table: Mapping[str, Mapping[str, float]] | None, field_name: str) -> None:
    for label, row in (table or {}).items():
        if not isinstance(row, Mapping):
            raise ValidationError(f"{field_name}.{label}", f"expected a mapping label → probability, got {row!r}"[:200])
        for other, p in row.items():
            _probability(p, f"{field_name}.{label}.{other}")
        if sum(row.values()) > 1.0 + 1e-9:
            raise ValidationError(f"{field_name}.{label}", f"the probabilities add up to more than 1 ({sum(row.values())})")


@dataclass(frozen=True)
class CategoryFaults:
    """One category's own fitted values (``None``: the global value of :class:`CodeFaultConfig`);
    units as there."""

    miss: float | None = None
    duplicate: float | None = None
    centre_sigma_xy: float | None = None
    centre_sigma_z: float | None = None
    log_size_mean: tuple[float, float, float] | None = None
    log_size_sigma: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        check_field_types(self)
        _probability(self.miss, "miss")
        _probability(self.duplicate, "duplicate")
        _not_negative(self.centre_sigma_xy, "centre_sigma_xy")
        _not_negative(self.centre_sigma_z, "centre_sigma_z")
        _not_negative(self.log_size_sigma, "log_size_sigma")


@dataclass(frozen=True)
class CodeFaultConfig:
    """Code-level perception faults (all off by default; see the module docstring).

    Probabilities are per object (``miss``: per true object; ``duplicate``: per detected object;
    ``drop_room``: per scene); ``extra_per_scene`` is a mean count; centre σ in metres per axis;
    size ratios as natural logs of encoded/true side (long horizontal, short horizontal,
    vertical); ``yaw_sigma_deg`` in degrees; ``categories`` maps a label to its own
    :class:`CategoryFaults` (given as mappings in a settings file)."""

    name: str = "custom"
    miss: float = 0.0
    duplicate: float = 0.0
    duplicate_shift: float = 0.0
    extra_per_scene: float = 0.0
    extra_labels: Mapping[str, float] = field(default_factory=dict)
    extra_sizes: Mapping[str, tuple[float, float, float]] = field(default_factory=dict)
    drop_room: float = 0.0
    centre_sigma_xy: float = 0.0
    centre_sigma_z: float = 0.0
    log_size_mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    log_size_sigma: tuple[float, float, float] = (0.0, 0.0, 0.0)
    yaw_sigma_deg: float = 0.0
    confusion: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    categories: Mapping[str, CategoryFaults] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            check_field_types(self)
            categories = {}
            for label, value in dict(self.categories).items():
                categories[label] = value if isinstance(value, CategoryFaults) else build_config(
                    CategoryFaults, value, f"categories.{label}.")
        except ValidationError as err:
            raise ValidationError(f"faults.{err.field}", err.problem) from None
        object.__setattr__(self, "categories", categories)
        object.__setattr__(self, "extra_sizes", {k: tuple(v) for k, v in dict(self.extra_sizes).items()})
        for name in ("miss", "duplicate", "drop_room"):
            _probability(getattr(self, name), f"faults.{name}")
        for name in ("duplicate_shift", "extra_per_scene", "centre_sigma_xy", "centre_sigma_z", "log_size_sigma",
                     "yaw_sigma_deg"):
            _not_negative(getattr(self, name), f"faults.{name}")
        _confusion_table(self.confusion, "faults.confusion")
        for label, weight in self.extra_labels.items():
            _not_negative(weight, f"faults.extra_labels.{label}")
        for label, sides in self.extra_sizes.items():
            if len(sides) != 3 or min(sides) <= 0:
                raise ValidationError(f"faults.extra_sizes.{label}", f"expected 3 sides > 0 (m), got {list(sides)}")

    @property
    def enabled(self) -> bool:
        """Whether any fault is switched on."""
        return bool(self.miss or self.duplicate or self.extra_per_scene or self.drop_room or self.centre_sigma_xy
                    or self.centre_sigma_z or any(self.log_size_mean) or any(self.log_size_sigma) or self.yaw_sigma_deg
                    or any(any(row.values()) for row in self.confusion.values()) or self.categories)

    def of(self, label: str) -> CategoryFaults:
        """The values in force for ``label``: its category's, the global ones where it has none."""
        own = self.categories.get(label, CategoryFaults())
        return CategoryFaults(**{name: getattr(self, name) if getattr(own, name) is None else getattr(own, name)
                                 for name in CategoryFaults.__dataclass_fields__})

    @classmethod
    def preset(cls, name: str) -> CodeFaultConfig:
        """The preset ``name``: ``clean``/``none`` (no faults) or a fitted preset file of
        :data:`PRESET_DIR` (e.g. ``authors-scannet``); an unknown name is a
        :class:`ValidationError` naming the known ones."""
        if name in CLEAN_PRESETS:
            return cls(name=name)
        path = PRESET_DIR / f"{name}.json"
        if name not in preset_names() or not path.is_file():
            raise ValidationError("faults", f"unknown code-fault preset {name!r}; known: {', '.join(preset_names())}")
        return build_config(cls, {**json.loads(path.read_text(encoding="utf-8"))["config"], "name": name}, "faults.")


def preset_names() -> list[str]:
    """The known preset names: the clean ones, then the fitted files' names (sorted)."""
    return [*CLEAN_PRESETS, *sorted(p.stem for p in PRESET_DIR.glob("*.json"))]


def upright_sides(box: Box3D) -> tuple[float, float, float, float]:
    """The box read as an upright box: (side along its first horizontal axis, side along the
    other horizontal axis, vertical side, all m; yaw of the first horizontal axis, rad). The
    vertical axis is the box axis closest to +z (annotation boxes list their axes in any order)."""
    axes = box.rotation_matrix
    vertical = int(np.argmax(np.abs(axes[2])))
    first, second = [k for k in range(3) if k != vertical]
    return (box.size[first], box.size[second], box.size[vertical],
            math.atan2(axes[1, first], axes[0, first]))


def _ratios(sides: tuple[float, float], mean: Sides, sigma: Sides, rng: np.random.Generator) -> tuple[float, float, float]:
    """Ratios (encoded/true) for the two horizontal sides (in their order) and the vertical one:
    the longer side takes the long-side ratio."""
    long_, short, vertical = np.exp(np.asarray(mean) + np.asarray(sigma) * rng.standard_normal(3))
    return (long_, short, vertical) if sides[0] >= sides[1] else (short, long_, vertical)


def _faulty_box(box: Box3D, own: CategoryFaults, config: CodeFaultConfig, rng: np.random.Generator,
                shift: float = 0.0) -> Box3D:
    """``box`` upright with the centre, size and yaw noise of ``own`` (the duplicate ``shift``,
    m, added as horizontal noise)."""
    a, b, height, yaw = upright_sides(box)
    ra, rb, rh = _ratios((a, b), own.log_size_mean, own.log_size_sigma, rng)  # type: ignore[arg-type]
    sigma = np.array([own.centre_sigma_xy, own.centre_sigma_xy, own.centre_sigma_z], dtype=float)
    move = rng.standard_normal(3) * sigma + np.array([shift, shift, 0.0]) * rng.standard_normal(3)
    turn = math.radians(config.yaw_sigma_deg) * rng.standard_normal()
    return Box3D(tuple(float(v) for v in box.center_array + move), (a * ra, b * rb, height * rh),
                 (0.0, 0.0, math.remainder(yaw + turn, 2 * math.pi)))


def _confused(label: str, config: CodeFaultConfig, rng: np.random.Generator) -> str:
    """``label`` or, by the ``confusion`` row of the label, another one."""
    draw = rng.random()
    for other, p in sorted(config.confusion.get(label, {}).items()):
        if draw < p:
            return other
        draw -= p
    return label


def _extras(code: SpatialCode, objects: list[SpatialObject], config: CodeFaultConfig, next_id: int,
            rng: np.random.Generator) -> list[SpatialObject]:
    """The extra objects of step 5 of the module docstring."""
    count = int(rng.poisson(config.extra_per_scene)) if config.extra_per_scene > 0 else 0
    labels = sorted(config.extra_labels)
    weights = np.array([config.extra_labels[k] for k in labels], dtype=float)
    if not count or not code.objects or not labels or weights.sum() <= 0:
        return []
    corners = np.concatenate([o.box.corners for o in code.objects])
    low, high = corners.min(axis=0), corners.max(axis=0)
    median = tuple(float(v) for v in np.median([upright_sides(o.box)[:3] for o in code.objects], axis=0))
    times = [o.first_seen for o in objects if o.first_seen is not None]
    extras = []
    for k in range(count):
        label = labels[int(rng.choice(len(labels), p=weights / weights.sum()))]
        same = [o for o in code.objects if o.label == label]
        sides = upright_sides(same[int(rng.integers(len(same)))].box)[:3] if same else config.extra_sizes.get(label, median)
        x, y = rng.uniform(low[:2], high[:2])
        box = Box3D((float(x), float(y), float(low[2] + sides[2] / 2)), tuple(float(s) for s in sides),
                    (0.0, 0.0, float(rng.uniform(-math.pi, math.pi))))
        seen = float(rng.uniform(min(times), max(times))) if times else None
        extras.append(SpatialObject(id=next_id + k, label=label, box=box, first_seen=seen))
    return extras


def apply_code_faults(code: SpatialCode, config: CodeFaultConfig, seed: int) -> SpatialCode:
    """``code`` as an imperfect encoder would report it (the faults of the module docstring),
    deterministic per ``seed``; a config without faults returns ``code`` itself."""
    if not config.enabled:
        return code
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0xC0DE])
    kept = [o for o, draw in zip(code.objects, rng.random(len(code.objects))) if draw >= config.of(o.label).miss]
    next_id = max((o.id for o in code.objects), default=-1) + 1
    objects = []
    for obj in kept:
        own = config.of(obj.label)
        faulty = replace(obj, box=_faulty_box(obj.box, own, config, rng), label=_confused(obj.label, config, rng))
        objects.append(faulty)
        if rng.random() < own.duplicate:
            box = _faulty_box(obj.box, own, config, rng, shift=config.duplicate_shift)
            objects.append(replace(faulty, id=next_id, box=box, confidence=None, observations=None))
            next_id += 1
    objects += _extras(code, objects, config, next_id, rng)
    room = None if rng.random() < config.drop_room else code.room
    provenance = Provenance.from_config("spatialcode.synth.code_faults", {
        "preset": config.name, "seed": int(seed), "faults_hash": Provenance.from_config("", config_dict(config)).config_hash,
        "perturbed": code.provenance.producer})
    return replace(code, objects=tuple(objects), room=room, object_counts=None, provenance=provenance)


def stable_seed(seed: int, key: str) -> int:
    """A seed (0 … 2³²−1) for one item named ``key`` (a scene, a question id) of a run seeded
    with ``seed``: the same on every machine and Python run (CRC-32, not ``hash``)."""
    return zlib.crc32(f"{int(seed)}:{key}".encode()) & 0xFFFFFFFF
