#!/usr/bin/env bash
# The performance model of docs/scale-out.md: for each shipped problem, the parameters (the bytes
# one data-parallel step all-reduces), the measured time of one single-process training step
# (STEPS steps of its quick profile on this machine), the ring all-reduce time on 10 and 100 Gb/s
# links, and the predicted parallel efficiency of the split global batch at 8 and 64 nodes.
#
#   scripts/scale-model.sh [STEPS]          (default 60; writes /tmp/tandem-scale-model/)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-60}
tandem=${TANDEM:-.build/release/tandem}
work=/tmp/tandem-scale-model
rm -rf "$work" && mkdir -p "$work"
ln -s "$PWD/notebooks-data" "$work/notebooks-data"
for problem in darcy-multigeometry fisher-multitask fisher-pinn heat2d-transient-pinn poisson-lshape-pinn darcy-pinn; do
    python3 - "problems/$problem.toml" "$work/$problem.toml" "$steps" <<'PY'
import re, sys
source, target, steps = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(source).read().split("\n")
start = lines.index("[training.quick]")
end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
keep = [l for l in lines[start + 1:end] if not re.match(r"\s*(steps|lbfgs_iterations|checkpoint_every)\s*=", l)]
pinn = 'kind = "pinn"' in "\n".join(lines)
lines[start + 1:end] = [f"steps = {steps}", f"checkpoint_every = {steps}"] + (["lbfgs_iterations = 0"] if pinn else []) + keep
open(target, "w").write("\n".join(lines))
PY
    "$tandem" train "$work/$problem.toml" --out "$work/$problem" > "$work/$problem.log" 2>&1 || { echo "train failed: $work/$problem.log" >&2; exit 1; }
done
python3 - "$work" <<'PY'
import json, math, os, struct, sys
work = sys.argv[1]
latency = 10e-6  # seconds per message hop (TCP over Ethernet)
print("| problem | model | parameters | bytes per step | step ms (1 process, here) | ring all-reduce ms at 8 nodes, 10 / 100 Gb/s | efficiency at 8 nodes, 10 / 100 Gb/s | efficiency at 64 nodes, 10 / 100 Gb/s |")
print("|---|---|---|---|---|---|---|---|")
for problem in sorted(p for p in os.listdir(work) if os.path.isdir(os.path.join(work, p)) and p != "notebooks-data"):
    run = os.path.join(work, problem)
    data = open(os.path.join(run, "checkpoint.safetensors"), "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header["__metadata__"]
    names = meta["tandem.parameters"].split(",")
    count = sum(math.prod(header[k]["shape"]) for k in names)
    width = 4 if meta["tandem.dtype"] == "F32" else 8
    bytes_ = count * width
    rows = [r.split(",") for r in open(os.path.join(run, "loss.csv")).read().strip().split("\n")]
    head = rows[0]
    last = rows[-1]
    step_ms = float(last[head.index("seconds")]) / int(last[0]) * 1e3
    def ring(nodes, gbps):
        return 2 * (nodes - 1) / nodes * bytes_ / (gbps * 1.25e8) + 2 * (nodes - 1) * latency
    def efficiency(nodes, gbps):
        compute = step_ms * 1e-3 / nodes
        return compute / (compute + ring(nodes, gbps))
    model = meta["tandem.model"].split(";")[0][:48]
    print(f"| {problem} | {model} | {count:,} | {bytes_ / 1e6:.2f} MB | {step_ms:.1f} | {ring(8, 10) * 1e3:.2f} / {ring(8, 100) * 1e3:.2f} | "
          f"{efficiency(8, 10):.0%} / {efficiency(8, 100):.0%} | {efficiency(64, 10):.0%} / {efficiency(64, 100):.0%} |")
PY
