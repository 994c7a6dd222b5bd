#!/usr/bin/env bash
# Prints the OpenBLAS core type this CPU can use safely, or nothing.
# OpenBLAS 0.3.21 does not recognise recent AMD cores with AVX-512 and falls back to its
# Haswell kernels; its SkylakeX kernels need AVX-512 F, CD, BW, DQ and VL, checked here.
set -eu
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then echo "$OPENBLAS_CORETYPE"; exit 0; fi
[ -r /proc/cpuinfo ] || exit 0
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
for f in avx512f avx512cd avx512bw avx512dq avx512vl; do
    case " $flags " in *" $f "*) ;; *) exit 0 ;; esac
done
echo SkylakeX
