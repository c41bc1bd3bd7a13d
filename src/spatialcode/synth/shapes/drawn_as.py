"""Which shape draws a label: its own shape when it names one (:data:`SHAPE_BUILDERS`), else the
shape its aliases name; a label also matches by its last word ("office chair" → chair) and a
trailing plural ``s``. A label with no shape renders as a plain box."""

from __future__ import annotations

from spatialcode.synth.shapes.furniture import SHAPE_BUILDERS

#: Other names of the shape categories (lower case); a label also matches by its last word
#: ("office chair" → chair) and by a trailing plural ``s``.
CATEGORY_ALIASES: dict[str, str] = {
    "couch": "sofa", "armchair": "sofa", "loveseat": "sofa",
    "desk": "desk", "dining table": "table", "coffee table": "table", "side table": "table",
    "end table": "table", "kitchen table": "table",
    "television": "tv", "tv screen": "tv", "computer monitor": "monitor", "screen": "monitor",
    "display": "monitor",
    "fridge": "refrigerator", "mini fridge": "refrigerator",
    "bookcase": "bookshelf", "shelf": "bookshelf", "shelves": "bookshelf", "shoe rack": "bookshelf",
    "closet": "cabinet", "wardrobe": "cabinet", "dresser": "cabinet", "drawer": "cabinet",
    "kitchen cabinet": "cabinet", "file cabinet": "cabinet", "cupboard": "cabinet",
    "night stand": "nightstand", "bedside table": "nightstand",
    "floor lamp": "lamp", "table lamp": "lamp", "standing lamp": "lamp", "desk lamp": "lamp",
    "potted plant": "plant", "flower": "plant", "flowers": "plant",
    "doorframe": "door", "door frame": "door", "doorway": "door",
    "painting": "picture", "poster": "picture", "drawing": "picture", "hanging picture": "picture",
    "photo": "picture", "frame": "picture",
    "white board": "whiteboard", "board": "whiteboard", "electronic white board": "whiteboard",
    "cushion": "pillow",
    "trash bin": "bin", "trash can": "bin", "trashcan": "bin", "garbage bin": "bin",
    "garbage can": "bin", "waste bin": "bin", "wastebasket": "bin", "recycling bin": "bin",
    "bucket": "bin", "basket": "bin",
    "bathtub": "tub", "bath tub": "tub", "bathtube": "tub", "sink": "tub",
    "light": "ceiling light", "ceiling lamp": "ceiling light",
    "microwave": "appliance", "oven": "appliance", "stove": "appliance", "dishwasher": "appliance",
    "printer": "appliance", "fireplace": "appliance", "piano": "appliance",
    "washing machine": "washer", "dryer": "washer",
    "computer keyboard": "keyboard",
    "pc": "computer tower", "computer case": "computer tower",
    "kitchen counter": "counter", "countertop": "counter",
    "heater": "radiator",
}


def shape_category(label: str) -> str | None:
    """Return the shape category of a label (see :data:`CATEGORY_ALIASES`), or ``None`` when
    the label has no dedicated shape (it renders as a plain box)."""
    name = " ".join(label.lower().replace("_", " ").split())
    candidates = [name]
    if name.endswith("s"):
        candidates.append(name[:-1])
    words = name.split(" ")
    if len(words) > 1:
        candidates += [words[-1], words[-1].removesuffix("s")]
    for cand in candidates:
        if cand in SHAPE_BUILDERS:
            return cand
        if cand in CATEGORY_ALIASES:
            return CATEGORY_ALIASES[cand]
    return None
