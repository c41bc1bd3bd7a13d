#!/usr/bin/env bash
# Set up .venv if needed, lint (ruff), then run the whole test suite offline: `scripts/test.sh [pytest options]`.
# The test files are shared out among one worker per CPU (pytest-xdist; a file's tests stay on one worker,
# so its module fixtures are built once); `-n 0` runs everything in this process.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
export HF_HUB_OFFLINE=1
"$ROOT/.venv/bin/ruff" check --quiet src tests benchmarks
exec "$ROOT/.venv/bin/python" -m pytest -n auto --dist loadfile "$@"
