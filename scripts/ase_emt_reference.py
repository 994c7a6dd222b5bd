"""ASE's EMT on every frame of an extended XYZ file: prints a JSON list of {energy, forces, stress}
(stress as 9 numbers in eV/A^3, null without a full cell). Used by the TandemAtoms tests."""
import json
import sys

from ase.calculators.emt import EMT
from ase.io import read


def main(path):
    results = []
    for atoms in read(path, index=":", format="extxyz"):
        atoms.calc = EMT()
        energy = atoms.get_potential_energy()
        forces = atoms.get_forces().reshape(-1).tolist()
        stress = None
        if all(atoms.pbc):
            stress = atoms.get_stress(voigt=False).reshape(-1).tolist()
        results.append({"energy": energy, "forces": forces, "stress": stress})
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1])
