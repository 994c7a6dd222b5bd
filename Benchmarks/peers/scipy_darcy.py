"""SciPy (and, when installed, scikit-sparse CHOLMOD) peer for the Darcy benchmark.

Builds the same 5-point matrix as Tandem's DarcySolver — harmonic-mean face coefficients of
K = exp(sin 2πx · cos 2πy) on an n × n grid of the unit square, f = 1, u = 0 on the boundary — and
times assembly plus solve end to end. Prints one JSON object per measurement.
"""
import json
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp
import scipy.sparse.linalg as spla

try:
    from sksparse.cholmod import cholesky
except ImportError:  # scikit-sparse is optional
    cholesky = None


def assemble(n):
    h = 1.0 / (n - 1)
    x = np.linspace(0, 1, n)
    X, Y = np.meshgrid(x, x)  # Y rows, X columns; flat index = j*n + i (x fastest)
    K = np.exp(np.sin(2 * np.pi * X) * np.cos(2 * np.pi * Y))
    m = n - 2
    index = -np.ones((n, n), dtype=np.int64)
    index[1:-1, 1:-1] = np.arange(m * m).reshape(m, m)
    rows, cols, vals = [], [], []
    diag = np.zeros(m * m)
    for dj, di in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        kp = K[1:-1, 1:-1]
        kq = K[1 + dj:n - 1 + dj, 1 + di:n - 1 + di]
        face = 2 * kp * kq / (kp + kq) / (h * h)
        diag += face.ravel()
        q = index[1 + dj:n - 1 + dj, 1 + di:n - 1 + di].ravel()
        p = index[1:-1, 1:-1].ravel()
        inside = q >= 0
        rows.append(p[inside]); cols.append(q[inside]); vals.append(-face.ravel()[inside])
    rows.append(np.arange(m * m)); cols.append(np.arange(m * m)); vals.append(diag)
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m * m, m * m))
    b = np.ones(m * m)
    return A, b


def measure(name, n, fn, repeats):
    times, residual = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        A, b, u = fn()
        times.append(time.perf_counter() - t0)
        residual = np.linalg.norm(b - A @ u) / np.linalg.norm(b)
    times.sort()
    print(json.dumps({"name": name, "precision": "F64", "batch": n,
                      "medianMilliseconds": times[len(times) // 2] * 1e3, "gflops": None,
                      "note": f"residual {residual:.1e}"}), flush=True)


def main():
    print(f"scipy-peer: scipy {scipy.__version__}, numpy {np.__version__}, "
          f"scikit-sparse {'available' if cholesky else 'not installed'}", file=sys.stderr)
    for n in (256, 512, 1024):
        repeats = 3 if n >= 1024 else 5

        def with_spsolve():
            A, b = assemble(n)
            return A, b, spla.spsolve(A, b)
        measure("darcy_end_to_end", n, with_spsolve, repeats)
        if cholesky is not None:
            def with_cholmod():
                A, b = assemble(n)
                return A, b, cholesky(A)(b)
            measure("darcy_end_to_end_sksparse", n, with_cholmod, repeats)


if __name__ == "__main__":
    main()
