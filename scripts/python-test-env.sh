#!/usr/bin/env bash
# Creates .venv-test with the pinned packages of scripts/requirements-test.txt (idempotent) and
# prints the interpreter's path.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-test
STAMP="$VENV/.requirements"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" >&2
fi
if ! cmp -s scripts/requirements-test.txt "$STAMP" 2>/dev/null; then
    echo "python-test-env: installing $(grep -v '^#' scripts/requirements-test.txt | tr '\n' ' ')" >&2
    "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-test.txt >&2
    cp scripts/requirements-test.txt "$STAMP"
fi
echo "$PWD/$VENV/bin/python"
