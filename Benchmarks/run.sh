#!/usr/bin/env bash
# make bench: Tandem and PyTorch (CPU) side by side in one invocation, same threads and precision.
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${BENCH_THREADS:-2}
REPEATS=${BENCH_REPEATS:-50}
# Rounds alternate Tandem and the peer, so slow phases of a shared machine hit both alike.
ROUNDS=${BENCH_ROUNDS:-3}
# BENCH_ONLY=mlp, deeponet, pinn, darcy or multitask runs one group; all five by default. BENCH_ONLY=conv-layers
# breaks the Darcy CNN step's convolutions down by layer and primitive; BENCH_ONLY=mpi compares
# data-parallel training under mpirun with PyTorch DDP; BENCH_ONLY=gemm-shapes times the GEMM shapes
# of training against torch.mm; BENCH_ONLY=neighbors the neighbour list against ASE; BENCH_ONLY=schnet
# a SchNet training step against schnetpack; BENCH_ONLY=fno a Fourier neural operator step against
# neuraloperator.
ONLY=${BENCH_ONLY:-all}
want() { [ "$ONLY" = all ] || [ "$ONLY" = "$1" ]; }
TORCH_VERSION=2.13.0+cpu
VENV=.venv-bench
OUT=bench-results
mkdir -p "$OUT"

if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
if ! "$VENV/bin/python" -c "import torch, numpy, scipy, sys; sys.exit(torch.__version__ != '$TORCH_VERSION')" 2>/dev/null; then
    echo "bench: installing torch==$TORCH_VERSION (CPU-only wheel), numpy and scipy into $VENV"
    "$VENV/bin/pip" install -q "torch==$TORCH_VERSION" "numpy==2.4.6" "scipy==1.17.1"
    # scikit-sparse builds against the system SuiteSparse; the Darcy peer runs without it if it fails.
    "$VENV/bin/pip" install -q "scikit-sparse==0.4.16" || echo "bench: scikit-sparse did not install; comparing with SciPy only"
fi

CORETYPE=$(scripts/blas-env.sh)
export OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS
if [ -n "$CORETYPE" ]; then export OPENBLAS_CORETYPE=$CORETYPE; fi
# As the tandem command runs (BLASRuntime.preferredThreadTimeout): idle OpenBLAS threads sleep
# after 2^20 cycles. PyTorch's CPU wheels do not use OpenBLAS; the variable does not reach them.
export OPENBLAS_THREAD_TIMEOUT=${OPENBLAS_THREAD_TIMEOUT:-20}

swift build --package-path Benchmarks -c release ${TARGET_FLAGS:--Xswiftc -target-cpu -Xswiftc native} --product tandem-bench
BIN=$(swift build --package-path Benchmarks -c release ${TARGET_FLAGS:--Xswiftc -target-cpu -Xswiftc native} --show-bin-path)

echo "bench: machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; threads $THREADS"
if want mlp; then
: > "$OUT/tandem.jsonl"
: > "$OUT/torch.jsonl"
for round in $(seq "$ROUNDS"); do
    echo "bench: round $round of $ROUNDS"
    memory_steps=0
    if [ "$round" -eq "$ROUNDS" ]; then memory_steps=10000; fi
    "$BIN/tandem-bench" --repeats "$REPEATS" --memory-steps "$memory_steps" >> "$OUT/tandem.jsonl"
    "$VENV/bin/python" Benchmarks/peers/torch_mlp.py --threads "$THREADS" --repeats "$REPEATS" >> "$OUT/torch.jsonl"
done
OMP_NUM_THREADS=$THREADS "$VENV/bin/python" Benchmarks/compare.py "$OUT/tandem.jsonl" "$OUT/torch.jsonl" "$OUT/results.json"
fi

