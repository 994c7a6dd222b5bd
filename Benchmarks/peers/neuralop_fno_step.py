"""neuraloperator peer for `tandem-bench --only fno`: one training step of the `neuraloperator`
package's FNO configured as Tandem's (Li et al. 2021): inputs [log K, mask] plus the grid
coordinates (its `grid` positional embedding) on 100 x 100, a single pointwise lifting to 32
channels, four Fourier blocks with a linear skip and no channel MLP, 24 x 12 kept modes
(n_modes = (24, 22): the last axis keeps n // 2 + 1), 4 points of padding on each side (108 x 108
in all, as Tandem's 8 at one end), a projection 32 -> 128 -> 1, GELU in its tanh form; a batch of
20 fields, the masked mean per-sample relative L2 loss, backward and an Adam step. Median of
`--repeats` steps after 2 warm-up steps; one JSON object."""
import argparse
import functools
import json

import numpy as np
import torch
import torch.nn.functional as F
import neuralop
from neuralop.models import FNO

from timing import timed


def measure(repeats):
    torch.manual_seed(0)
    batch, n = 20, 100
    model = FNO(n_modes=(24, 22), in_channels=2, out_channels=1, hidden_channels=32, n_layers=4,
                lifting_channel_ratio=0, projection_channel_ratio=4, positional_embedding="grid",
                non_linearity=functools.partial(F.gelu, approximate="tanh"), use_channel_mlp=False,
                fno_skip="linear", domain_padding=0.04)
    model.train()
    rng = np.random.default_rng(5)
    i = np.arange(n * n)
    x, y = (i % n) / (n - 1) - 0.5, (i // n) / (n - 1) - 0.5
    mask = (x * x + y * y <= 0.25).astype(np.float32)
    fields, targets = [], []
    for _ in range(batch):
        a, b = rng.standard_normal(2)
        fields.append(np.stack([a * np.sin((i % n) * 0.05) + b * np.cos((i // n) * 0.07), mask]))
        targets.append((1 + 0.1 * a) * mask * (i % n) * (n - 1 - i % n) / 2500)
    inputs = torch.tensor(np.array(fields, dtype=np.float32)).reshape(batch, 2, n, n)
    target = torch.tensor(np.array(targets, dtype=np.float32))
    weights = torch.tensor(mask).reshape(1, n * n)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        out = model(inputs).reshape(batch, n * n)
        error = (out - target) * weights
        loss = (error.pow(2).sum(1).sqrt() / target.pow(2).sum(1).sqrt()).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    ms = timed(step, max(3, repeats), 2)
    parameters = sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters())
    return {"name": "fno_step_darcy100x20", "precision": "F32", "batch": batch, "medianMilliseconds": ms,
            "note": f"neuraloperator {neuralop.__version__}, torch {torch.__version__}, {parameters} real parameters"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(json.dumps(measure(args.repeats)), flush=True)


if __name__ == "__main__":
    main()
