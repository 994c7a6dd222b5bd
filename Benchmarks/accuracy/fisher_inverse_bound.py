"""What 50 noisy observations can tell about D and rho in the inverse Fisher-KPP problem.

Independent of Tandem's PINN: a SciPy method-of-lines solver (second-order differences on 401
points, BDF in time, rtol 1e-10) of u_t = D u_xx + rho u (1 - u), u(x, 0) = u0(x), u = 0 at
x = 0 and 1 — the initial condition read from the problem file stored in the observations —
is fitted to the observations by least squares (the maximum-likelihood estimate
under Gaussian noise), and the Cramer-Rao bound sigma^2 (J^T J)^-1 is evaluated at the truth
with the sensitivities J by central differences. A PINN cannot be expected to do better than
these on average.

Usage: python fisher_inverse_bound.py OBSERVATIONS.nc [D_true rho_true]
"""

import re
import sys

import netCDF4
import numpy as np
import scipy
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares


def initial_condition(problem_text):
    """u0 from the `initial = "..."` line of a Tandem problem file, as a NumPy function of x."""
    expression = re.search(r'^initial\s*=\s*"([^"]*)"', problem_text, re.M).group(1)
    names = {name: getattr(np, name) for name in ("sin", "cos", "exp", "tanh", "sqrt", "log", "abs")}
    names["pi"] = np.pi
    return expression, lambda x: eval(expression.replace("^", "**"), {"__builtins__": {}}, {**names, "x": x})


def solve(D, rho, x, t, u0, points=401):
    """u at the observations (x, t) for parameters D, rho and the initial condition u0."""
    xs = np.linspace(0.0, 1.0, points)
    h = xs[1]

    def rhs(_, v):
        w = np.concatenate([[0.0], v, [0.0]])
        return D * (w[2:] - 2 * w[1:-1] + w[:-2]) / h**2 + rho * v * (1 - v)

    times = np.unique(t)
    sol = solve_ivp(rhs, (0.0, float(times.max())), u0(xs[1:-1]) * np.ones(points - 2), t_eval=times, method="BDF", rtol=1e-10, atol=1e-12)
    out = np.empty(len(t))
    for k, (xk, tk) in enumerate(zip(x, t)):
        j = np.searchsorted(times, tk)
        out[k] = np.interp(xk, xs, np.concatenate([[0.0], sol.y[:, j], [0.0]]))
    return out


def main():
    path = sys.argv[1]
    truth = np.array([float(sys.argv[2]), float(sys.argv[3])]) if len(sys.argv) > 3 else np.array([0.05, 1.0])
    with netCDF4.Dataset(path) as f:
        x, t, u = (np.asarray(f.variables[n][:], dtype=float) for n in ("x", "t", "u"))
        exact = np.asarray(f.variables["u_exact"][:], dtype=float) if "u_exact" in f.variables else None
        expression, u0 = initial_condition(f.getncattr("tandem_problem"))
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, netCDF4 {netCDF4.__version__}; {len(u)} observations from {path}; u0 = {expression}")
    if exact is not None:
        noise = u - exact
        print(f"noise: RMS {np.sqrt(np.mean(noise**2)):.3e} ({100 * np.sqrt(np.mean(noise**2)) / np.sqrt(np.mean(exact**2)):.2f}% of RMS(u)); "
              f"this solver against Tandem's values at the truth: max |diff| {np.abs(solve(*truth, x, t, u0) - exact).max():.1e}")
        sigma = np.sqrt(np.mean(noise**2))
    else:
        sigma = None
    start = truth * np.array([0.4, 0.5])
    for name, data in [("noisy observations", u)] + ([("exact values", exact)] if exact is not None else []):
        fit = least_squares(lambda p: solve(p[0], p[1], x, t, u0) - data, start, x_scale=truth, diff_step=1e-4)
        errors = 100 * np.abs(fit.x / truth - 1)
        print(f"least squares on {name}: D = {fit.x[0]:.5f} ({errors[0]:.2f}%), rho = {fit.x[1]:.5f} ({errors[1]:.2f}%)")
    jacobian = np.empty((len(t), 2))
    for i in range(2):
        step = np.zeros(2)
        step[i] = 1e-4 * truth[i]
        jacobian[:, i] = (solve(*(truth + step), x, t, u0) - solve(*(truth - step), x, t, u0)) / (2 * step[i])
    if sigma is not None:
        covariance = sigma**2 * np.linalg.inv(jacobian.T @ jacobian)
        std = 100 * np.sqrt(np.diag(covariance)) / truth
        correlation = covariance[0, 1] / np.sqrt(covariance[0, 0] * covariance[1, 1])
        print(f"Cramer-Rao standard deviations at the truth: D {std[0]:.2f}%, rho {std[1]:.2f}% (correlation {correlation:+.2f})")


if __name__ == "__main__":
    main()
