"""The layout's rule, checked on every import of the package (module level and inside
functions): a part imports only itself and the parts below it (README, "Layout"), and no two
modules import each other, directly or around a loop."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import spatialcode

PACKAGE = Path(spatialcode.__file__).parent

#: The parts from the bottom up; each may import only the parts before it (and itself).
LAYERS = (
    "core",
    "geometry",
    "scene",
    "formats",
    "tasks",
    "questions",
    "reason",
    "viz",
    "bench",
    "synth",
    "encode",
    "rl",
    "integrations",  # adapters for outside tools (lmms-eval): they drive bench and encode
    "demo",
    "app",
    "cli",
    "__main__",
)
RANK = {part: rank for rank, part in enumerate(LAYERS)}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The spatialcode modules ``path`` imports (absolute names; a package's name for ``from
    package import name`` when ``name`` is not a module of it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("spatialcode"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("spatialcode"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if _is_module(candidate) else node.module)
    return found


def _is_module(name: str) -> bool:
    base = PACKAGE.parent.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _part(module: str) -> str | None:
    """The layout part of ``module`` (``None`` for the package root, which only names the API)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


MODULES = {_module_name(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def test_every_part_of_the_package_is_placed():
    assert {_part(m) for m in MODULES} - {None} == set(LAYERS)


@pytest.mark.parametrize("part", LAYERS)
def test_a_part_imports_only_the_parts_below_it(part):
    upward = sorted(f"{module} -> {target}" for module, targets in MODULES.items() if _part(module) == part
                    for target in targets if _part(target) is not None and RANK[_part(target)] > RANK[part])
    assert upward == []


def test_no_module_is_on_an_import_loop():
    graph = {module: {t for t in targets if t in MODULES and _part(t) is not None} for module, targets in MODULES.items()}
    # a package's __init__ that hands names on imports its own modules: not a loop of the code's logic
    graph = {m: {t for t in ts if not (t.startswith(m + ".") and m.count(".") >= 1)} for m, ts in graph.items()}
    loops = []
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                loops.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert loops == []


def test_the_check_sees_an_upward_import(tmp_path):
    """The rule can fail: a module of `geometry` importing `reason` is found."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from spatialcode.reason.solver import Solver\n    return Solver\n")
    assert _imports(bad) == {"spatialcode.reason.solver"}
    assert RANK[_part("spatialcode.reason.solver")] > RANK["geometry"]
