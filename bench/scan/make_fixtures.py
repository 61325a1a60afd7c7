#!/usr/bin/env python3
"""Writes the small hostile images in fixtures/scan/ (standard library only; deterministic).

- bomb_claims_100000x100000.png: a 100-byte PNG whose header claims 10^10 pixels.
- bomb_10000x10000_1bit.png: a complete, valid 1-bit PNG of 10^8 pixels in ~12 kB
  (a decompression bomb: 100 MB once decoded to 8-bit pixels).
- truncated.png: the first half of a valid PNG.
"""
import pathlib
import struct
import zlib

OUT = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "scan"


def chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(width: int, height: int, bit_depth: int, rows: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    # Claims 100000 x 100000 but holds a single row of data.
    (OUT / "bomb_claims_100000x100000.png").write_bytes(png(100_000, 100_000, 8, b"\0" * 64))
    # Every row: filter byte 0, then 1250 bytes of white (10000 1-bit pixels).
    rows = (b"\0" + b"\xff" * 1250) * 10_000
    (OUT / "bomb_10000x10000_1bit.png").write_bytes(png(10_000, 10_000, 1, rows))
    # A 64 x 64 grey gradient, cut in the middle of its image data.
    small = b"".join(b"\0" + bytes((x * 4 + y) % 256 for x in range(64)) for y in range(64))
    whole = png(64, 64, 8, small)
    (OUT / "truncated.png").write_bytes(whole[: len(whole) // 2])


if __name__ == "__main__":
    main()
