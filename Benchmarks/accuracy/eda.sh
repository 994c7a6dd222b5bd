#!/usr/bin/env bash
# Baselines for the EDA network on the same inputs and folds (see eda_baselines.py and docs/eda.md):
# SVR/SVC and gradient-boosted trees on each fold's features.nc of a compared run.
# Usage: Benchmarks/accuracy/eda.sh RUN_DIRECTORY
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.venv-bench
SKLEARN_VERSION=1.9.1
XGBOOST_VERSION=3.2.0
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
if ! "$VENV/bin/python" -c "import sklearn, xgboost, netCDF4, sys; sys.exit(sklearn.__version__ != '$SKLEARN_VERSION' or xgboost.__version__ != '$XGBOOST_VERSION' or netCDF4.__version__ != '1.7.2')" 2>/dev/null; then
    echo "eda baselines: installing scikit-learn==$SKLEARN_VERSION, xgboost==$XGBOOST_VERSION, netCDF4==1.7.2 into $VENV"
    "$VENV/bin/pip" install -q "numpy==2.4.6" "scikit-learn==$SKLEARN_VERSION" "xgboost==$XGBOOST_VERSION" "netCDF4==1.7.2"
fi
"$VENV/bin/python" Benchmarks/accuracy/eda_baselines.py "${1:?usage: Benchmarks/accuracy/eda.sh RUN_DIRECTORY}"
