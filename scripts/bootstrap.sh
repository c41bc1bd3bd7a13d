#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment at .venv in the repo root.
# Idempotent: reinstalls only when pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.spatialcode-installed"
EXTRAS="${SPATIALCODE_EXTRAS:-llm,llamacpp,train,vision,view,app,test,lmms-eval}"
# lmms-eval (docs/lmms_eval.md) goes in on its own, without its declared dependencies: they would pull
# a CUDA torch, torchvision and av < 16 (gigabytes, and a downgrade of the pinned av). The `lmms-eval`
# extra holds what its VSI-Bench task, evaluator and CLI import.
LMMS_EVAL="lmms-eval==0.7.3"
WANT="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1) extras=$EXTRAS $LMMS_EVAL"
PY="${PYTHON:-python3}"
# System libraries: libusb-1.0 for Open3D (the renderer's ray caster), libseccomp for the sandbox
# that runs a model's programs.
for need in "libusb-1.0.so.0 libusb-1.0-0 Open3D" "libseccomp.so.2 libseccomp2 the-program-sandbox"; do
    set -- $need
    if ! ldconfig -p 2>/dev/null | grep -q "$1"; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "spatialcode: installing the Debian package $2 (needed by ${3//-/ })" >&2
            apt-get install -y -q "$2" >/dev/null 2>&1 \
                || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$2" >/dev/null; }
        else
            echo "spatialcode: ${3//-/ } needs $1; install it (Debian/Ubuntu: sudo apt-get install $2)" >&2
        fi
    fi
done
if [ ! -x "$VENV/bin/python" ]; then
    echo "spatialcode: creating virtual environment in $VENV" >&2
    "$PY" -m venv "$VENV"
fi
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    echo "spatialcode: installing the package and its pinned dependencies ($EXTRAS)" >&2
    LOG="$VENV/install.log"
    if ! { "$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade pip \
           && "$VENV/bin/python" -m pip install --disable-pip-version-check -e "$ROOT[$EXTRAS]" \
           && { [[ ",$EXTRAS," != *,lmms-eval,* ]] \
                || "$VENV/bin/python" -m pip install --disable-pip-version-check --no-deps "$LMMS_EVAL"; }; } >"$LOG" 2>&1; then
        tail -n 20 "$LOG" >&2
        echo "spatialcode: installation failed; the full log is $LOG" >&2
        exit 1
    fi
    echo "$WANT" > "$STAMP"
fi
