"""Joins Tandem's and the peer's measurements into one table (stdout) and a JSON file."""
import json
import platform
import sys

import torch


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def key(m):
    return (m["name"], m["precision"], m["batch"])


def main(tandem_path, peer_path, out_path):
    tandem, peer = load(tandem_path), {key(m): m for m in load(peer_path)}
    rows = []
    print(f"{'benchmark':<16} {'prec':<4} {'batch':>6} {'tandem ms':>10} {'torch ms':>10} {'speed-up':>9} {'tandem GF/s':>12} {'torch GF/s':>11}")
    for m in tandem:
        p = peer.get(key(m))
        if p is None:
            print(f"{m['name']:<16} {m['precision']:<4} {m['batch']:>6} {m['medianMilliseconds']:>10.3f} {'':>10} {'':>9} "
                  f"{(m.get('gflops') or 0):>12.1f}   {m.get('note') or ''}")
            rows.append({"name": m["name"], "precision": m["precision"], "batch": m["batch"],
                         "tandem": m["medianMilliseconds"], "peer": None, "unit": "ms", "ratio": None,
                         "note": m.get("note")})
            continue
        ratio = p["medianMilliseconds"] / m["medianMilliseconds"]
        print(f"{m['name']:<16} {m['precision']:<4} {m['batch']:>6} {m['medianMilliseconds']:>10.3f} "
              f"{p['medianMilliseconds']:>10.3f} {ratio:>8.2f}× {m['gflops']:>12.1f} {p['gflops']:>11.1f}")
        rows.append({"name": m["name"], "precision": m["precision"], "batch": m["batch"],
                     "tandem": m["medianMilliseconds"], "peer": p["medianMilliseconds"], "unit": "ms",
                     "ratio": ratio, "tandem_gflops": m["gflops"], "peer_gflops": p["gflops"]})
    result = {"peer": f"torch {torch.__version__}", "python": platform.python_version(),
              "torch_threads": torch.get_num_threads(), "results": rows}
    with open(out_path, "w") as f:
        json.dump(result, f, indent=2)
    print(f"speed-up = torch time / tandem time (higher is better); written to {out_path}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
