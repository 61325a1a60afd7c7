#!/usr/bin/env python3
"""Times zxing-cpp (its Python package) on the same images as examples/scan_corpus.rs.

  zxing_time.py corpus QR_PHOTOS_DIR [REPEAT]   decode only (image already in memory)
  zxing_time.py files REPEAT FILE...            end to end: file bytes -> payload, incl. loading

Output lines mirror the Rust example's (tab separated) so run.sh can tabulate both.
"""
import io
import math
import pathlib
import sys
import time

import numpy as np
import zxingcpp
from PIL import Image

QR = zxingcpp.BarcodeFormat.QRCode


def percentile(sorted_ms, q):
    if not sorted_ms:
        return float("nan")
    rank = min(max(math.ceil(q * len(sorted_ms)), 1), len(sorted_ms))
    return sorted_ms[rank - 1]


def gray(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("L"))


def corpus(root, repeat):
    root = pathlib.Path(root)
    lines = (root / "manifest.tsv").read_text(encoding="utf-8").splitlines()[1:]
    read = positives = clean = negatives = wrong = 0
    times = []
    for line in filter(None, lines):
        image, _set, expected, _flags, _w, _h, alt = line.split("\t")
        texts_of = lambda f: [] if f == "-" else [
            (root / p).read_bytes().decode("utf-8") for p in f.split("|")]
        required, alternatives = texts_of(expected), texts_of(alt)
        pixels = gray(root / image)
        best = math.inf
        found = []
        for _ in range(max(repeat, 1)):
            start = time.perf_counter()
            results = zxingcpp.read_barcodes(pixels, formats=QR)
            best = min(best, (time.perf_counter() - start) * 1e3)
            found = [r.text for r in results if r.valid]
        bad = [t for t in found if t not in required and t not in alternatives]
        wrong += len(bad)
        if not required:
            negatives += 1
            clean += not found
            continue
        positives += 1
        ok = not bad and (all(r in found for r in required)
                          or (len(required) == 1 and any(t in alternatives for t in found)))
        read += ok
        times.append(best)
        print(f"photo\t{image}\t{'ok' if ok else 'MISS'}\t{best:.3f}\tzxing-cpp")
    times.sort()
    print(f"summary\tzxing-cpp\tread {read}/{positives}\tnegatives clean {clean}/{negatives}"
          f"\twrong texts {wrong}\tmedian_ms {percentile(times, 0.5):.3f}"
          f"\tp95_ms {percentile(times, 0.95):.3f}")


def files(repeat, paths):
    for path in paths:
        times = []
        outcome = "error\tno_qr_found\t-"
        for _ in range(max(repeat, 1)):
            start = time.perf_counter()
            data = pathlib.Path(path).read_bytes()
            with Image.open(io.BytesIO(data)) as im:
                pixels = np.asarray(im.convert("L"))
            results = zxingcpp.read_barcodes(pixels, formats=QR)
            times.append((time.perf_counter() - start) * 1e3)
            if results:
                text = "".join(c if c.isprintable() else " " for c in results[0].text[:40])
                outcome = f"ok\tzxing-cpp\t{text}"
        times.sort()
        print(f"file\t{path}\t{outcome}\tmedian_ms {percentile(times, 0.5):.1f}"
              f"\tmin_ms {times[0]:.1f}")


if __name__ == "__main__":
    if sys.argv[1] == "corpus":
        corpus(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3)
    else:
        files(int(sys.argv[2]), sys.argv[3:])
