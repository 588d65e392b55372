#!/usr/bin/env python3
"""Writes the JPEG kinds a photographer's folder holds, with Pillow, from scikit-image's photos.

    make_jpegs.py DIR

Chroma subsampling 4:4:4, 4:2:2 and 4:2:0 (odd sizes, so the last block row and column are
partial), progressive, optimised Huffman tables at low quality, greyscale, and CMYK (Pillow
writes Adobe's inverted convention). tests/images.rs feeds them to zoo and to torchvision's
pipeline on Pillow (check_preprocess.py), which must agree pixel for pixel.
"""

import os
import sys

import skimage
from PIL import Image


def main() -> int:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    data = os.path.join(os.path.dirname(skimage.__file__), "data")
    astronaut = Image.open(os.path.join(data, "astronaut.png")).convert("RGB")
    coffee = Image.open(os.path.join(data, "coffee.png")).convert("RGB")
    for subsampling, name in [(0, "444"), (1, "422"), (2, "420")]:
        astronaut.save(os.path.join(out, f"astronaut_{name}.jpg"), quality=90, subsampling=subsampling)
    astronaut.resize((301, 203)).save(os.path.join(out, "odd_420.jpg"), quality=85, subsampling=2)
    astronaut.save(os.path.join(out, "progressive.jpg"), quality=75, progressive=True)
    coffee.save(os.path.join(out, "coffee_q50_optimized.jpg"), quality=50, optimize=True)
    coffee.convert("L").save(os.path.join(out, "grey.jpg"), quality=90)
    coffee.convert("CMYK").save(os.path.join(out, "cmyk.jpg"), quality=90)
    print("\n".join(sorted(os.listdir(out))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
