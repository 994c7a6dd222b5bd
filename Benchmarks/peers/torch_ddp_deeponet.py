"""PyTorch DistributedDataParallel peer for `tandem-bench --only deeponet-dp` under mpirun.

The deeponet_adam_step network and data of torch_deeponet.py (branch 100→128×4, trunk 2→128×4,
tanh, 64 functions × 1024 points, Float32, MSE, Adam), trained by DistributedDataParallel with the
gloo backend on the CPU: each of --ranks processes takes its share of the 64 functions; the loss is
the rank's squared errors over the whole batch's count, DDP averages gradients over the ranks, so
the loss is multiplied by the rank count to make the same update as one process. Prints one JSON
object (rank 0): the median milliseconds of one step after 5 warm-up steps.
"""
import argparse
import json
import os
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from timing import median
from torch_deeponet import DeepONet, dense


def run(rank, ranks, repeats, threads, port, queue):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(threads)
    dist.init_process_group("gloo", rank=rank, world_size=ranks)
    torch.manual_seed(0)
    model = DeepONet(dense([100, 128, 128, 128, 128], torch.nn.Tanh, False), dense([2, 128, 128, 128, 128], torch.nn.Tanh, True), 128)
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.Adam(ddp.parameters(), lr=1e-3)
    functions, points = 64, 1024
    u = torch.rand(functions, 100) * 2 - 1
    y = torch.rand(points, 2)
    target = torch.rand(functions, points) * 2 - 1
    base, extra = divmod(functions, ranks)
    start = rank * base + min(rank, extra)
    rows = slice(start, start + base + (1 if rank < extra else 0))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = ((ddp(u[rows], y) - target[rows]) ** 2).sum() / (functions * points) * ranks
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    times = []
    for _ in range(repeats):
        dist.barrier()
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    if rank == 0:
        queue.put(median(times) * 1e3)
    dist.destroy_process_group()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--port", type=int, default=29533)
    args = parser.parse_args()
    context = mp.get_context("spawn")
    queue = context.Queue()
    mp.spawn(run, args=(args.ranks, args.repeats, args.threads, args.port, queue), nprocs=args.ranks, join=True)
    ms = queue.get()
    print(json.dumps({"name": "deeponet_dp_step", "precision": "F32", "batch": 64, "medianMilliseconds": ms, "gflops": None,
                      "note": f"torch {torch.__version__} DDP gloo, {args.ranks} processes x {args.threads} threads"}), flush=True)


if __name__ == "__main__":
    main()
