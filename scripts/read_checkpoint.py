#!/usr/bin/env python3
"""Reads a Tandem checkpoint (safetensors) with the Python standard library alone.

Usage: read_checkpoint.py FILE            prints metadata and tensor shapes
       read_checkpoint.py FILE --json     prints {"metadata": …, "tensors": {name: {"shape", "values"}}}

With numpy installed, `load(path)` returns numpy arrays; the `safetensors` package reads the
same files (`safetensors.numpy.load_file`).
"""
import json
import struct
import sys

FORMATS = {"F32": ("f", 4), "F64": ("d", 8)}


def load(path):
    """Returns (metadata, {name: (dtype, shape, list_of_values)})."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        code, size = FORMATS[info["dtype"]]
        begin, end = info["data_offsets"]
        count = (end - begin) // size
        values = list(struct.unpack("<%d%s" % (count, code), body[begin:end]))
        tensors[name] = (info["dtype"], info["shape"], values)
    return metadata, tensors


def main():
    metadata, tensors = load(sys.argv[1])
    if "--json" in sys.argv:
        print(json.dumps({"metadata": metadata,
                          "tensors": {k: {"dtype": d, "shape": s, "values": v} for k, (d, s, v) in tensors.items()}}))
        return
    for key, value in sorted(metadata.items()):
        print(f"{key} = {value[:100]}")
    for name, (dtype, shape, _) in tensors.items():
        print(f"{name}: {dtype} {shape}")


if __name__ == "__main__":
    main()
