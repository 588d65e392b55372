#!/usr/bin/env python3
"""The peer of benches/runtimes.rs: ONNX Runtime's own Python API on the same file and input.

    python benches/ort_python.py MODEL.onnx INPUT.pb --threads N --iters K --warmup W

Prints {"median_s": ..., "times_s": [...]} for `session.run` alone (session creation excluded).
"""

import argparse
import json
import time

import onnx
import onnxruntime as ort
from onnx import numpy_helper

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("input")
ap.add_argument("--threads", type=int, required=True)
ap.add_argument("--iters", type=int, default=20)
ap.add_argument("--warmup", type=int, default=3)
a = ap.parse_args()
so = ort.SessionOptions()
so.intra_op_num_threads = a.threads
so.inter_op_num_threads = 1
sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
t = onnx.load_tensor(a.input)
feeds = {sess.get_inputs()[0].name: numpy_helper.to_array(t)}
for _ in range(a.warmup):
    sess.run(None, feeds)
times = []
for _ in range(a.iters):
    t0 = time.perf_counter()
    sess.run(None, feeds)
    times.append(time.perf_counter() - t0)
times.sort()
print(json.dumps({"median_s": times[len(times) // 2], "times_s": times}))
