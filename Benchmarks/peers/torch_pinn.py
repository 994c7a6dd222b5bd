"""PyTorch (CPU) peer for tandem-bench's PINN step: the same network, points, residual and loss.

fisher_pinn_adam_step: MLP 2→[64]×4→1 tanh over (x, t); 4096 collocation points with the
residual u_t − 0.05·u_xx − u(1 − u) from torch.autograd.grad(create_graph=True), 256 initial
points (u − sin πx at t = 0) and 256 boundary points (u at x ∈ {0, 1}); loss = the three mean
squares; one Adam step.
"""
import json
import math
import sys

import torch

from timing import timed


def fisher_pinn_step(dtype, repeats):
    torch.manual_seed(0)
    torch.set_default_dtype(dtype)
    layers = []
    widths = [2, 64, 64, 64, 64, 1]
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    collocation = torch.rand(4096, 2)
    x0 = torch.rand(256, 1)
    initial = torch.cat([x0, torch.zeros(256, 1)], dim=1)
    u0 = torch.sin(math.pi * x0)
    boundary = torch.cat([(torch.arange(256) % 2).to(dtype).unsqueeze(1), torch.rand(256, 1)], dim=1)

    def step():
        opt.zero_grad(set_to_none=True)
        xt = collocation.clone().requires_grad_(True)
        u = model(xt)
        du = torch.autograd.grad(u, xt, torch.ones_like(u), create_graph=True)[0]
        u_x, u_t = du[:, :1], du[:, 1:]
        u_xx = torch.autograd.grad(u_x, xt, torch.ones_like(u_x), create_graph=True)[0][:, :1]
        r = u_t - 0.05 * u_xx - u * (1 - u)
        loss = (r ** 2).mean() + ((model(initial) - u0) ** 2).mean() + (model(boundary) ** 2).mean()
        loss.backward()
        opt.step()

    ms = timed(step, repeats, 5)
    torch.set_default_dtype(torch.float32)
    return {"name": "fisher_pinn_adam_step", "precision": "F32" if dtype == torch.float32 else "F64", "batch": 4096,
            "medianMilliseconds": ms, "gflops": None}


def main():
    args = sys.argv[1:]
    threads = int(args[args.index("--threads") + 1]) if "--threads" in args else 2
    repeats = int(args[args.index("--repeats") + 1]) if "--repeats" in args else 30
    torch.set_num_threads(threads)
    print(f"torch-peer: torch {torch.__version__}, {torch.get_num_threads()} threads", file=sys.stderr)
    for dtype in (torch.float32, torch.float64):
        print(json.dumps(fisher_pinn_step(dtype, repeats)), flush=True)


if __name__ == "__main__":
    main()
