"""PyTorch (CPU) peer for tandem-bench: the same measurements, one JSON object per line."""
import json
import sys

import torch

from timing import timed

WIDTHS = [2, 128, 128, 128, 128, 1]


def forward_flops(batch):
    return 2 * batch * sum(a * b for a, b in zip(WIDTHS, WIDTHS[1:]))


def mlp_step(dtype, batch, repeats):
    torch.manual_seed(0)
    layers = []
    for i, (a, b) in enumerate(zip(WIDTHS, WIDTHS[1:])):
        layers.append(torch.nn.Linear(a, b, dtype=dtype))
        if i < len(WIDTHS) - 2:
            layers.append(torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, 2, dtype=dtype) * 2 - 1
    y = torch.sin(3 * x[:, :1]) * x[:, 1:2]

    def step():
        opt.zero_grad(set_to_none=True)
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()

    ms = timed(step, repeats, 5)
    return {
        "name": "mlp_adam_step", "precision": "F32" if dtype == torch.float32 else "F64",
        "batch": batch, "medianMilliseconds": ms,
        "gflops": 3 * forward_flops(batch) / (ms * 1e-3) / 1e9,
    }


def gemm(dtype, n=2048, repeats=5):
    a = torch.randn(n, n, dtype=dtype)
    b = torch.randn(n, n, dtype=dtype)
    ms = timed(lambda: a @ b, repeats, 1)
    return {"name": "gemm_2048", "precision": "F32" if dtype == torch.float32 else "F64",
            "batch": n, "medianMilliseconds": ms, "gflops": 2 * n ** 3 / (ms * 1e-3) / 1e9}


def main():
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 30
    torch.set_num_threads(threads)
    print(f"torch-peer: torch {torch.__version__}, {torch.get_num_threads()} threads", file=sys.stderr)
    for dtype in (torch.float32, torch.float64):
        print(json.dumps(gemm(dtype)), flush=True)
    for batch in (1024, 8192):
        for dtype in (torch.float32, torch.float64):
            print(json.dumps(mlp_step(dtype, batch, repeats)), flush=True)


if __name__ == "__main__":
    main()
