"""PyTorch (CPU) peer for tandem-bench's operator steps: the same networks, shapes and precision.

deeponet_adam_step: branch 100→128×3→128, trunk 2→128×3→128 (tanh, the trunk's last layer
activated), Cartesian product of 64 functions × 1024 points, MSE, Adam.
darcy_cnn_adam_step: the Darcy multi-geometry DeepONet (CNN branch 4 × [5×5 conv, 2×2 average
pool], 16/32/64/64 filters → 128 → 128 → 150; trunk 2 → 64 → 128 → 128 → 128 → 150; ReLU),
32 functions × 10 000 points, masked MSE, Adam, Float32.
"""
import json
import sys

import torch

from timing import timed


def dense(widths, activation, last_activated):
    layers = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(widths) - 2 or last_activated:
            layers.append(activation())
    return torch.nn.Sequential(*layers)


class DeepONet(torch.nn.Module):
    def __init__(self, branch, trunk, latent):
        super().__init__()
        self.branch, self.trunk = branch, trunk
        self.bias = torch.nn.Parameter(torch.zeros(1))

    def forward(self, u, y):
        return self.branch(u) @ self.trunk(y).T + self.bias


def flops(widths, batch):
    return 2 * batch * sum(a * b for a, b in zip(widths, widths[1:]))


def deeponet_step(dtype, repeats, functions=64, points=1024):
    torch.manual_seed(0)
    torch.set_default_dtype(dtype)
    model = DeepONet(dense([100, 128, 128, 128, 128], torch.nn.Tanh, False), dense([2, 128, 128, 128, 128], torch.nn.Tanh, True), 128)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    u = torch.rand(functions, 100) * 2 - 1
    y = torch.rand(points, 2)
    target = torch.rand(functions, points) * 2 - 1

    def step():
        opt.zero_grad(set_to_none=True)
        loss = ((model(u, y) - target) ** 2).mean()
        loss.backward()
        opt.step()

    ms = timed(step, repeats, 5)
    total = 3 * (flops([100, 128, 128, 128, 128], functions) + flops([2, 128, 128, 128, 128], points) + 2 * functions * points * 128)
    torch.set_default_dtype(torch.float32)
    return {"name": "deeponet_adam_step", "precision": "F32" if dtype == torch.float32 else "F64", "batch": functions,
            "medianMilliseconds": ms, "gflops": total / (ms * 1e-3) / 1e9}


def darcy_cnn_step(repeats):
    torch.manual_seed(0)
    blocks, channels = [], 2
    for f in (16, 32, 64, 64):
        blocks += [torch.nn.Conv2d(channels, f, 5, padding=2), torch.nn.ReLU(), torch.nn.AvgPool2d(2)]
        channels = f
    branch = torch.nn.Sequential(*blocks, torch.nn.Flatten(), dense([64 * 6 * 6, 128, 128, 150], torch.nn.ReLU, False))
    model = DeepONet(branch, dense([2, 64, 128, 128, 128, 150], torch.nn.ReLU, True), 150)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(32, 2, 100, 100)
    y = torch.rand(10_000, 2)
    target = torch.randn(32, 10_000)
    mask = (torch.rand(32, 10_000) < 0.7).float()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = (((model(x, y) - target) * mask) ** 2).sum() / mask.sum()
        loss.backward()
        opt.step()

    return {"name": "darcy_cnn_adam_step", "precision": "F32", "batch": 32, "medianMilliseconds": timed(step, max(3, repeats // 5), 2)}


def main():
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 30
    torch.set_num_threads(threads)
    print(f"torch-peer: torch {torch.__version__}, {torch.get_num_threads()} threads", file=sys.stderr)
    for dtype in (torch.float32, torch.float64):
        print(json.dumps(deeponet_step(dtype, repeats)), flush=True)
    print(json.dumps(darcy_cnn_step(repeats)), flush=True)


if __name__ == "__main__":
    main()
