#!/usr/bin/env python3
"""Checks a model written with --external-data, with onnx's own tools.

    $ZOO_PYTHON tests/python/check_external.py MODEL.onnx --threshold BYTES

  checker    onnx.checker.check_model(path, full_check=True) (the path form reads external data)
  layout     every tensor of >= BYTES bytes is external, every smaller one inline; all name
             one side file `<model file name>.data` beside the model; offsets are multiples of
             4096; regions do not overlap and lie inside the file; onnx.load with external data
             gives each tensor exactly its length
Prints one JSON object; exits 1 with the failures on stderr when a check fails.
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threshold", type=int, required=True)
    args = ap.parse_args()
    failures = []
    try:
        onnx.checker.check_model(args.model, full_check=True)
    except Exception as e:  # noqa: BLE001 - the checker's message is the finding
        failures.append(f"checker: {e}")
    bare = onnx.load(args.model, load_external_data=False)
    full = {t.name: numpy_helper.to_array(t) for t in onnx.load(args.model).graph.initializer}
    want = os.path.basename(args.model) + ".data"
    size = os.path.getsize(os.path.join(os.path.dirname(args.model), want))
    regions, external, inline = [], 0, 0
    for t in bare.graph.initializer:
        nbytes = full[t.name].nbytes
        if t.data_location == onnx.TensorProto.EXTERNAL:
            external += 1
            e = {x.key: x.value for x in t.external_data}
            off, length = int(e.get("offset", 0)), int(e["length"])
            if e["location"] != want:
                failures.append(f"{t.name}: location {e['location']!r}, expected {want!r}")
            if off % 4096:
                failures.append(f"{t.name}: offset {off} not 4 KiB-aligned")
            if length != nbytes or nbytes < args.threshold:
                failures.append(f"{t.name}: length {length}, {nbytes} bytes, threshold {args.threshold}")
            regions.append((off, off + length, t.name))
        else:
            inline += 1
            if nbytes >= args.threshold:
                failures.append(f"{t.name}: {nbytes} bytes kept inline")
    regions.sort()
    for (a0, a1, an), (b0, _, bn) in zip(regions, regions[1:]):
        if b0 < a1:
            failures.append(f"{an} and {bn} overlap")
    if regions and regions[-1][1] > size:
        failures.append(f"{regions[-1][2]} ends past the data file ({size} bytes)")
    finite = all(np.isfinite(a).all() for a in full.values() if a.dtype.kind == "f")
    if not finite:
        failures.append("non-finite weights")
    print(json.dumps({"ok": not failures, "failures": failures, "external": external, "inline": inline,
                      "data_bytes": size}))
    for f in failures:
        print(f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
