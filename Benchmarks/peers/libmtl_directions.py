"""Tandem's multi-task strategies against LibMTL's on fixed task gradients.

For each case (seeded random task gradients g_k of a shared parameter vector theta, with losses
L_k = g_k . theta + c_k so that dL_k/dtheta = g_k exactly), every LibMTL weighting that Tandem also
has sets theta.grad; Tandem's direction comes from `tandem-bench --only multitask-directions`.
Prints one line per strategy with the largest relative difference max|d_T - d_L| / max|d_L| over
the cases, and exits non-zero if any exceeds the tolerance. Run by Benchmarks/run.sh
(BENCH_ONLY=multitask); LibMTL 1.1.5 is installed there without its dependencies (torchvision).
"""
import argparse, importlib, json, random, subprocess, sys, tempfile, types

import numpy as np
import torch

torch.set_default_dtype(torch.float64)


def load_weighting():
    """LibMTL.weighting without LibMTL/__init__ (which imports the vision models)."""
    spec = importlib.util.find_spec("LibMTL")
    package = types.ModuleType("LibMTL")
    package.__path__ = list(spec.submodule_search_locations)
    sys.modules["LibMTL"] = package
    return importlib.import_module("LibMTL.weighting")


def host(cls, g, buffer=None, epoch=2):
    """A LibMTL weighting object around one shared parameter vector."""
    k, d = g.shape

    class Host(cls):
        def __init__(self):
            super().__init__()
            self.theta = torch.nn.Parameter(torch.zeros(d))
            self.task_num, self.device, self.rep_grad, self.epoch = k, "cpu", False, epoch
            self.train_loss_buffer = buffer
            self.task_name = [str(i) for i in range(k)]

        def get_share_params(self):
            return [self.theta]

        def zero_grad_share_params(self):
            self.theta.grad = None if self.theta.grad is None else torch.zeros_like(self.theta)

    h = Host()
    h.init_param()
    return h


def losses_of(h, g, values):
    gt = torch.tensor(g)
    return torch.stack([gt[t] @ h.theta + (values[t] - 0.0) for t in range(g.shape[0])])


def libmtl_direction(weighting, name, case, tandem):
    g = np.array(case["gradients"])
    values = case["losses"]
    k = g.shape[0]
    if name == "EW":
        h = host(weighting.EW, g)
        h.backward(losses_of(h, g, values))
    elif name == "UW":
        h = host(weighting.UW, g)
        with torch.no_grad():
            h.loss_scale.copy_(torch.tensor(case["log_variance"]))
        h.backward(losses_of(h, g, values))
    elif name == "GradNorm":
        buffer = np.array([[l0, 0.0] for l0 in case["initial_losses"]])
        h = host(weighting.GradNorm, g, buffer=buffer, epoch=1)
        with torch.no_grad():
            h.loss_scale.copy_(torch.tensor(case["logits"]))
        h.backward(losses_of(h, g, values), alpha=1.5)
        extra = h.loss_scale.grad.numpy().copy()
        return h.theta.grad.numpy().copy(), extra
    elif name == "DWA":
        buffer = np.array([case["windows"][0], case["windows"][1]]).T
        h = host(weighting.DWA, g, buffer=buffer, epoch=2)
        h.backward(losses_of(h, g, values), T=2.0)
    elif name == "PCGrad":
        orders = iter(tandem["orders"])
        saved = random.shuffle
        random.shuffle = lambda x: x.__setitem__(slice(None), next(orders))
        try:
            h = host(weighting.PCGrad, g)
            h.backward(losses_of(h, g, values))
        finally:
            random.shuffle = saved
    elif name.startswith("MGDA-"):
        h = host(weighting.MGDA, g)
        h.backward(losses_of(h, g, values), mgda_gn=name[5:])
    elif name == "CAGrad":
        if k != 3:
            return None, None  # LibMTL 1.1.5's CAGrad is written for three tasks
        h = host(weighting.CAGrad, g)
        h.backward(losses_of(h, g, values), calpha=0.5, rescale=1)
    else:
        return None, None
    return h.theta.grad.numpy().copy(), None