# ROUNDS rounds alternating the functions $2 (Tandem) and $3 (the peer), each printing JSON lines,
# into $OUT/tandem-$1.jsonl and $OUT/torch-$1.jsonl; then the comparison into $OUT/$1.json, the
# peer named $4 (torch by default).
paired_rounds() {
    local name=$1 tandem=$2 peer=$3 peer_name=${4:-torch}
    : > "$OUT/tandem-$name.jsonl"
    : > "$OUT/torch-$name.jsonl"
    for round in $(seq "$ROUNDS"); do
        echo "bench: round $round of $ROUNDS"
        "$tandem" >> "$OUT/tandem-$name.jsonl"
        "$peer" >> "$OUT/torch-$name.jsonl"
    done
    OMP_NUM_THREADS=$THREADS "$VENV/bin/python" Benchmarks/compare.py "$OUT/tandem-$name.jsonl" "$OUT/torch-$name.jsonl" "$OUT/$name.json" --peer "$peer_name"
}

# The GEMM shapes training is made of (only with BENCH_ONLY=gemm-shapes): Tandem's matmul against
# torch.mm, GFLOP/s per shape and precision.
if [ "$ONLY" = gemm-shapes ]; then
echo "bench: GEMM shapes against torch.mm"
tandem_gemm() { "$BIN/tandem-bench" --only gemm-shapes --repeats "$REPEATS" --memory-steps 0; }
torch_gemm() { "$VENV/bin/python" Benchmarks/peers/torch_gemm.py --threads "$THREADS" --repeats "$REPEATS"; }
paired_rounds gemm tandem_gemm torch_gemm
fi

# Neighbour lists (only with BENCH_ONLY=neighbors): 10,140 fcc Cu atoms at 5 Å against ASE's
# neighbor_list, ase pinned in the same virtual environment.
if [ "$ONLY" = neighbors ]; then
ASE_VERSION=3.29.0
if ! "$VENV/bin/python" -c "import ase, sys; sys.exit(ase.__version__ != '$ASE_VERSION')" 2>/dev/null; then
    echo "bench: installing ase==$ASE_VERSION into $VENV"
    "$VENV/bin/pip" install -q "ase==$ASE_VERSION"
fi
echo "bench: neighbour list, 10,140 atoms, against ASE $ASE_VERSION"
tandem_neighbors() { "$BIN/tandem-bench" --only neighbors --repeats "$REPEATS" --memory-steps 0; }
ase_neighbors() { "$VENV/bin/python" Benchmarks/peers/ase_neighbors.py --repeats "$((REPEATS / 10))"; }
paired_rounds neighbors tandem_neighbors ase_neighbors ase
fi

# A SchNet training step (only with BENCH_ONLY=schnet): 4 frames of 32 Cu atoms, energy + force
# loss, against schnetpack's SchNet of the same size, schnetpack and its run-time dependencies pinned.
if [ "$ONLY" = schnet ]; then
SCHNETPACK_VERSION=2.1.1
if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('schnetpack') != '$SCHNETPACK_VERSION')" 2>/dev/null; then
    echo "bench: installing schnetpack==$SCHNETPACK_VERSION into $VENV"
    # Its run-time dependencies only (not its formatters and hooks), torch left as it is.
    "$VENV/bin/pip" install -q --no-deps "schnetpack==$SCHNETPACK_VERSION"
    "$VENV/bin/pip" install -q "ase==3.29.0" "matscipy==1.3.1" "h5py==3.16.0" "pytorch-lightning==2.6.6" "torchmetrics==1.9.0" \
        "hydra-core==1.3.8" "hydra-colorlog==1.2.0" "dirsync==2.2.6" "fasteners==0.20" "torch-ema==0.3" "tensorboardX==2.6.5" \
        "rich==15.0.0" "tqdm==4.70.1" "pyyaml==6.0.4" "protobuf==7.36.2" "torch==${TORCH_VERSION%+cpu}"
