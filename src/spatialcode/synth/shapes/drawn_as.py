"""Which shape draws a label: the shape it names (:data:`SHAPE_BUILDERS`), else the shape of the
category it names in the shared vocabulary (:mod:`spatialcode.tasks.vocabulary`: "couch" is a
sofa, "wardrobe" a closet), else the shape :data:`DRAWN_AS` lends it; a label also matches by its
last word ("office chair" → chair) and a trailing plural ``s``. A label with no shape renders as
a plain box."""

from __future__ import annotations

from spatialcode.synth.shapes.furniture import SHAPE_BUILDERS
from spatialcode.tasks.vocabulary import canonical_category

#: The shape that draws a category (or a name the vocabulary does not know) without a shape of its
#: own: a decision about looks, not names — a closet is not a cabinet, a sink not a bathtub, but
#: each is drawn like one.
DRAWN_AS: dict[str, str] = {
    "armchair": "sofa",
    "shoe rack": "bookshelf",
    "closet": "cabinet", "dresser": "cabinet", "drawer": "cabinet",
    "table lamp": "lamp", "desk lamp": "lamp",
    "flower": "plant", "flowers": "plant",
    "photo": "picture", "frame": "picture",
    "cushion": "pillow",
    "trash bin": "bin", "recycling bin": "bin", "bucket": "bin", "basket": "bin",
    "bathtub": "tub", "sink": "tub",
    "light": "ceiling light",
    "microwave": "appliance", "oven": "appliance", "stove": "appliance", "dishwasher": "appliance",
    "printer": "appliance", "fireplace": "appliance", "piano": "appliance",
    "dryer": "washer",
    "heater": "radiator",
}


def _shape_of(name: str | None) -> str | None:
    """The shape named ``name`` or lent to it, if any."""
    if name in SHAPE_BUILDERS:
        return name
    return DRAWN_AS.get(name or "")


def shape_category(label: str) -> str | None:
    """Return the shape (a key of :data:`SHAPE_BUILDERS`) that draws ``label``, or ``None`` when
    the label has no dedicated shape (it renders as a plain box)."""
    name = " ".join(label.lower().replace("_", " ").split())
    candidates = [name]
    if name.endswith("s"):
        candidates.append(name[:-1])
    words = name.split(" ")
    if len(words) > 1:
        candidates += [words[-1], words[-1].removesuffix("s")]
    for candidate in candidates:
        shape = _shape_of(candidate) or _shape_of(canonical_category(candidate))
        if shape is not None:
            return shape
    return None
