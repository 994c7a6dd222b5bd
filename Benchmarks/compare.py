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


def main(tandem_path, peer_path, out_path, peer_name="torch"):
    tandem, peer = load(tandem_path), load(peer_path)
    rows = []
    print(f"{'benchmark':<22} {'prec':<4} {'batch':>6} {'tandem ms':>10} {peer_name + ' ms':>10} {'speed-up':>9} "
          f"{'(range)':>13} {'tandem GF/s':>12} {peer_name + ' GF/s':>11}")
    for key, runs in tandem.items():
        name, precision, batch = key
        t = statistics.median(r["medianMilliseconds"] for r in runs)
        gflops = statistics.median((r.get("gflops") or 0) for r in runs)
        note = runs[-1].get("note")
        if key not in peer:
            print(f"{name:<22} {precision:<4} {batch:>6} {t:>10.3f} {'':>10} {'':>9} {'':>13} {gflops:>12.1f}   {note or ''}")
            rows.append({"name": name, "precision": precision, "batch": batch, "tandem": t, "peer": None,
                         "unit": "ms", "ratio": None, "rounds": len(runs), "note": note})
            continue
        p_runs = peer[key]
        p = statistics.median(r["medianMilliseconds"] for r in p_runs)
        p_gflops = statistics.median((r.get("gflops") or 0) for r in p_runs)
        ratios = [pr["medianMilliseconds"] / tr["medianMilliseconds"] for tr, pr in zip(runs, p_runs)]
        ratio = p / t
        spread = f"{min(ratios):.2f}–{max(ratios):.2f}"
        print(f"{name:<22} {precision:<4} {batch:>6} {t:>10.3f} {p:>10.3f} {ratio:>8.2f}× {spread:>13} "
              f"{gflops:>12.1f} {p_gflops:>11.1f}")
        rows.append({"name": name, "precision": precision, "batch": batch, "tandem": t, "peer": p, "unit": "ms",
                     "ratio": ratio, "ratio_per_round": ratios, "rounds": len(runs),
                     "tandem_gflops": gflops, "peer_gflops": p_gflops})
    for key, runs in peer.items():
        if key not in tandem:
            m = statistics.median(r["medianMilliseconds"] for r in runs)
            print(f"{key[0]:<22} {key[1]:<4} {key[2]:>6} {'':>10} {m:>10.3f}   (peer only) {runs[-1].get('note') or ''}")
            rows.append({"name": key[0], "precision": key[1], "batch": key[2], "tandem": None, "peer": m, "unit": "ms", "ratio": None})
    result = {"peer": peer_name, "python": platform.python_version(), "results": rows}
    if peer_name == "torch":
        result.update({"peer": f"torch {torch.__version__}", "torch_threads": torch.get_num_threads()})
    with open(out_path, "w") as f:
        json.dump(result, f, indent=2)
    print(f"speed-up = {peer_name} time / tandem time (higher is better), median over rounds; written to {out_path}")


if __name__ == "__main__":
    peer = sys.argv[sys.argv.index("--peer") + 1] if "--peer" in sys.argv else "torch"
    main(*sys.argv[1:4], peer_name=peer)