fi
echo "bench: SchNet training step against schnetpack $SCHNETPACK_VERSION"
tandem_schnet() { "$BIN/tandem-bench" --only schnet --repeats "$((REPEATS / 2))" --memory-steps 0; }
schnetpack_schnet() { "$VENV/bin/python" Benchmarks/peers/schnetpack_step.py --threads "$THREADS" --repeats "$((REPEATS / 2))"; }
paired_rounds schnet tandem_schnet schnetpack_schnet schnetpack
fi

# A Fourier neural operator training step (only with BENCH_ONLY=fno): Darcy 100 × 100, batch 20,
# against the neuraloperator package's FNO of the same architecture, neuraloperator pinned.
if [ "$ONLY" = fno ]; then
NEURALOP_VERSION=2.0.0
if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('neuraloperator') != '$NEURALOP_VERSION')" 2>/dev/null; then
    echo "bench: installing neuraloperator==$NEURALOP_VERSION into $VENV"
    "$VENV/bin/pip" install -q "neuraloperator==$NEURALOP_VERSION" "torch==${TORCH_VERSION%+cpu}"
fi
echo "bench: FNO training step against neuraloperator $NEURALOP_VERSION"
tandem_fno() { "$BIN/tandem-bench" --only fno --repeats "$((REPEATS / 4))" --memory-steps 0; }
neuralop_fno() { "$VENV/bin/python" Benchmarks/peers/neuralop_fno_step.py --threads "$THREADS" --repeats "$((REPEATS / 4))"; }
paired_rounds fno tandem_fno neuralop_fno neuraloperator
fi

# Data-parallel training under MPI (only with BENCH_ONLY=mpi): the DeepONet step split over 2
# ranks (one BLAS thread each) against PyTorch DistributedDataParallel (gloo, 2 processes × 1 thread).
if [ "$ONLY" = mpi ]; then
echo "bench: data-parallel DeepONet step, 2 MPI ranks against PyTorch DDP (gloo), 2 processes"
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
tandem_dp() {
    OPENBLAS_NUM_THREADS=1 mpirun -np 2 --bind-to none -x OPENBLAS_NUM_THREADS -x OPENBLAS_THREAD_TIMEOUT \
        "$BIN/tandem-bench" --only deeponet-dp --repeats "$REPEATS" --memory-steps 0
}
torch_dp() { "$VENV/bin/python" Benchmarks/peers/torch_ddp_deeponet.py --ranks 2 --threads 1 --repeats "$REPEATS"; }
paired_rounds dp tandem_dp torch_dp
fi

# Operator training steps: the Cartesian-product DeepONet and the Darcy CNN-branch DeepONet.
if want deeponet; then
echo "bench: DeepONet steps against PyTorch"
: > "$OUT/tandem-deeponet.jsonl"
: > "$OUT/torch-deeponet.jsonl"
for round in $(seq "$ROUNDS"); do
    echo "bench: round $round of $ROUNDS"
    "$BIN/tandem-bench" --only deeponet --repeats "$REPEATS" --memory-steps 0 >> "$OUT/tandem-deeponet.jsonl"
    "$BIN/tandem-bench" --only cnn-darcy --repeats "$REPEATS" --memory-steps 0 >> "$OUT/tandem-deeponet.jsonl"
    "$VENV/bin/python" Benchmarks/peers/torch_deeponet.py --threads "$THREADS" --repeats "$REPEATS" >> "$OUT/torch-deeponet.jsonl"
done
OMP_NUM_THREADS=$THREADS "$VENV/bin/python" Benchmarks/compare.py "$OUT/tandem-deeponet.jsonl" "$OUT/torch-deeponet.jsonl" "$OUT/deeponet.json"
fi

# The Darcy CNN branch's convolutions one primitive at a time (only with BENCH_ONLY=conv-layers).
if [ "$ONLY" = conv-layers ]; then
echo "bench: Darcy CNN convolutions, per layer and primitive, against PyTorch"
tandem_conv() { "$BIN/tandem-bench" --only conv-layers --repeats "$REPEATS" --memory-steps 0; }
torch_conv() { "$VENV/bin/python" Benchmarks/peers/torch_conv_layers.py --threads "$THREADS" --repeats "$REPEATS"; }
paired_rounds conv tandem_conv torch_conv
fi

