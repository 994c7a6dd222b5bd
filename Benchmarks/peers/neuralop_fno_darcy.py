"""Accuracy peer for the Darcy FNO: the `neuraloperator` package's FNO, configured as Tandem's
(see neuralop_fno_step.py), trained on the same NetCDF data with the same split and schedule as a
Tandem run, and measured the same way (mean and worst per-sample relative L2 inside each
geometry on the test functions).

    python neuralop_fno_darcy.py --run runs/NAME --steps 300 --decay-every 100

reads `runs/NAME/reference.nc` (the solver's data) and `runs/NAME/predictions.nc` (written by
`tandem compare`: its test functions and Tandem's errors on them); the training functions are the
other (sample, geometry) pairs of the first `--samples` samples on `--geometries`. Inputs are
[(log K - mean)/std, mask] with the training functions' statistics; the loss is the masked mean
per-sample relative L2 error, as in Tandem's file. Prints one JSON object."""
import argparse
import functools
import json
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F
import neuralop
from neuralop.models import FNO


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", required=True)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--geometries", default="0,1,2")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--decay-every", type=int, default=100)
    parser.add_argument("--decay-rate", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    reference = h5py.File(f"{args.run}/reference.nc", "r")
    k, u, mask = reference["K"][:], reference["u"][:], reference["mask"][:]
    u = np.where(np.isfinite(u), u, 0.0)  # outside a geometry the file holds fill values
    names = reference.attrs["tandem_geometries"].decode().split(";")
    predictions = h5py.File(f"{args.run}/predictions.nc", "r")
    test = list(zip(predictions["sample"][:].astype(int), predictions["geometry_index"][:].astype(int)))
    tandem_errors = predictions["relative_l2"][:]
    geometries = [int(g) for g in args.geometries.split(",")]
    held = set(test)
    train = [(s, g) for s in range(args.samples) for g in geometries if (s, g) not in held]

    log_k = np.log(k)
    train_samples = sorted({s for s, _ in train})
    mean, std = log_k[train_samples].mean(), log_k[train_samples].std()

    def tensors(functions):
        x = np.stack([np.stack([(log_k[s] - mean) / std, mask[g]]) for s, g in functions]).astype(np.float32)
        y = np.stack([u[s, g] * mask[g] for s, g in functions]).astype(np.float32)
        m = np.stack([mask[g] for s, g in functions]).astype(np.float32)
        return torch.tensor(x), torch.tensor(y), torch.tensor(m)

    model = FNO(n_modes=(24, 22), in_channels=2, out_channels=1, hidden_channels=32, n_layers=4,
                lifting_channel_ratio=0, projection_channel_ratio=4, positional_embedding="grid",
                non_linearity=functools.partial(F.gelu, approximate="tanh"), use_channel_mlp=False,
                fno_skip="linear", domain_padding=0.04)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=args.decay_every, gamma=args.decay_rate)

    def relative(prediction, y, m):
        error = ((prediction.squeeze(1) * m - y) ** 2).flatten(1).sum(1).sqrt()
        return error / (y ** 2).flatten(1).sum(1).sqrt()

    start = time.perf_counter()
    for step in range(args.steps):
        chosen = rng.choice(len(train), size=min(args.batch, len(train)), replace=False)
        x, y, m = tensors([train[i] for i in chosen])
        loss = relative(model(x), y, m).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    seconds = time.perf_counter() - start

    model.eval()
    errors = []
    with torch.no_grad():
        for i in range(0, len(test), 20):
            x, y, m = tensors(test[i:i + 20])
            errors += relative(model(x), y, m).tolist()
    errors = np.array(errors)
    by_geometry = {}
    for g in geometries:
        rows = [i for i, (_, h) in enumerate(test) if h == g]
        by_geometry[names[g]] = {"functions": len(rows), "mean": float(errors[rows].mean()), "worst": float(errors[rows].max()),
                                 "tandem_mean": float(tandem_errors[rows].mean())}
    print(json.dumps({"peer": f"neuraloperator {neuralop.__version__}, torch {torch.__version__}", "steps": args.steps,
                      "train_functions": len(train), "test_functions": len(test), "seconds": seconds,
                      "milliseconds_per_step": 1e3 * seconds / args.steps, "mean": float(errors.mean()), "worst": float(errors.max()),
                      "tandem_mean": float(tandem_errors.mean()), "by_geometry": by_geometry}), flush=True)


if __name__ == "__main__":
    main()
