"""The furniture catalogue: vocabulary, sizes against real annotation medians, placement rules,
confusable groups, palettes and lookups."""

from __future__ import annotations

import pytest

from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.synth import (
    CATEGORIES,
    PLACEMENTS,
    ROOM_KINDS,
    Variant,
    categories_for_room,
    category,
)

REQUIRED = (
    "chair", "table", "sofa", "bed", "tv", "cabinet", "toilet", "sink", "stove", "refrigerator", "lamp", "monitor",
    "nightstand", "bookshelf", "stool", "bathtub", "washer", "trash bin", "plant", "door", "window", "microwave",
    "keyboard", "laptop", "pillow", "mirror", "heater", "whiteboard", "backpack", "computer tower",
)

# Medians of the VSI-Bench annotation boxes (dev half): (short side, long side, height), metres.
# Windows/mirrors (depth includes sills and frames), counters (worktop slab only) and microwaves
# (partial boxes) deliberately differ, see the categories module docstring.
REFERENCE_MEDIANS = {
    "chair": (0.52, 0.61, 0.82), "table": (0.67, 1.19, 0.73), "door": (0.10, 0.97, 2.04), "sofa": (0.97, 1.82, 0.77),
    "bed": (1.50, 2.17, 0.67), "tv": (0.06, 0.88, 0.55), "refrigerator": (0.58, 0.71, 1.65),
    "trash bin": (0.29, 0.42, 0.40), "monitor": (0.20, 0.59, 0.50), "keyboard": (0.19, 0.45, 0.03),
    "toilet": (0.39, 0.61, 0.73), "pillow": (0.29, 0.61, 0.20), "stool": (0.37, 0.47, 0.44), "stove": (0.55, 0.65, 0.06),
    "heater": (0.12, 1.34, 0.45), "bookshelf": (0.38, 0.98, 2.00), "backpack": (0.33, 0.43, 0.38),
    "whiteboard": (0.06, 2.00, 1.24), "lamp": (0.24, 0.37, 0.62), "printer": (0.43, 0.52, 0.37),
    "plant": (0.19, 0.26, 0.35), "bathtub": (0.68, 1.65, 0.55), "nightstand": (0.45, 0.67, 0.68),
    "washer": (0.62, 0.67, 0.85), "computer tower": (0.22, 0.48, 0.45), "laptop": (0.30, 0.40, 0.07),
    "ceiling light": (0.27, 1.21, 0.18), "clock": (0.06, 0.30, 0.31), "telephone": (0.21, 0.29, 0.12),
    "fireplace": (0.60, 1.61, 1.20), "suitcase": (0.45, 0.69, 0.27), "cup": (0.09, 0.13, 0.10),
    "window": (None, 1.14, 0.92), "mirror": (None, 0.89, 0.89),
}


def test_vocabulary_covers_the_required_categories():
    assert set(REQUIRED) <= set(CATEGORIES)
    assert len(CATEGORIES) >= 40
    assert all(name == name.lower() and name.strip() == name for name in CATEGORIES)


@pytest.mark.parametrize("name", sorted(REFERENCE_MEDIANS))
def test_size_ranges_match_real_annotation_medians(name):
    """Each median side lies within the catalogue's range for it (over variants), ±30 %."""
    cat = category(name)
    short = (min(min(v.depth[0], v.width[0]) for v in cat.variants), max(min(v.depth[1], v.width[1]) for v in cat.variants))
    long = (min(max(v.depth[0], v.width[0]) for v in cat.variants), max(max(v.depth[1], v.width[1]) for v in cat.variants))
    height = (min(v.height[0] for v in cat.variants), max(v.height[1] for v in cat.variants))
    for median, (lo, hi) in zip(REFERENCE_MEDIANS[name], (short, long, height)):
        if median is not None:
            assert lo / 1.3 <= median <= hi * 1.3, (name, median, (lo, hi))


def test_variants_are_consistent():
    for cat in CATEGORIES.values():
        assert cat.placements and set(cat.placements) <= set(PLACEMENTS)
        lows, highs = cat.size_range
        assert all(0 < lo <= hi < 3.0 for lo, hi in zip(lows, highs)), cat.name
        for variant in cat.variants:
            for support in variant.supports:  # supports stand on the floor
                assert set(category(support).placements) & {"floor", "against_wall"}, (cat.name, support)
            if variant.placement == "in_wall":
                assert variant.depth[1] <= 0.1 and variant.mount is not None
            if variant.relation == "around":
                assert variant.placement == "floor"


