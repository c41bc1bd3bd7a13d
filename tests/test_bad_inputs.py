"""Every case of the bad-input corpus (``tests/bad_inputs_*.py``) gives one clear error line, a
non-zero exit code, no traceback and no write outside its folder (see ``tests/bad_input_corpus``)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.bad_input_corpus import BadInput, run_case, verdict


def all_cases() -> list[BadInput]:
    """The cases of every ``tests/bad_inputs_*.py`` module, in file order."""
    cases: list[BadInput] = []
    for path in sorted(Path(__file__).parent.glob("bad_inputs_*.py")):
        cases += importlib.import_module(f"tests.{path.stem}").CASES
    return cases


CASES = all_cases()


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_gets_one_clear_error(case: BadInput, tmp_path):
    result = run_case(case, tmp_path / "case")
    problem = verdict(case, result)
    assert problem is None, problem
