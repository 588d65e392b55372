#!/usr/bin/env python3
"""Writes one small ONNX file per `zoo lint` rule, each breaking exactly that rule.

    $ZOO_PYTHON tests/python/lint_fixtures.py OUT_DIR

Prints {"files": {name: the "target/rule"s it must raise, comma-separated}, "onnxruntime_loads":
{name: whether the onnxruntime wheel creates a session for it}} (the ONNX Runtime rules' oracle). Inputs have a fixed batch, so that the
dynamic-shapes warning only fires where it is meant to.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(nodes, inits, x_shape, y_name, y_shape, opset=17, y_type=TensorProto.FLOAT):
    g = helper.make_graph(
        nodes, "fixture",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info(y_name, y_type, y_shape)],
        initializer=inits,
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="lint-fixture")
    # IR 10, what zoo writes: onnx's own default may be newer than ONNX Runtime loads.
    m.ir_version = 10
    return m


def main():
    out = sys.argv[1]
    files = {}

    def save(name, m, rule):
        onnx.save(m, os.path.join(out, name + ".onnx"))
        files[name] = rule

    relu = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    save("opset21", model(relu, [], [1, 3, 8, 8], "y", [1, 3, 8, 8], opset=21), "tensorrt/opset")
    lrn = [helper.make_node("LRN", ["x"], ["y"], name="norm", size=4, alpha=1e-4, beta=0.75, bias=1.0)]
    save("lrn4", model(lrn, [], [1, 3, 8, 8], "y", [1, 3, 8, 8]), "onnxruntime/lrn-size,tensorrt/lrn-size")
    train = numpy_helper.from_array(np.array(True), "train")
    ratio = numpy_helper.from_array(np.array(0.5, dtype=np.float32), "ratio")
    drop = [helper.make_node("Dropout", ["x", "ratio", "train"], ["y"], name="drop")]
    save("dropout_train", model(drop, [ratio, train], [1, 3, 8, 8], "y", [1, 3, 8, 8]), "tensorrt/dropout-training")
    scale = numpy_helper.from_array(np.array(0.1, dtype=np.float32), "s")
    zp = numpy_helper.from_array(np.array(3, dtype=np.int8), "zp")
    qdq = [helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["q"], name="q"),
           helper.make_node("DequantizeLinear", ["q", "s", "zp"], ["y"], name="dq")]
    save("qdq_zero_point", model(qdq, [scale, zp], [1, 3, 8, 8], "y", [1, 3, 8, 8]), "tensorrt/qdq-asymmetric")
    pool = [helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2], strides=[2, 2],
                             pads=[1, 1, 1, 1], ceil_mode=1)]
    save("ceil_pool", model(pool, [], [1, 3, 5, 5], "y", [1, 3, 4, 4]), "tensorrt/ceil-pool-padding")
    bf = helper.make_tensor("w", TensorProto.BFLOAT16, [1], [1.0])
    cast = [helper.make_node("Cast", ["w"], ["wf"], name="cast", to=TensorProto.FLOAT),
            helper.make_node("Add", ["x", "wf"], ["y"], name="add")]
    save("bf16", model(cast, [bf], [1, 3, 8, 8], "y", [1, 3, 8, 8]), "tract/bf16")
    quote = [helper.make_node("Relu", ["x"], ['y"'], name="relu")]
    save("quoted_name", model(quote, [], [1, 3, 8, 8], 'y"', [1, 3, 8, 8]), "triton/model-config")
    # ONNX Runtime 1.31: opset 27 (TensorRT's opset rule fires too), IR version 14, fp16 Conv.
    save("opset27", model(relu, [], [1, 3, 8, 8], "y", [1, 3, 8, 8], opset=27), "onnxruntime/opset,tensorrt/opset")
    ir14 = model(relu, [], [1, 3, 8, 8], "y", [1, 3, 8, 8])
    ir14.ir_version = 14
    save("ir14", ir14, "onnxruntime/ir-version")
    w16 = numpy_helper.from_array(np.full((4, 3, 3, 3), 0.1, dtype=np.float16), "w")
    conv16 = [helper.make_node("Conv", ["x16", "w"], ["y"], name="conv", pads=[1, 1, 1, 1])]
    g = helper.make_graph(conv16, "fixture", [helper.make_tensor_value_info("x16", TensorProto.FLOAT16, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [1, 4, 8, 8])], initializer=[w16])
    m16 = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="lint-fixture")
    m16.ir_version = 10
    save("conv_fp16", m16, "onnxruntime/fp16-on-cpu")
    # OpenVINO: a float32 Conv, which its CPU plugin computes in bf16 unless told otherwise.
    w32 = numpy_helper.from_array(np.full((4, 3, 3, 3), 0.1, dtype=np.float32), "w")
    conv32 = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1])]
    save("conv_f32", model(conv32, [w32], [1, 3, 8, 8], "y", [1, 4, 8, 8]), "openvino/inference-precision")
    # The ONNX Runtime rules' oracle: whether the onnxruntime wheel itself loads each fixture.
    import onnxruntime as ort
    loads = {}
    for name in files:
        try:
            ort.InferenceSession(os.path.join(out, name + ".onnx"), providers=["CPUExecutionProvider"])
            loads[name] = True
        except Exception:  # noqa: BLE001 - any refusal counts
            loads[name] = False
    json.dump({"files": files, "onnxruntime_loads": loads}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
