#!/usr/bin/env bash
# Set up .venv if needed, then run the embedded demo: `scripts/demo.sh [demo options]`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
exec "$ROOT/.venv/bin/spatialcode" demo "$@"
