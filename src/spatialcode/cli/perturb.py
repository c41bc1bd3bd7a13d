"""``spatialcode perturb``: a spatial code (or a codes folder) as an imperfect encoder would report
it, by a code-level fault preset — fast, no rendering."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.settings import configured

if TYPE_CHECKING:
    from spatialcode.synth.perturb import PerturbConfig


def _code_fault_preset(name: str) -> dict[str, Any]:
    """``--faults NAME``: the whole ``faults`` group set to the code-fault preset ``NAME``."""
    from spatialcode.core.config import config_dict
    from spatialcode.synth.code_faults import CodeFaultConfig

    return {"faults": config_dict(CodeFaultConfig.preset(name))}


@click.command(
    "perturb",
    epilog="Examples:\n\n  spatialcode perturb codes/ --out noisy-codes/ --faults authors-scannet --seed 1\n\n"
    "  spatialcode perturb scene.json --out noisy.json --faults authors-scannet --set faults.miss=0.3\n\n"
    "Presets: clean (none), authors-scannet (fitted to a real encoder's boxes of 45 ScanNet scenes by "
    "`python benchmarks/real_codes.py noise`). A codes folder (<dataset>/<scene>.json) is written with the same layout.",
)
@click.argument("source", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="Output scene file (INPUT a scene file) or codes folder (INPUT a codes folder).")
@click.option("--faults", default=None, metavar="PRESET",
              help="A code-fault preset: clean, none or authors-scannet (sets the whole faults group). [faults]")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Seed of the run; each scene's own seed comes from it and the scene's name (default 0). [seed]")
@one_line_errors
@configured("spatialcode.synth.perturb:PerturbConfig", {"faults": _code_fault_preset, "seed": "seed"})
def perturb_command(source: Path, out: Path, config: PerturbConfig) -> None:
    """Apply code-level perception faults (misses, loose boxes, extras, label confusions, duplicates,
    no room) to the spatial code INPUT: a scene .json file or a codes folder.

    The settings are a PerturbConfig (the faults under faults.*, the seed): a --config YAML file,
    the options below, --set KEY=VALUE."""
    from spatialcode.synth.perturb import perturb_path

    written = perturb_path(source, out, config)
    click.echo(f"wrote {len(written)} perturbed scene code(s) ({config.faults.name}, seed {config.seed}) to {out}",
               err=True)
