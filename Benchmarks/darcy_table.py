"""The Darcy solve table: Tandem end to end against SciPy's spsolve, scikit-sparse's CHOLMOD and
CHOLMOD called from C (the floor), from the JSON lines `Benchmarks/run.sh` collects over its
rounds. Prints medians over rounds and each ratio's range over rounds; writes a JSON file.

    python Benchmarks/darcy_table.py TANDEM.jsonl PEERS.jsonl OUT.json
"""
import json
import statistics
import sys


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                m = json.loads(line)
                rows.setdefault((m["name"], m["batch"]), []).append(m["medianMilliseconds"])
    return rows


def main(tandem_path, peers_path, out_path):
    tandem, peers = load(tandem_path), load(peers_path)
    sizes = sorted({n for (name, n) in tandem if name == "darcy_end_to_end"})
    header = ("grid", "setup ms", "factor+solve ms", "Tandem ms", "spsolve ms", "spsolve / Tandem",
              "scikit-sparse ms", "Tandem / scikit-sparse", "C CHOLMOD ms", "Tandem / C CHOLMOD")
    print(" | ".join(header))
    out = []
    for n in sizes:
        t = tandem[("darcy_end_to_end", n)]
        row = {"grid": n, "rounds": len(t), "tandem_ms": statistics.median(t),
               "setup_ms": statistics.median(tandem.get(("darcy_setup_analysis", n), [float("nan")])),
               "factorize_solve_ms": statistics.median(tandem.get(("darcy_factorize_solve", n), [float("nan")]))}
        cells = [f"{n}²", f"{row['setup_ms']:.0f}", f"{row['factorize_solve_ms']:.0f}", f"{row['tandem_ms']:.0f}"]
        for key, label, faster_is_peer in (("darcy_end_to_end", "spsolve", False),
                                           ("darcy_end_to_end_sksparse", "sksparse", True),
                                           ("darcy_end_to_end_cholmod_c", "cholmod_c", True)):
            p = peers.get((key, n))
            if not p:
                cells += ["–", "–"]
                continue
            # Per round: Tandem / peer for the CHOLMOD peers (≤ 1 is as fast), peer / Tandem for spsolve.
            ratios = [(a / b if faster_is_peer else b / a) for a, b in zip(t, p)]
            ratio = statistics.median(ratios)
            row[f"{label}_ms"] = statistics.median(p)
            row[f"{label}_ratio"] = ratio
            row[f"{label}_ratio_range"] = [min(ratios), max(ratios)]
            cells += [f"{statistics.median(p):.0f}", f"{ratio:.2f}× ({min(ratios):.2f}–{max(ratios):.2f})"]
        print(" | ".join(cells))
        out.append(row)
    with open(out_path, "w") as f:
        json.dump({"results": out}, f, indent=2)
    print(f"ratios are medians of per-round ratios (range over rounds); written to {out_path}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
