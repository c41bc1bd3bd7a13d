"""Perturbing spatial codes on disk with the code-level faults (what ``spatialcode perturb`` runs):
one scene file, or a codes folder ``<dataset>/<scene>.json`` written again with the same layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from spatialcode.core.errors import InputFileError
from spatialcode.core.validation import check_whole_number
from spatialcode.scene import SpatialCode
from spatialcode.synth.code_faults import CodeFaultConfig, apply_code_faults, stable_seed


@dataclass(frozen=True)
class PerturbConfig:
    """The faults (``faults``, a :class:`CodeFaultConfig`; ``--faults PRESET`` sets the whole
    group) and the run's ``seed`` (each scene's own seed is
    :func:`~spatialcode.synth.code_faults.stable_seed` of it and the scene's name)."""

    faults: CodeFaultConfig = field(default_factory=CodeFaultConfig)
    seed: int = 0

    def __post_init__(self) -> None:
        check_whole_number(self.seed, "seed", minimum=0)


def perturb_code(code: SpatialCode, config: PerturbConfig, name: str) -> SpatialCode:
    """``code`` through ``config.faults``, seeded by the run's seed and the scene ``name``."""
    return apply_code_faults(code, config.faults, stable_seed(config.seed, code.source.scene_name or name))


def perturb_path(source: Path, out: Path, config: PerturbConfig) -> list[Path]:
    """Perturb the scene file ``source`` into the file ``out``, or every ``<dataset>/<scene>.json``
    of the codes folder ``source`` into the same place under the folder ``out``; returns the
    written files."""
    if source.is_file():
        if out.is_dir():
            raise InputFileError(f"{out}: a folder; the perturbed code of a scene file is a file (e.g. {out}/scene.json)")
        perturb_code(SpatialCode.load(source), config, source.stem).save(out)
        return [out]
    if not source.is_dir():
        raise InputFileError(f"{source}: no such scene file or codes folder")
    files = sorted(source.glob("*/*.json"))
    if not files:
        raise InputFileError(f"{source}: no <dataset>/<scene>.json files (a codes folder from `spatialcode convert`)")
    written = []
    for path in files:
        target = out / path.relative_to(source)
        perturb_code(SpatialCode.load(path), config, path.stem).save(target)
        written.append(target)
    return written
