"""Regenerate ``src/spatialcode/data/typical_sizes.json`` from the synthetic catalogue.

    .venv/bin/python scripts/write_typical_sizes.py

Run it after changing a size range in :mod:`spatialcode.synth.categories`; the test suite fails
while the file and the catalogue disagree.
"""

from __future__ import annotations

import json
from pathlib import Path

from spatialcode.synth.categories import reference_heights, smallest_longest_sides, typical_longest_sides

OUT = Path(__file__).resolve().parents[1] / "src" / "spatialcode" / "data" / "typical_sizes.json"

if __name__ == "__main__":
    doc = {"source": "spatialcode.synth.categories.typical_longest_sides, smallest_longest_sides and "
                     "reference_heights (scripts/write_typical_sizes.py)",
           "longest_side_m": typical_longest_sides(),
           "smallest_longest_side_m": smallest_longest_sides(),
           "reference_height_m": {name: list(span) for name, span in reference_heights().items()}}
    OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
