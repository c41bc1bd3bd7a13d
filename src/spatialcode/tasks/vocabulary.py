"""The object categories of the benchmark and every other name they go by: one vocabulary for the
question parser, the synthetic world, the renderer, the reasoner and the encoders.

It lives in :mod:`spatialcode.tasks` because the category names are part of VSI-Bench's schema,
like its task names: its questions and per-scene annotations name objects by these categories.
Here, at the bottom of the house (it imports nothing of the project), every layer can read it —
question parsing (:mod:`spatialcode.questions.labels`), the synthetic world's catalogue, the
renderer's shapes and the encoders' default label lists — without importing upward.

Two relations, kept apart:

- a category's *names* (:data:`OTHER_NAMES`): words that name objects VSI-Bench annotates as that
  category — synonyms ("couch" is a sofa), the other datasets' spellings (ScanNet++ writes "trash
  can" and ScanNet "washing machine" where ScanNet writes "trash bin" and ARKitScenes "washer")
  and the kinds it folds into the category (its annotations have no desks: a desk is annotated
  "table", as the route plans show — "navigate to the other desk" in a scene with two tables);
- how a category is *drawn* — a closet with a cabinet's shape, a heater as a radiator — which is
  the renderer's decision (:mod:`spatialcode.synth.shapes.drawn_as`), not a name: a closet is not
  a cabinet (VSI-Bench annotates closets and no cabinets), a bucket not a trash bin (both are
  annotated in one scene).

Matching a question's words to a scene's labels prefers, in order, a label spelled like the word
("desk" finds a scene's desk before its table), the category's own name ("dining table" finds the
table before a desk), then its other names in the order listed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: VSI-Bench's object categories as its annotations spell them (the dev half's 63 names, one per
#: category: "trash can" and "washing machine" are other names of "trash bin" and "washer").
VSI_CATEGORIES: tuple[str, ...] = (
    "backpack", "basket", "bathtub", "bed", "blanket", "bookshelf", "bowl", "bucket", "ceiling light",
    "chair", "clock", "closet", "coat hanger", "computer mouse", "computer tower", "counter", "crate",
    "cup", "cushion", "cutting board", "dishwasher", "door", "exhaust fan", "fan", "fireplace",
    "headphones", "heater", "kettle", "keyboard", "lamp", "laptop", "microwave", "mirror", "monitor",
    "nightstand", "oven", "pan", "paper bag", "piano", "pillow", "plant", "power strip", "printer",
    "radiator", "refrigerator", "shoe rack", "shoes", "sofa", "stool", "stove", "suitcase", "table",
    "table lamp", "telephone", "toilet", "towel", "trash bin", "tv", "washer", "whiteboard", "window",
)
#: Categories this project names beyond VSI-Bench's: the synthetic world builds cabinets and sinks
#: (which VSI-Bench leaves unannotated), and VSI-Bench's route plans name pictures on the walls (a
#: poster, a painting) that encoders report as "picture".
EXTENSION_CATEGORIES: tuple[str, ...] = ("cabinet", "sink", "picture")
#: Every category: VSI-Bench's, then the extensions.
CATEGORIES: tuple[str, ...] = VSI_CATEGORIES + EXTENSION_CATEGORIES

#: The other names of a category (lower case), best first: synonyms, other datasets' spellings and
#: the kinds of object VSI-Bench annotates as that category.
OTHER_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "trash bin": ("trash can", "trashcan", "trashbin", "garbage bin", "garbage can", "waste bin", "wastebasket", "bin"),
    "tv": ("television", "tv screen"),
    "refrigerator": ("fridge", "mini fridge"),
    "washer": ("washing machine",),
    "sofa": ("couch", "loveseat"),
    "coat hanger": ("coat rack", "coat stand"),
    "table": ("desk", "dining table", "coffee table", "side table", "end table", "kitchen table"),
    "whiteboard": ("white board", "board", "electronic white board"),
    "monitor": ("computer monitor", "screen", "display"),
    "computer tower": ("pc", "computer case"),
    "door": ("doorframe", "door frame", "doorway"),
    "bathtub": ("bath tub", "bathtube", "tub"),
    "closet": ("wardrobe",),
    "bookshelf": ("bookcase", "shelf", "shelves"),
    "nightstand": ("night stand", "bedside table"),
    "lamp": ("floor lamp", "standing lamp"),
    "plant": ("potted plant",),
    "picture": ("painting", "drawing", "poster", "hanging picture"),
    "ceiling light": ("ceiling lamp",),
    "keyboard": ("computer keyboard",),
    "counter": ("kitchen counter", "countertop"),
    "cabinet": ("cupboard", "kitchen cabinet", "file cabinet"),
})


def normal_name(name: str) -> str:
    """An object name as questions write it: lower case, underscores as spaces, single spaces
    (``"Coffee_Table "`` → ``"coffee table"``)."""
    return " ".join(name.lower().replace("_", " ").split())


#: Every name (each category and each of its other names) → its category.
_CATEGORY_OF: dict[str, str] = {
    **{category: category for category in CATEGORIES},
    **{name: category for category, names in OTHER_NAMES.items() for name in names},
}


def canonical_category(name: str) -> str | None:
    """The category (one of :data:`CATEGORIES`) that ``name`` names — itself when it is one, the
    category whose other name it is — or ``None``; case, underscores and spacing do not matter,
    inflections do (plural forms are the question parser's business)."""
    return _CATEGORY_OF.get(normal_name(name))


def category_names(category: str) -> tuple[str, ...]:
    """Every name of ``category`` (one of :data:`CATEGORIES`), best first: the category itself,
    then its :data:`OTHER_NAMES`."""
    return (category, *OTHER_NAMES.get(category, ()))
