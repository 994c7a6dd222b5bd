"""Opens a file written by `tandem solve` with xarray and checks its structure and values.

Prints a JSON summary; exits non-zero with a message on the first failed check.
"""
import json
import sys

import numpy as np
import xarray as xr


def fail(message):
    print(f"check_with_xarray: {message}", file=sys.stderr)
    sys.exit(1)


def main(path):
    ds = xr.open_dataset(path)
    for name in ("u", "mask"):
        if name not in ds:
            fail(f"variable {name} is missing")
    u, mask = ds["u"], ds["mask"]
    if u.dims[:2] != ("sample", "geometry"):
        fail(f"u has dimensions {u.dims}")
    spatial = [d for d in mask.dims if d != "geometry"]
    for d in spatial:
        if d not in ds.coords:
            fail(f"coordinate {d} is missing")
        if ds[d].attrs.get("units") is None or ds[d].attrs.get("long_name") is None:
            fail(f"coordinate {d} lacks units or long_name")
    if ds.attrs.get("Conventions") != "CF-1.8" or "[pde]" not in ds.attrs.get("tandem_problem", ""):
        fail("global provenance attributes are missing")
    first = u.isel(sample=0)
    if "t" in first.dims:
        first = first.isel(t=-1)
    inside = mask.values == 1
    if not np.all(np.isfinite(first.values[inside])):
        fail("u is not finite inside a geometry")
    if np.any(np.isfinite(first.values[~inside])):
        fail("u is finite outside a geometry")
    samples = ds.sizes["sample"]
    if "sample" not in ds.coords or not np.array_equal(ds["sample"].values, np.arange(samples)):
        fail("the sample axis has no coordinate 0, 1, …")
    families = []
    if "family_name" in ds.variables:
        names = [str(n) for n in ds["family_name"].values]
        if "family_name" not in ds["u"].coords:
            fail("family_name is not a coordinate of u")
        meanings = ds["family"].attrs.get("flag_meanings", "").split()
        values = list(np.atleast_1d(ds["family"].attrs.get("flag_values", [])))
        if [meanings[int(i)] for i in ds["family"].values] != [n.replace(" ", "_") for n in names] or values != list(range(len(meanings))):
            fail("family's flag_values/flag_meanings disagree with family_name")
        chosen = ds["u"].set_xindex("family_name").sel(family_name=names[0])
        if chosen.sizes.get("sample", 1) != names.count(names[0]):
            fail("selecting a family by name does not give its samples")
        families = sorted(set(names))
    coefficient = next(v for v in ("K", "kappa", "D") if v in ds)
    if not np.all(ds[coefficient].values > 0):
        fail(f"{coefficient} is not positive")
    print(json.dumps({
        "dims": {k: int(v) for k, v in ds.sizes.items()},
        "geometries": ds.attrs["tandem_geometries"].split(";"),
        "max_u": float(np.nanmax(first.values)),
        "seed": ds.attrs["tandem_seed"],
        "families": families,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
