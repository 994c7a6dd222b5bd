"""ASE peer for `tandem-bench --only neighbors`: ase.neighborlist.neighbor_list("ijS") on the same
fcc Cu supercell (13 x 13 x 15 conventional cells, a = 3.61 A, 10,140 atoms) at a 5 A cut-off,
median of the same number of builds. Prints one JSON object with the pair count."""
import argparse
import json

import numpy as np
from ase.build import bulk
from ase.neighborlist import neighbor_list

from timing import timed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat((13, 13, 15))
    count = {}

    def build():
        i, j, S = neighbor_list("ijS", atoms, 5.0)
        count["pairs"] = len(i)

    ms = timed(build, max(3, args.repeats), 1)
    print(json.dumps({"name": "neighbor_list_cu_10140", "precision": "F64", "batch": len(atoms),
                      "medianMilliseconds": ms, "note": f"{count['pairs']} pairs, ase {__import__('ase').__version__}"}), flush=True)


if __name__ == "__main__":
    main()
