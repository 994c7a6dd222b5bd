#!/usr/bin/env bash
# Installs the native libraries Tandem links against, when they are missing.
# Idempotent: does nothing when every package is already installed.
set -euo pipefail

PACKAGES=(libopenblas-dev liblapacke-dev libxsmm-dev libfftw3-dev libsuitesparse-dev libnetcdf-dev netcdf-bin zlib1g-dev pkg-config openmpi-bin libopenmpi-dev)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

# The test suite reads Tandem's files from Python (numpy, xarray) in a virtual environment.
if ! python3 -m venv --help >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: missing packages: ${missing[*]}" >&2
    echo "bootstrap: this system has no apt-get; install OpenBLAS, SuiteSparse (CHOLMOD, UMFPACK) and NetCDF-C development files by hand." >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    elif command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "bootstrap: missing packages: ${missing[*]}" >&2
        echo "bootstrap: not root and sudo is unavailable; run as root: apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
