"""schnetpack peer for `tandem-bench --only schnet`: one training step of schnetpack's SchNet of the
same size (64 features, 3 interactions, 25 Gaussians, a 5 A cosine cut-off, an atom-wise head
64 -> 32 -> 1) on a batch of 4 frames of 32 Cu atoms (2 x 2 x 2 fcc cells, a = 3.61 A, displaced
by 0.05 A, labelled by ASE's EMT): the neighbour lists (schnetpack's ASENeighborList through its
AtomsConverter), energies, forces with a graph, the energy + force loss, backward and an Adam
step. Median of `--repeats` steps after 3 warm-up steps; one JSON object per precision."""
import argparse
import json
import typing

import numpy as np
import torch
import torch.utils.data.dataloader as dataloader

# schnetpack 2.1.1 imports `T_co` from torch's dataloader module, which torch 2.13 no longer
# defines; the type variable is all it needs.
if not hasattr(dataloader, "T_co"):
    dataloader.T_co = typing.TypeVar("T_co", covariant=True)

import schnetpack as spk  # noqa: E402
import schnetpack.transform as trn  # noqa: E402
from ase.build import bulk  # noqa: E402
from ase.calculators.emt import EMT  # noqa: E402

from timing import timed  # noqa: E402


def measure(dtype, repeats):
    torch.manual_seed(0)
    rng = np.random.default_rng(21)
    frames = []
    for _ in range(8):
        atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat((2, 2, 2))
        atoms.positions += 0.05 * rng.standard_normal(atoms.positions.shape)
        atoms.calc = EMT()
        energy, forces = atoms.get_potential_energy(), atoms.get_forces()
        atoms.calc = None
        frames.append((atoms, energy, forces))
    cutoff = 5.0
    model = spk.model.NeuralNetworkPotential(
        representation=spk.representation.SchNet(
            n_atom_basis=64, n_interactions=3, radial_basis=spk.nn.GaussianRBF(n_rbf=25, cutoff=cutoff),
            cutoff_fn=spk.nn.CosineCutoff(cutoff)),
        input_modules=[spk.atomistic.PairwiseDistances()],
        output_modules=[spk.atomistic.Atomwise(n_in=64, output_key="energy"),
                        spk.atomistic.Forces(energy_key="energy", force_key="forces")],
        postprocessors=[], do_postprocessing=False).to(dtype)
    model.train()
    converter = spk.interfaces.AtomsConverter(neighbor_list=trn.ASENeighborList(cutoff=cutoff), dtype=dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    state = {"step": 0}

    def step():
        k = state["step"]
        batch = [frames[(4 * k + i) % len(frames)] for i in range(4)]
        inputs = converter([b[0] for b in batch])
        energy = torch.tensor([b[1] for b in batch], dtype=dtype)
        forces = torch.tensor(np.concatenate([b[2] for b in batch]), dtype=dtype)
        out = model(inputs)
        loss = (((out["energy"] - energy) / 32) ** 2).mean() + ((out["forces"] - forces) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        state["step"] = k + 1

    ms = timed(step, max(3, repeats), 3)
    return {"name": "schnet_step_cu32x4", "precision": "F32" if dtype == torch.float32 else "F64", "batch": 4,
            "medianMilliseconds": ms, "note": f"schnetpack {spk.__version__ if hasattr(spk, '__version__') else '2.1.1'}, torch {torch.__version__}"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for dtype in (torch.float32, torch.float64):
        print(json.dumps(measure(dtype, args.repeats)), flush=True)


if __name__ == "__main__":
    main()
