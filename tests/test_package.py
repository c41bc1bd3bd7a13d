"""The package's face: a light root (importing a low package loads only the core), the API names
imported on first use, the version from the installed metadata."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import spatialcode


def _loaded_after(statement: str, prefix: str = "spatialcode") -> list[str]:
    """The modules named ``prefix…`` a fresh interpreter has loaded after ``statement``."""
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith({prefix!r}))))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_importing_geometry_loads_only_the_core_and_its_names_on_first_use():
    assert set(_loaded_after("import spatialcode.geometry")) == {
        "spatialcode", "spatialcode.core", "spatialcode.core.lazy", "spatialcode.core.version", "spatialcode.geometry"}
    loaded = _loaded_after("from spatialcode.geometry import box_iou_3d")
    assert "spatialcode.geometry.iou" in loaded
    assert {m.split(".")[1] for m in loaded if m.count(".")} == {"core", "geometry"}
    assert _loaded_after("from spatialcode.geometry import box_iou_3d", "scipy.spatial") == []  # imported when a hull is needed


def test_asking_with_a_language_model_loads_neither_the_encoder_nor_scipy_spatial():
    """``ask``'s start-up (0.4 s for scipy.spatial, 1.6 s for the encoder's imports, measured in BENCHMARKS.md)."""
    statement = ("import pathlib, sys, spatialcode.cli.ask, spatialcode.reason.registry, spatialcode.scene\n"
                 "assert not sys.modules['spatialcode.cli.ask']._is_video(pathlib.Path('scene.json'))")
    assert [m for m in _loaded_after(statement) if m.startswith(("spatialcode.encode", "spatialcode.synth"))] == []
    assert _loaded_after(statement, "scipy.spatial") == []


def test_the_api_names_resolve_on_first_use():
    assert _loaded_after("import spatialcode") == ["spatialcode", "spatialcode.core", "spatialcode.core.lazy",
                                                    "spatialcode.core.version"]
    assert spatialcode.__version__ == version("spatialcode")
    for name in spatialcode.__all__:
        assert getattr(spatialcode, name) is not None
    assert spatialcode.evaluate.__module__ == "spatialcode.bench.evaluate" and "Box3D" in dir(spatialcode)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        spatialcode.nothing  # noqa: B018


def _imported_packages(package: str) -> set[str]:
    """The spatialcode packages (``spatialcode.X``) the modules of ``package`` import, at the top
    or inside functions."""
    root = Path(spatialcode.__file__).parent
    found = set()
    for path in (root / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
            found |= {".".join(n.split(".")[:2]) for n in names if n.startswith("spatialcode.")}
    return found - {f"spatialcode.{package}"}


def test_the_camera_model_and_the_frames_document_sit_below_synth_and_encode():
    assert _imported_packages("geometry") <= {"spatialcode.core"}
    assert "spatialcode.encode" not in _imported_packages("formats") | _imported_packages("synth")


@pytest.mark.parametrize("package", ["spatialcode.core", "spatialcode.formats", "spatialcode.reason", "spatialcode.rl",
                                     "spatialcode.questions", "spatialcode.bench", "spatialcode.encode",
                                     "spatialcode.synth", "spatialcode.viz", "spatialcode.geometry", "spatialcode.tasks"])
def test_every_package_names_its_api_and_each_name_resolves(package):
    module = importlib.import_module(package)
    assert module.__all__ and module.__doc__
    for name in module.__all__:
        assert getattr(module, name) is not None, name
        assert name in dir(module)
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def test_a_lazy_package_loads_a_module_only_when_its_name_is_asked_for():
    loaded = _loaded_after("import spatialcode.reason.answer")
    assert "spatialcode.reason.solver" not in loaded and "spatialcode.reason.registry" not in loaded
    assert "spatialcode.reason.solver" in _loaded_after("import spatialcode.reason\nspatialcode.reason.Solver")
