"""Joins Tandem's and the peer's measurements into one table (stdout) and a JSON file.

Each benchmark may have been measured in several rounds; the table shows the median over rounds
of the per-round medians, and the speed-up's range over rounds.
"""
import json
import platform
import statistics
import sys

import torch


def load(path):
    groups = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                m = json.loads(line)
                groups.setdefault((m["name"], m["precision"], m["batch"]), []).append(m)
    return groups


def main(tandem_path, peer_path, out_path):
    tandem, peer = load(tandem_path), load(peer_path)
    rows = []
    print(f"{'benchmark':<16} {'prec':<4} {'batch':>6} {'tandem ms':>10} {'torch ms':>10} {'speed-up':>9} "
          f"{'(range)':>13} {'tandem GF/s':>12} {'torch GF/s':>11}")
    for key, runs in tandem.items():
        name, precision, batch = key
        t = statistics.median(r["medianMilliseconds"] for r in runs)
        gflops = statistics.median((r.get("gflops") or 0) for r in runs)
        note = runs[-1].get("note")
        if key not in peer:
            print(f"{name:<16} {precision:<4} {batch:>6} {t:>10.3f} {'':>10} {'':>9} {'':>13} {gflops:>12.1f}   {note or ''}")
            rows.append({"name": name, "precision": precision, "batch": batch, "tandem": t, "peer": None,
                         "unit": "ms", "ratio": None, "rounds": len(runs), "note": note})
            continue
        p_runs = peer[key]
        p = statistics.median(r["medianMilliseconds"] for r in p_runs)
        p_gflops = statistics.median(r["gflops"] for r in p_runs)
        ratios = [pr["medianMilliseconds"] / tr["medianMilliseconds"] for tr, pr in zip(runs, p_runs)]
        ratio = p / t
        spread = f"{min(ratios):.2f}–{max(ratios):.2f}"
        print(f"{name:<16} {precision:<4} {batch:>6} {t:>10.3f} {p:>10.3f} {ratio:>8.2f}× {spread:>13} "
              f"{gflops:>12.1f} {p_gflops:>11.1f}")
        rows.append({"name": name, "precision": precision, "batch": batch, "tandem": t, "peer": p, "unit": "ms",
                     "ratio": ratio, "ratio_per_round": ratios, "rounds": len(runs),
                     "tandem_gflops": gflops, "peer_gflops": p_gflops})
    result = {"peer": f"torch {torch.__version__}", "python": platform.python_version(),
              "torch_threads": torch.get_num_threads(), "results": rows}
    with open(out_path, "w") as f:
        json.dump(result, f, indent=2)
    print(f"speed-up = torch time / tandem time (higher is better), median over rounds; written to {out_path}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
