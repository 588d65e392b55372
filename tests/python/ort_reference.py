#!/usr/bin/env python3
"""Runs an ONNX file with ONNX Runtime's own Python API on TensorProto inputs and writes the
outputs as TensorProto files: the peer zoo's Rust runner must match exactly.

    $ZOO_PYTHON tests/python/ort_reference.py MODEL.onnx OUT_DIR INPUT.pb [INPUT.pb ...] [--threads N]

Prints {"outputs": [paths], "version": onnxruntime.__version__}.
"""

import argparse
import json
import os

import onnx
import onnxruntime as ort
from onnx import numpy_helper


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("out_dir")
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    feeds = {}
    for path, spec in zip(a.inputs, sess.get_inputs()):
        t = onnx.load_tensor(path)
        feeds[t.name or spec.name] = numpy_helper.to_array(t)
    outs = sess.run(None, feeds)
    os.makedirs(a.out_dir, exist_ok=True)
    paths = []
    for i, (y, spec) in enumerate(zip(outs, sess.get_outputs())):
        p = os.path.join(a.out_dir, f"output_{i}.pb")
        with open(p, "wb") as f:
            f.write(numpy_helper.from_array(y, spec.name).SerializeToString())
        paths.append(p)
    print(json.dumps({"outputs": paths, "version": ort.__version__}))


if __name__ == "__main__":
    main()
