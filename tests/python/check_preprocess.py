#!/usr/bin/env python3
"""Checks zoo's image preprocessing against torchvision's, run on Pillow as torchvision runs it.

    check_preprocess.py DIR IMAGE... --crop 224 --mean 0.485 0.456 0.406 --std 0.229 0.224 0.225
        [--scale 1|255] [--bgr]

DIR holds what `zoo run FILE --image IMAGE... -o DIR` kept: test_data_set_<k>/input_0.pb, the
tensor zoo fed for the k-th image. The reference is torchvision's ImageNet evaluation pipeline
written out with the calls torchvision makes on a PIL image (torchvision/transforms/functional.py
and _functional_pil.py, 0.2x): Image.open(f).convert("RGB"); Resize(256): shorter side 256,
longer int(256 * long / short), img.resize((w, h), Image.BILINEAR); CenterCrop: offsets
int(round((size - crop) / 2.0)); ToTensor: uint8 / 255 in float32, CHW; Normalize:
(x - mean) / std in float32. (Without torch: the same operations in numpy float32.)

Reports per image the largest difference, normalised and in 8-bit levels (difference * std *
255 / scale), and fails when any image differs at all: PNG decoding is lossless, zoo decodes
JPEG with libjpeg-turbo's decompressor as Pillow does, and resamples with Pillow's integer
arithmetic. (Before, with the image crate's JPEG decoder, rocket.jpg differed by 2 levels.)
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper
from PIL import Image


def reference(path, crop, mean, std, scale, bgr):
    img = Image.open(path).convert("RGB")
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = 256, int(256 * long / short)
    size = (new_short, new_long) if w <= h else (new_long, new_short)
    img = img.resize(size, Image.BILINEAR)
    w, h = img.size
    top, left = int(round((h - crop[0]) / 2.0)), int(round((w - crop[1]) / 2.0))
    img = img.crop((left, top, left + crop[1], top + crop[0]))
    x = np.asarray(img, dtype=np.uint8).transpose(2, 0, 1)
    if bgr:
        x = x[::-1]
    x = x.astype(np.float32) / np.float32(255) if scale == 1 else x.astype(np.float32) * np.float32(scale / 255)
    m = np.asarray(mean, dtype=np.float32).reshape(3, 1, 1)
    s = np.asarray(std, dtype=np.float32).reshape(3, 1, 1)
    return ((x - m) / s)[None], Image.open(path).mode


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("images", nargs="+")
    ap.add_argument("--crop", type=int, nargs="+", default=[224])
    ap.add_argument("--mean", type=float, nargs=3, required=True)
    ap.add_argument("--std", type=float, nargs=3, required=True)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--bgr", action="store_true")
    args = ap.parse_args()
    crop = args.crop * 2 if len(args.crop) == 1 else args.crop
    rows, failures = [], []
    for k, path in enumerate(args.images):
        zoo = numpy_helper.to_array(onnx.load_tensor(os.path.join(args.dir, f"test_data_set_{k}", "input_0.pb")))
        ref, mode = reference(path, crop, args.mean, args.std, args.scale, args.bgr)
        if zoo.shape != ref.shape:
            failures.append(f"{path}: zoo's tensor is {zoo.shape}, torchvision's {ref.shape}")
            continue
        diff = np.abs(zoo.astype(np.float64) - ref)
        levels = diff * np.asarray(args.std).reshape(1, 3, 1, 1) * 255 / args.scale
        row = {
            "image": os.path.basename(path),
            "mode": mode,
            "max_abs": float(diff.max()),
            "max_levels": float(levels.max()),
            "differing": int((levels > 0.5).sum()),
        }
        rows.append(row)
        if row["max_levels"] > 1e-3:
            failures.append(f"{path}: differs from torchvision's by {row['max_levels']:.2f} levels")
    print(json.dumps({"images": rows}))
    for f in failures:
        print(f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
