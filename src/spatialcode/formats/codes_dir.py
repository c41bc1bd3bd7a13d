"""A folder of scene codes laid out as ``<dataset>/<scene_name>.json``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.formats.names import check_path_name
from spatialcode.scene import SpatialCode


def scene_path(root: str | Path, dataset: str | None, scene_name: str) -> Path:
    """Path of a scene's code inside a codes folder (``unknown`` when the dataset is not known);
    raises :class:`InputFileError` when either name is not a plain file name
    (:func:`~spatialcode.formats.names.check_path_name`), so the path never leaves ``root``."""
    try:
        folder = check_path_name(dataset or "unknown", "dataset name")
        name = check_path_name(scene_name, "scene name")
    except ValidationError as err:
        raise InputFileError(str(err)) from None
    return Path(root) / folder / f"{name}.json"


def write_codes(codes: Iterable[SpatialCode], root: str | Path) -> list[Path]:
    """Write each code to ``<root>/<dataset>/<scene_name>.json``; returns the written paths."""
    written = []
    for code in codes:
        if not code.source.scene_name:
            raise InputFileError("cannot write a scene without source.scene_name into a codes folder")
        path = scene_path(root, code.source.dataset, code.source.scene_name)
        code.save(path)
        written.append(path)
    return written


class CodeSource(Protocol):
    """Anything that returns the spatial code of a scene by (dataset, scene_name)."""

    def get(self, dataset: str | None, scene_name: str) -> SpatialCode:
        """Return the code of ``scene_name``; raise :class:`InputFileError` when there is none."""
        ...


class CodeSet:
    """Spatial codes held in memory, looked up like a :class:`CodesDir` (by scene name, the
    dataset checked when both sides have one)."""

    def __init__(self, codes: Iterable[SpatialCode]) -> None:
        self._codes: dict[str, SpatialCode] = {}
        for code in codes:
            if not code.source.scene_name:
                raise InputFileError("a code in a CodeSet needs source.scene_name")
            self._codes[code.source.scene_name] = code

    def get(self, dataset: str | None, scene_name: str) -> SpatialCode:
        """Return the code of ``scene_name`` (from ``dataset`` when both name a dataset)."""
        code = self._codes.get(scene_name)
        if code is None or (dataset and code.source.dataset and dataset != code.source.dataset):
            raise InputFileError(f"no spatial code for scene {scene_name!r} of dataset {dataset!r}")
        return code


class CodesDir:
    """Lazy reader of a codes folder: ``get(dataset, scene_name)`` loads and caches one scene."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise InputFileError(f"{self.root}: codes folder not found (make one with `spatialcode convert`)")
        self._cache: dict[tuple[str | None, str], SpatialCode] = {}

    def get(self, dataset: str | None, scene_name: str) -> SpatialCode:
        """Return the code of ``scene_name`` (looked up under ``dataset``, else in any subfolder)."""
        key = (dataset, scene_name)
        if key not in self._cache:
            path = scene_path(self.root, dataset, scene_name)
            if not path.is_file():  # the name is a plain file name: it globs nothing but itself
                matches = sorted(self.root.glob(f"*/{scene_name}.json"))
                if not matches:
                    raise InputFileError(f"{path}: no spatial code for scene {scene_name!r} in {self.root}")
                path = matches[0]
            self._cache[key] = SpatialCode.load(path)
        return self._cache[key]

    def load_all(self) -> list[SpatialCode]:
        """Load every ``*/*.json`` scene in the folder (sorted by path)."""
        return [SpatialCode.load(p) for p in sorted(self.root.glob("*/*.json"))]
