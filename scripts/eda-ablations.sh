#!/usr/bin/env bash
# Ablations and multi-task strategies of the EDA network on problems/eda-multitask.toml (or the
# file given), each a variant of the file trained and compared with `tandem`; prints one row per
# variant from its metrics.json (mean ± std over the cross-validation folds).
#
#   scripts/eda-ablations.sh [PROBLEM] [PROFILE] [VARIANT…]
#
# Variants: multitask, eda-only, emotion-only, no-physics, sensor-only, and strategy:NAME for
# [training.multitask] strategy = NAME. EDA_WORK (default /tmp/tandem-eda-ablations) holds the runs;
# EDA_COMPARE_ONLY=1 compares the runs already there again and prints the table.
set -euo pipefail
cd "$(dirname "$0")/.."
problem=${1:-problems/eda-multitask.toml}
profile=${2:-quick}
shift $(( $# > 2 ? 2 : $# )) || true
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(multitask eda-only emotion-only no-physics sensor-only)
work=${EDA_WORK:-/tmp/tandem-eda-ablations}
tandem=${TANDEM:-.build/release/tandem}
mkdir -p "$work"
for variant in "${variants[@]}"; do
    file="$work/$variant.toml"
    case "$variant" in
        multitask) cp "$problem" "$file" ;;
        eda-only) sed 's/^\[training\]$/[training]\ntasks = ["eda", "physics"]/' "$problem" > "$file" ;;
        emotion-only) sed 's/^\[training\]$/[training]\ntasks = ["emotion"]/' "$problem" > "$file" ;;
        no-physics) sed 's/^\[training\]$/[training]\ntasks = ["eda", "emotion"]/' "$problem" > "$file" ;;
        sensor-only) sed -e 's/^features = .*/features = ["time", "window"]/' -e 's/^\[training\]$/[training]\ntasks = ["eda", "emotion"]/' "$problem" > "$file" ;;
        strategy:*) printf '%s\n\n[training.multitask]\nstrategy = "%s"\n' "$(cat "$problem")" "${variant#strategy:}" > "$file" ;;
        *) echo "unknown variant $variant" >&2; exit 2 ;;
    esac
    sed -i "s/^name = \"\(.*\)\"/name = \"\1-${variant/:/-}\"/" "$file"
    if [ "${EDA_COMPARE_ONLY:-0}" = 1 ]; then
        "$tandem" compare "$work/runs/$variant" >> "$work/$variant.log" 2>&1
        continue
    fi
    rm -rf "$work/runs/$variant"
    start=$(date +%s)
    "$tandem" train "$file" --profile "$profile" --out "$work/runs/$variant" > "$work/$variant.log" 2>&1
    "$tandem" compare "$work/runs/$variant" >> "$work/$variant.log" 2>&1
    echo "$variant $(( $(date +%s) - start ))" >> "$work/seconds.txt"
done
python3 - "$work" "${variants[@]}" <<'PY'
import json, sys
work, variants = sys.argv[1], sys.argv[2:]
def cell(m, key, scale=1, fmt="%.4f"):
    v = m.get(key)
    return "–" if not isinstance(v, dict) else (fmt % (v["mean"] * scale)) + " ± " + (fmt % (v["std"] * scale))
print("| variant | tasks | RMSE (µS) | RMSE vs tonic (µS) | RMSE learned ODE (µS) | RMSE calibrated ODE (µS) | Pearson r | accuracy | macro-F1 | γα₀ error | γβ errors |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for v in variants:
    m = json.load(open(f"{work}/runs/{v}/metrics.json"))
    errors = m.get("parameter_relative_errors", {})
    beta = ", ".join("%.1f%%" % (100 * e) for k, e in sorted(errors.items()) if k.startswith("γβ"))
    uses_physics = "physics" in m["tasks"]
    print(f"| {v} | {'/'.join(m['tasks'])} | {cell(m, 'rmse_uS')} | {cell(m, 'rmse_tonic_uS')} | {cell(m, 'rmse_ode_uS') if uses_physics else '–'} | {cell(m, 'rmse_calibrated_ode_uS') if uses_physics else '–'} | {cell(m, 'pearson_r')} | {cell(m, 'accuracy')} | {cell(m, 'macro_f1')} | "
          + (("%.1f%%" % (100 * errors.get("γα₀", float("nan")))) if uses_physics else "–") + f" | {beta if uses_physics else '–'} |")
PY