def test_placement_kinds_of_key_categories():
    assert category("door").placements == ("in_wall",) and category("window").placements == ("in_wall",)
    assert category("bed").placements == ("against_wall",)
    assert category("monitor").variants[0].supports == ("table",)
    assert "nightstand" in category("lamp").variants[0].supports
    assert set(category("tv").placements) == {"on_support", "wall_mounted"}
    assert {"counter", "cabinet"} <= set(category("microwave").variants[0].supports)
    assert category("chair").variants[0].relation == "around"
    assert category("door").variants[0].keep_clear > 0.5


def test_every_room_kind_has_essentials_and_every_category_a_room():
    for kind in ROOM_KINDS:
        cats = categories_for_room(kind)
        assert any(c.count_range(kind)[0] >= 1 and c.name not in ("door", "window") for c in cats), kind
        assert category("door").count_range(kind)[0] >= 1
    assert all(cat.rooms for cat in CATEGORIES.values())
    assert category("chair").count_range("office")[1] >= 2  # counting questions need repeats
    assert category("bed").count_range("kitchen") == (0, 0)


def test_palettes_are_rgb_in_unit_range():
    for cat in CATEGORIES.values():
        assert cat.palette
        assert all(len(rgb) == 3 and all(0.0 <= c <= 1.0 for c in rgb) for rgb in cat.palette)


def test_lookup_is_normalised_and_unknown_is_a_clear_error():
    assert category("  Trash   Bin ") is CATEGORIES["trash bin"]
    with pytest.raises(SpatialCodeError, match="unknown category 'spaceship'; known: .*chair"):
        category("spaceship")
    with pytest.raises(SpatialCodeError, match="unknown room kind"):
        categories_for_room("garage")


def test_variant_validation():
    with pytest.raises(ValidationError, match="depth"):
        Variant("bad", (0.5, 0.2), (0.3, 0.4), (0.5, 0.6), "floor")
    with pytest.raises(ValidationError, match="placement"):
        Variant("bad", (0.2, 0.5), (0.3, 0.4), (0.5, 0.6), "hovering")
    with pytest.raises(ValidationError, match="supports"):
        Variant("bad", (0.2, 0.5), (0.3, 0.4), (0.5, 0.6), "on_support")
    with pytest.raises(ValidationError, match="relation"):
        Variant("bad", (0.2, 0.5), (0.3, 0.4), (0.5, 0.6), "floor", near=("table",))


def test_the_shipped_typical_sizes_are_the_catalogues():
    """The table the reasoner reads (a generated file below it in the layout) is what the catalogue
    derives; regenerate it with ``scripts/write_typical_sizes.py`` after changing a size range."""
    from spatialcode.synth.categories import typical_longest_sides as derived
    from spatialcode.tasks.typical_sizes import typical_longest_sides as shipped

    assert dict(shipped()) == derived()
    from spatialcode.synth.categories import reference_heights as derived_heights
    from spatialcode.tasks.typical_sizes import reference_heights as shipped_heights

    assert dict(shipped_heights()) == derived_heights() and shipped_heights()["door"] == (1.95, 2.1)
    # worked by hand from the ranges: a door 1.95–2.10 m high; a bed: single 1.95–2.10 long,
    # double 2.0–2.2 → midpoints 2.025 and 2.1, median 2.0625 (rounded to the millimetre)
    assert shipped()["door"] == 2.025 and shipped()["bed"] == pytest.approx(2.062)
    from spatialcode.synth.categories import smallest_longest_sides as derived_smallest
    from spatialcode.tasks.typical_sizes import smallest_longest_sides as shipped_smallest

    assert dict(shipped_smallest()) == derived_smallest()
    # by hand: a sofa 0.8–1.0 deep, 1.5–2.4 wide, 0.7–0.9 high is at least 1.5 m long; a bed, single
    # (1.95–2.10 long) or double (2.0–2.2), at least 1.95 m
    assert shipped_smallest()["sofa"] == 1.5 and shipped_smallest()["bed"] == 1.95
