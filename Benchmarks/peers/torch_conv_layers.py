"""PyTorch (CPU) peer for tandem-bench's conv-layers group: the Darcy CNN branch's four 5×5
"same" convolutions (2→16 on 100², 16→32 on 50², 32→64 on 25², 64→64 on 12²), batch 32,
Float32, one primitive at a time: forward, input gradient (transposed convolution) and filter
gradient, as torch.nn.functional.conv2d and torch.nn.grad.conv2d_input / conv2d_weight.
"""
import argparse
import json

import torch

from timing import timed

LAYERS = [(2, 16, 100), (16, 32, 50), (32, 64, 25), (64, 64, 12)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for index, (c, o, side) in enumerate(LAYERS):
        x = torch.randn(32, c, side, side)
        k = torch.randn(o, c, 5, 5)
        ybar = torch.randn(32, o, side, side)
        flops = 2 * 32 * o * c * 25 * side * side
        primitives = {
            "forward": lambda: torch.nn.functional.conv2d(x, k, padding=2),
            "input_gradient": lambda: torch.nn.grad.conv2d_input(x.shape, k, ybar, padding=2),
            "filter_gradient": lambda: torch.nn.grad.conv2d_weight(x, k.shape, ybar, padding=2),
        }
        for name, body in primitives.items():
            ms = timed(body, args.repeats, warmup=1)
            print(json.dumps({"name": f"conv{index + 1}_{name}", "precision": "F32", "batch": 32,
                              "medianMilliseconds": ms, "gflops": flops / (ms * 1e6),
                              "note": f"{c}->{o} channels, {side}x{side}, 5x5 same"}))


if __name__ == "__main__":
    with torch.no_grad():
        main()
