#!/usr/bin/env python3
"""Checks any zoo file with tools zoo did not write, where no hand-written numpy forward pass
exists (VGG, ResNet, GoogLeNet: their numerics are checked against PyTorch by
scripts/peer-check and against tract and the golden data by `zoo verify`):

    $ZOO_PYTHON tests/python/check_structure.py FILE.onnx

onnx.checker (full), strict shape inference agreeing with every value_info zoo wrote (the
same check as check_onnx.py), and ONNX Runtime running the file on a batch of 2 with finite
outputs. Prints one JSON object; exits 1 when a check fails.
"""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_onnx import Report, check_shapes  # noqa: E402


def main(path):
    rep = Report()
    model = onnx.load(path)
    rep.data.update({"file": path, "opset": model.opset_import[0].version, "ir_version": model.ir_version})
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as e:  # noqa: BLE001
        rep.fail("checker", str(e))
    check_shapes(model, rep)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    shape = [2 if not isinstance(d, int) else d for d in inp.shape]
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    y = sess.run(None, {inp.name: x})[0]
    rep.data["output_shape"] = list(y.shape)
    if not np.isfinite(y).all():
        rep.fail("ort", "non-finite output")
    rep.data["ok"] = not rep.failures
    rep.data["failures"] = rep.failures
    print(json.dumps(rep.data, default=str))
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
