#!/usr/bin/env python3
"""The Python route the int8 benchmark measures zoo against, timed as a user runs it:

    peer_quantize.py FP32.onnx OUT.onnx CALIBRATION_DIR u8s8|s8s8 [minmax|percentile]

onnxruntime.quantization.shape_inference.quant_pre_process (ONNX Runtime's recommended
pre-processing), then quantize_static (QDQ, per_channel=True, int8 weights, uint8 or int8
activations) on the input_*.pb tensors of CALIBRATION_DIR. Prints {"seconds": wall} as JSON.
"""
import contextlib
import glob
import json
import os
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process


class Reader(CalibrationDataReader):
    def __init__(self, name, files):
        self.items = iter([{name: numpy_helper.to_array(onnx.load_tensor(f))} for f in files])

    def get_next(self):
        return next(self.items, None)


def main() -> int:
    fp32, out, cal, scheme = sys.argv[1:5]
    method = sys.argv[5] if len(sys.argv) > 5 else "minmax"
    files = sorted(glob.glob(os.path.join(cal, "input_*.pb")))
    name = onnx.load(fp32, load_external_data=False).graph.input[0].name
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(sys.stderr):
        pre = os.path.join(tmp, "pre.onnx")
        quant_pre_process(fp32, pre)
        quantize_static(
            pre,
            out,
            Reader(name, files),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8 if scheme == "u8s8" else QuantType.QInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.Percentile if method == "percentile" else CalibrationMethod.MinMax,
        )
    print(json.dumps({"seconds": time.perf_counter() - start}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
