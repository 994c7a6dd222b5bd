"""PyTorch (CPU) peer for `tandem-bench --only gemm-shapes`: torch.mm on the same shapes and
precisions, median of the same number of calls after two warm-up calls. Prints one JSON object
per shape and precision."""
import argparse
import json

import torch

from timing import timed

SHAPES = [  # (name, m, n, k, A stored transposed, B stored transposed), as in GEMMShapes.swift
    ("gemm_pinn_layer_16384x64x64", 16384, 64, 64, False, False),
    ("gemm_pinn_weight_grad_64x64x16384", 64, 64, 16384, True, False),
    ("gemm_pinn_input_grad_16384x64x64", 16384, 64, 64, False, True),
    ("gemm_mlp_8192x128x128", 8192, 128, 128, False, False),
    ("gemm_mlp_weight_grad_128x128x8192", 128, 128, 8192, True, False),
    ("gemm_mlp_input_grad_8192x128x128", 8192, 128, 128, False, True),
    ("gemm_deeponet_64x128x128", 64, 128, 128, False, False),
    ("gemm_cnn_unfold_10000x32x400", 10000, 32, 400, False, False),
    ("gemm_conv1_16x9216x50", 16, 9216, 50, False, False),
    ("gemm_conv2_32x1936x400", 32, 1936, 400, False, False),
    ("gemm_conv2_input_grad_400x1936x32", 400, 1936, 32, True, False),
    ("gemm_conv2_filter_grad_32x400x1936", 32, 400, 1936, False, True),
    ("gemm_square_2048", 2048, 2048, 2048, False, False),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for dtype, name in ((torch.float32, "F32"), (torch.float64, "F64")):
        for label, m, n, k, transpose_a, transpose_b in SHAPES:
            a = torch.randn((k, m) if transpose_a else (m, k), dtype=dtype)
            b = torch.randn((n, k) if transpose_b else (k, n), dtype=dtype)
            opa, opb = (a.t() if transpose_a else a), (b.t() if transpose_b else b)
            c = torch.empty((m, n), dtype=dtype)
            repeats = max(3, args.repeats // 10) if m * n * k >= 1 << 30 else args.repeats
            ms = timed(lambda: torch.mm(opa, opb, out=c), repeats, 2)
            print(json.dumps({"name": label, "precision": name, "batch": m, "medianMilliseconds": ms,
                              "gflops": 2 * m * n * k / (ms * 1e-3) / 1e9}), flush=True)


if __name__ == "__main__":
    main()
