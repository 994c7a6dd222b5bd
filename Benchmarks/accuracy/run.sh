#!/usr/bin/env bash
# What the inverse Fisher observations allow at best (see fisher_inverse_bound.py and docs/pinns.md).
# Usage: Benchmarks/accuracy/run.sh [OBSERVATIONS.nc]
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.venv-bench
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
if ! "$VENV/bin/python" -c "import numpy, scipy, netCDF4, sys; sys.exit(scipy.__version__ != '1.17.1' or netCDF4.__version__ != '1.7.2')" 2>/dev/null; then
    "$VENV/bin/pip" install -q "numpy==2.4.6" "scipy==1.17.1" "netCDF4==1.7.2"
fi
"$VENV/bin/python" Benchmarks/accuracy/fisher_inverse_bound.py "${1:-notebooks-data/fisher-inverse-observations.nc}"
