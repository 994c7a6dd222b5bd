#!/usr/bin/env bash
# Trains one problem's quick profile under several multi-task strategies and seeds, compares each
# run with the solver, and prints a table of per-task error (mean ± std over seeds) and time per
# step relative to the first strategy. The numbers behind docs/multitask.md.
#
#   scripts/multitask-sweep.sh PROBLEM "STRATEGY…" "SEED…" [OVERRIDE…]
#
# STRATEGY is a [training.multitask] strategy name, or `none` for the run without a table (the
# family's default: pooled rows for operators, the declared weights for PINNs). OVERRIDE lines
# (`lbfgs_iterations = 0`) go into [training.quick] ([training.$SWEEP_PROFILE] when set). Runs go to $SWEEP_WORK (runs/multitask-sweep);
# the reference data of the first run is reused by the others.
set -euo pipefail
cd "$(dirname "$0")/.."
problem=${1:?usage: scripts/multitask-sweep.sh PROBLEM "STRATEGY…" "SEED…" [OVERRIDE…]}
read -r -a strategies <<< "${2:?strategies}"
read -r -a seeds <<< "${3:?seeds}"
shift 3
tandem=${TANDEM:-.build/release/tandem}
profile=${SWEEP_PROFILE:-quick}
work=${SWEEP_WORK:-runs/multitask-sweep}/$problem
mkdir -p "$work"
reference=""
for strategy in "${strategies[@]}"; do
    for seed in "${seeds[@]}"; do
        name="$strategy-seed$seed"
        file="$work/$name.toml"
        python3 - "problems/$problem.toml" "$file" "$strategy" "$seed" "$profile" "$@" <<'PY'
import re, sys
source, target, strategy, seed, profile, overrides = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
lines = open(source).read().split("\n")
start = lines.index(f"[training.{profile}]")
end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
block = [l for l in lines[start + 1:end] if not re.match(r"\s*(seed|%s)\s*=" % "|".join(o.split("=")[0].strip() for o in overrides) if overrides else r"\s*seed\s*=", l)]
block = [f"seed = {seed}"] + overrides + block
lines[start + 1:end] = block
text = "\n".join(lines)
if strategy != "none":
    text += f'\n\n[training.{profile}.multitask]\nstrategy = "{strategy}"\n'
open(target, "w").write(text)
PY
        run="$work/$name"
        rm -rf "$run"
        if [[ -n "$reference" ]]; then mkdir -p "$run" && cp "$reference" "${reference%.nc}.json" "$run/"; fi
        start=$(date +%s)
        "$tandem" train "$file" --out "$run" --profile "$profile" > "$run.train.log" 2>&1 || { echo "train failed: $run.train.log" >&2; exit 1; }
        "$tandem" compare "$run" > "$run.compare.log" 2>&1 || { echo "compare failed: $run.compare.log" >&2; exit 1; }
        echo "$name: $(( $(date +%s) - start )) s" >&2
        if [[ -z "$reference" && -f "$run/reference.nc" ]]; then reference="$run/reference.nc"; fi
    done
done
python3 - "$work" "${strategies[*]}" "${seeds[*]}" <<'PY'
import json, math, os, sys
work, strategies, seeds = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def stats(values):
    m = sum(values) / len(values)
    s = math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    return m, s
def seconds_per_step(run):
    # Adam steps and their seconds: the last first-order row of loss.csv.
    rows = [r.split(",") for r in open(os.path.join(run, "loss.csv")).read().split("\n")[1:] if r]
    header = open(os.path.join(run, "loss.csv")).readline().strip().split(",")
    col = header.index("seconds")
    adam = [r for r in rows if len(r) == len(header) and (("phase" not in header) or r[header.index("phase")] != "lbfgs")]
    return float(adam[-1][col]) / float(adam[-1][0])
table, base = {}, None
for strategy in strategies:
    errors, times = {}, []
    for seed in seeds:
        run = os.path.join(work, f"{strategy}-seed{seed}")
        metrics = json.load(open(os.path.join(run, "metrics.json")))
        if "metrics" in metrics:  # operator: mean per-sample relative L2 per task
            rows = metrics["metrics"]
            for row in rows:
                alone = sum(r["task"] == row["task"] for r in rows) == 1
                key = row["task"] if alone else f'{row["task"]}/{row["geometry"]}'
                errors.setdefault(key, []).append(row["mean_per_sample_relative_l2"])
        else:  # PINN: one relative L2
            errors.setdefault("relative L2", []).append(metrics["relative_l2"])
        times.append(seconds_per_step(run))
    t = sum(times) / len(times)
    base = base or t
    table[strategy] = (errors, t / base)
keys = list(next(iter(table.values()))[0].keys())
print("| strategy | " + " | ".join(keys) + " | time per step |")
print("|---|" + "---|" * (len(keys) + 1))
for strategy, (errors, ratio) in table.items():
    cells = []
    for k in keys:
        m, s = stats(errors[k])
        cells.append(f"{100 * m:.2f} ± {100 * s:.2f}%")
    print(f"| {strategy} | " + " | ".join(cells) + f" | {ratio:.2f}× |")
PY
