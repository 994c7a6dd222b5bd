#!/usr/bin/env bash
# Trains and compares the quick profile of every shipped problem (fixed seeds) and records or
# checks the numbers `tandem compare` writes to metrics.json (timings left out).
#
#   scripts/metrics-check.sh record [TANDEM] [PROBLEM…]  # writes docs/metrics/quick-profiles.json
#   scripts/metrics-check.sh check  [TANDEM] [PROBLEM…]  # compares with it: equal, or within 1e-6 relative
#
# TANDEM defaults to .build/release/tandem; PROBLEM names default to every problems/*.toml with a
# model. A refactoring that must not change results runs `record` before and `check` after.
# The whole set takes about 30 minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: scripts/metrics-check.sh record|check [TANDEM] [PROBLEM…]}
shift
tandem=${1:-.build/release/tandem}
[[ $# -gt 0 ]] && shift
baseline=docs/metrics/quick-profiles.json
work=${METRICS_WORK:-runs/metrics-check}
problems=("$@")
if [[ ${#problems[@]} -eq 0 ]]; then
    for f in problems/*.toml; do
        grep -q '^\[model\]' "$f" && problems+=("$(basename "$f" .toml)")
    done
fi
mkdir -p "$work" docs/metrics
for name in "${problems[@]}"; do
    run="$work/$name"
    rm -rf "$run"
    echo "== $name" >&2
    start=$(date +%s)
    # Problems reading ../shared/data (the DFT collections) name it outside problems/.
    outside=(); grep -q '"\.\./\.\./shared/data' "problems/$name.toml" && outside=(--allow-outside-paths)
    "$tandem" train "problems/$name.toml" --out "$run" --profile quick "${outside[@]}" > "$work/$name.train.log" 2>&1 \
        || { echo "train failed: see $work/$name.train.log" >&2; exit 1; }
    "$tandem" compare "$run" > "$work/$name.compare.log" 2>&1 \
        || { echo "compare failed: see $work/$name.compare.log" >&2; exit 1; }
    echo "   $(( $(date +%s) - start )) s" >&2
done
python3 - "$mode" "$baseline" "$work" "${problems[@]}" <<'EOF'
import json, math, sys
mode, baseline, work, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
TIMING = ("seconds", "speedup", "time", "rate")

def numbers(value):
    """metrics.json without wall-clock measurements."""
    if isinstance(value, dict):
        return {k: numbers(v) for k, v in value.items() if not any(t in k for t in TIMING)}
    if isinstance(value, list):
        return [numbers(v) for v in value]
    return value

measured = {n: numbers(json.load(open(f"{work}/{n}/metrics.json"))) for n in names}
# Training amplifies round-off, and OpenBLAS picks its kernels by CPU: numbers are reproducible
# on one machine, not across machines. Record and check on the same one.
import os, platform
def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    return {"cpu": model, "cpus": os.cpu_count(), "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "")}
if mode == "record":
    try:
        recorded = json.load(open(baseline))
    except FileNotFoundError:
        recorded = {}
    recorded.update(measured)
    recorded["_machine"] = machine()
    json.dump(recorded, open(baseline, "w"), indent=1, sort_keys=True)
    print(f"recorded {len(measured)} problems in {baseline}")
    sys.exit(0)

recorded = json.load(open(baseline))
if recorded.get("_machine") != machine():
    print(f"warning: the baseline was recorded on {recorded.get('_machine', 'an unrecorded machine')}, this is {machine()}; "
          "expect differences from BLAS kernels alone — record before and check after a change on one machine", file=sys.stderr)
worst, failures = 0.0, []
def compare(path, a, b):
    global worst
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() - b.keys():
            failures.append(f"{path}: keys {sorted(a)} vs {sorted(b)}")
        for k in sorted(b.keys() - a.keys()):
            # A new output is not a changed result: named, not failed (record again to keep it).
            print(f"note: {path}.{k} is new (not in the baseline)", file=sys.stderr)
        for k in a.keys() & b.keys():
            compare(f"{path}.{k}", a[k], b[k])
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            compare(f"{path}[{i}]", x, y)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if a == b or (math.isnan(a) and math.isnan(b)):
            return
        relative = abs(a - b) / max(abs(a), abs(b))
        worst = max(worst, relative)
        if relative > 1e-6:
            failures.append(f"{path}: recorded {a!r}, now {b!r} (relative {relative:.2e})")
    elif a != b:
        failures.append(f"{path}: recorded {a!r}, now {b!r}")
for n in names:
    if n not in recorded:
        failures.append(f"{n}: nothing recorded")
        continue
    compare(n, recorded[n], measured[n])
for f in failures:
    print(f)
print(f"{len(names)} problems, largest relative difference {worst:.2e}: " + ("FAILED" if failures else "same numbers"))
sys.exit(1 if failures else 0)
EOF