# The Fisher–KPP PINN step: Taylor-mode jets against autograd.grad(create_graph=True).
if want pinn; then
echo "bench: PINN steps against PyTorch"
: > "$OUT/tandem-pinn.jsonl"
: > "$OUT/torch-pinn.jsonl"
for round in $(seq "$ROUNDS"); do
    echo "bench: round $round of $ROUNDS"
    "$BIN/tandem-bench" --only pinn --repeats "$REPEATS" --memory-steps 0 >> "$OUT/tandem-pinn.jsonl"
    "$VENV/bin/python" Benchmarks/peers/torch_pinn.py --threads "$THREADS" --repeats "$REPEATS" >> "$OUT/torch-pinn.jsonl"
done
OMP_NUM_THREADS=$THREADS "$VENV/bin/python" Benchmarks/compare.py "$OUT/tandem-pinn.jsonl" "$OUT/torch-pinn.jsonl" "$OUT/pinn.json"
fi

# Sparse solver: Darcy on 256², 512², 1024² against SciPy (and scikit-sparse's CHOLMOD when it
# installs), side by side. CHOLMOD's OpenMP loops stay on one thread as in `tandem`.
if want darcy; then
echo "bench: Darcy solve against SciPy, scikit-sparse and CHOLMOD called from C (the floor)"
# As the tandem command runs CHOLMOD (NativeEnvironment: OMP_NUM_THREADS=1, OpenBLAS at $THREADS
# threads), and so do the peers; rounds alternate the three.
cc -O2 Benchmarks/peers/cholmod_darcy.c -o "$OUT/cholmod-darcy" -lcholmod -lm
: > "$OUT/tandem-darcy.jsonl"
: > "$OUT/peers-darcy.jsonl"
for round in $(seq "$ROUNDS"); do
    echo "bench: round $round of $ROUNDS"
    OMP_NUM_THREADS=1 "$BIN/tandem-bench" --only darcy --memory-steps 0 >> "$OUT/tandem-darcy.jsonl"
    OMP_NUM_THREADS=1 "$OUT/cholmod-darcy" >> "$OUT/peers-darcy.jsonl"
    OMP_NUM_THREADS=1 "$VENV/bin/python" Benchmarks/peers/scipy_darcy.py >> "$OUT/peers-darcy.jsonl"
done
"$VENV/bin/python" Benchmarks/darcy_table.py "$OUT/tandem-darcy.jsonl" "$OUT/peers-darcy.jsonl" "$OUT/darcy.json"
fi

# Multi-task strategies: Tandem's update directions against LibMTL's on fixed task gradients
# (Benchmarks/peers/libmtl_directions.py). LibMTL is installed without its dependencies: its
# weighting modules need only torch, numpy and scipy (the rest of the package wants torchvision).
if want multitask; then
LIBMTL_VERSION=1.1.5
if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('LibMTL') != '$LIBMTL_VERSION')" 2>/dev/null; then
    echo "bench: installing LibMTL==$LIBMTL_VERSION (no dependencies) into $VENV"
    "$VENV/bin/pip" install -q --no-deps "LibMTL==$LIBMTL_VERSION"
fi
echo "bench: multi-task strategies against LibMTL"
"$VENV/bin/python" Benchmarks/peers/libmtl_directions.py --tandem-bench "$BIN/tandem-bench" | tee "$OUT/libmtl-directions.txt"
echo "bench: cost of one step under each strategy (3 tasks; relative to the pooled loss)"
"$BIN/tandem-bench" --only multitask-step --repeats "$REPEATS" | tee "$OUT/multitask-step.jsonl"
fi
