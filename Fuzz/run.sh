#!/usr/bin/env bash
# Builds the fuzz targets (-sanitize=fuzzer, lld) and runs each for SECONDS (default 60) on a
# seed corpus: the shipped problem files, a small checkpoint written here, and the heads of the
# shipped E4 recording and a WESAD quest layout (a selector byte first: see FuzzSignalFile). A crash leaves
# libFuzzer's crash-* file in .build/fuzz/findings/ and fails the script; turn it into a test.
#
#   Fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
swift build --package-path Fuzz -c release --build-path .build/fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld
bin=.build/fuzz/release
work=.build/fuzz/corpus
findings=.build/fuzz/findings
mkdir -p "$work/problem-file" "$work/checkpoint" "$work/signal-file" "$findings"
cp problems/*.toml "$work/problem-file/"
{ printf 0; head -n 40 notebooks-data/empatica-e4-sample/EDA.csv; } > "$work/signal-file/eda.csv"
{ printf 1; head -n 40 notebooks-data/empatica-e4-sample/ACC.csv; } > "$work/signal-file/acc.csv"
printf 'q# Subj;S2;;\n# ORDER;Base;TSST;Fun;sRead\n# START;7.08;39.55;60.10;70.00\n# END;26.32;50.30;66.00;75.30\n# STAI;1;2;1\n# STAI;3;3;3\n# STAI;1;1;1\n# DIM;7;2\n# DIM;5;4\n# DIM;8;1\n' > "$work/signal-file/quest.csv"
python3 - "$work/checkpoint/seed.safetensors" <<'PY'
import json, struct, sys
# Two F32 tensors, an Adam slot each, and Tandem's metadata (see docs/checkpoints.md).
names = ["layers.0.weight", "optimizer.m.layers.0.weight"]
data = struct.pack("<4f", 0.5, -1.0, 2.0, 0.25) + struct.pack("<4f", 0, 0, 0, 0)
header = {"__metadata__": {"tandem.format": "tandem-checkpoint-1", "tandem.dtype": "F32", "tandem.optimizer": "adam",
                           "tandem.step": "3", "tandem.parameters": "layers.0.weight"}}
for i, name in enumerate(names):
    header[name] = {"dtype": "F32", "shape": [2, 2], "data_offsets": [16 * i, 16 * (i + 1)]}
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(text)) + text + data)
PY
# Swift's own crash backtracer would catch the signal before libFuzzer saves the failing input.
export SWIFT_BACKTRACE=enable=no
status=0
for target in problem-file checkpoint signal-file; do
    echo "== fuzz-$target for $seconds s"
    log="$findings/../fuzz-$target.log"
    code=0
    "$bin/fuzz-$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$findings/$target-" \
        -print_final_stats=1 "$work/$target" > "$log" 2>&1 || code=$?
    grep -E "^(Done|stat::number_of_executed_units)" "$log" || true
    if [ "$code" -ne 0 ] || ls "$findings/$target-"* > /dev/null 2>&1; then
        tail -n 40 "$log"
        echo "fuzz-$target failed (exit $code): $(ls "$findings/$target-"* 2>/dev/null || echo "no input saved"); log in $log"
        status=1
    fi
done
exit $status
