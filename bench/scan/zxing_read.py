#!/usr/bin/env python3
"""Prints what zxing-cpp reads in each file, as the hard-photo test compares it:

  zxing_read.py FILE...   one line per file: path TAB version TAB texts as a JSON list
"""
import json
import sys

import numpy as np
import zxingcpp
from PIL import Image

version = getattr(zxingcpp, "__version__", "?")
for path in sys.argv[1:]:
    with Image.open(path) as im:
        pixels = np.asarray(im.convert("L"))
    results = zxingcpp.read_barcodes(pixels, formats=zxingcpp.BarcodeFormat.QRCode)
    print(f"{path}\t{version}\t{json.dumps([r.text for r in results if r.valid])}")