def exact_direction(name, case):
    """The same definitions solved tightly (SLSQP, ftol 1e-16) from LibMTL's formulas: what
    MGDA's Frank-Wolfe (stopping at an l1 change of 1e-5) and CAGrad's SLSQP (default ftol 1e-6)
    approximate."""
    from scipy.optimize import minimize
    g = np.array(case["gradients"])
    losses = np.array(case["losses"])
    k = g.shape[0]
    norms = np.sqrt((g * g).sum(1))
    x0 = np.ones(k) / k
    bounds = [(0, 1)] * k
    simplex = {"type": "eq", "fun": lambda x: 1 - x.sum(), "jac": lambda x: -np.ones(k)}
    options = {"ftol": 1e-16, "maxiter": 10000}
    if name.startswith("MGDA-"):
        n = {"none": np.ones(k), "l2": norms, "loss": losses, "loss+": losses * norms}[name[5:]]
        gn = g / n[:, None]
        G = gn @ gn.T
        a = minimize(lambda x: x @ G @ x, x0, jac=lambda x: 2 * G @ x, bounds=bounds, constraints=[simplex], method="SLSQP", options=options).x
        return a @ gn
    if name == "CAGrad":
        G = g @ g.T
        c = 0.5 * np.sqrt(G.mean() + 1e-8) + 1e-8
        b = x0.copy()
        f = lambda x: x @ G @ b + c * np.sqrt(x @ G @ x + 1e-8)
        w = minimize(f, x0, bounds=bounds, constraints=[simplex], method="SLSQP", options=options).x
        gw = w @ g
        return (g.mean(0) + c / (np.linalg.norm(gw) + 1e-8) * gw) / (1 + 0.5 ** 2)
    return None


def cases(seed):
    rng = np.random.default_rng(seed)
    out = []
    for index, (k, d, conflict) in enumerate([(2, 40, 0.0), (2, 40, -0.6), (3, 60, -0.3), (3, 60, 0.2), (4, 80, -0.2), (3, 500, -0.5)]):
        base = rng.normal(size=d)
        g = np.stack([conflict * base + rng.normal(size=d) * rng.uniform(0.3, 3.0) for _ in range(k)])
        out.append({
            "name": f"case{index}-k{k}", "gradients": g.tolist(), "losses": rng.uniform(0.1, 2.0, size=k).tolist(), "step": int(rng.integers(0, 1000)),
            "logits": rng.normal(scale=0.3, size=k).tolist(), "initial_losses": rng.uniform(0.5, 3.0, size=k).tolist(),
            "log_variance": rng.normal(scale=0.5, size=k).tolist(),
            "windows": [rng.uniform(0.5, 2.0, size=k).tolist(), rng.uniform(0.5, 2.0, size=k).tolist()],
        })
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tandem-bench", required=True)
    parser.add_argument("--tolerance", type=float, default=1e-6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    weighting = load_weighting()
    import LibMTL  # noqa: F401  (the stub package above)
    data = cases(args.seed)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(data, f)
    lines = subprocess.run([args.tandem_bench, "--only", "multitask-directions", "--input", f.name],
                           check=True, capture_output=True, text=True).stdout.splitlines()
    tandem = {}
    for line in lines:
        row = json.loads(line)
        tandem[(row["name"], row["strategy"])] = row
    worst, compared, failed, exact = {}, {}, False, {}
    for case in data:
        for (name, strategy), row in tandem.items():
            if name != case["name"]:
                continue
            ours = np.array(row["direction"])
            theirs, extra = libmtl_direction(weighting, strategy, case, row)
            if theirs is None:
                continue
            error = float(np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), 1e-300))
            if extra is not None:
                error = max(error, float(np.max(np.abs(np.array(row["extra"]) - extra)) / max(np.max(np.abs(extra)), 1e-300)))
            worst[strategy] = max(worst.get(strategy, 0.0), error)
            tight = exact_direction(strategy, case)
            if tight is not None:
                exact[strategy] = max(exact.get(strategy, 0.0), float(np.max(np.abs(ours - tight)) / np.max(np.abs(tight))))
            compared[strategy] = compared.get(strategy, 0) + 1
    import scipy
    print(f"libmtl-directions: LibMTL {importlib.metadata.version('LibMTL')}, torch {torch.__version__}, "
          f"scipy {scipy.__version__}, numpy {np.__version__}; float64; {len(data)} cases (seed {args.seed})")
    for strategy in sorted(worst):
        ok = worst[strategy] <= args.tolerance
        note = ""
        if strategy in exact:
            # LibMTL's own solver stops early: judge Tandem by the tightly solved definition instead.
            ok = exact[strategy] <= args.tolerance
            note = f"  (LibMTL's solver tolerance; against the same definition solved to ftol 1e-16: {exact[strategy]:.2e})"
        failed |= not ok
        print(f"  {strategy:12s} {compared[strategy]} cases  max relative difference {worst[strategy]:.2e}  {'ok' if ok else 'ABOVE ' + str(args.tolerance)}{note}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
