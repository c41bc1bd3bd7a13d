#!/usr/bin/env bash
# Set up .venv if needed, lint (ruff), then run the whole test suite offline: `scripts/test.sh [pytest options]`.
# The test files are shared out among one worker per CPU (pytest-xdist; a file's tests stay on one worker,
# so its module fixtures are built once); `-n 0` runs everything in this process.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
# The browser test drives Debian's chromium (Playwright's own browser download cannot be fetched everywhere);
# without it, that test is skipped.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "spatialcode: installing the Debian package chromium (for the browser test)" >&2
    apt-get install -y -q chromium >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } \
        || echo "spatialcode: could not install chromium; the browser test will be skipped" >&2
fi
cd "$ROOT"
export HF_HUB_OFFLINE=1
"$ROOT/.venv/bin/ruff" check --quiet src tests benchmarks
exec "$ROOT/.venv/bin/python" -m pytest -n auto --dist loadfile "$@"
