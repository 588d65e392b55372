#!/usr/bin/env python3
"""Writes one small ONNX file per `zoo lint` rule, each breaking exactly that rule.

    $ZOO_PYTHON tests/python/lint_fixtures.py OUT_DIR

Prints {"files": {name: expected "target/rule"}}. Inputs have a fixed batch, so that the
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
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="lint-fixture")


def main():
    out = sys.argv[1]
    files = {}

    def save(name, m, rule):
        onnx.save(m, os.path.join(out, name + ".onnx"))
        files[name] = rule

    relu = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    save("opset21", model(relu, [], [1, 3, 8, 8], "y", [1, 3, 8, 8], opset=21), "tensorrt/opset")
    lrn = [helper.make_node("LRN", ["x"], ["y"], name="norm", size=4, alpha=1e-4, beta=0.75, bias=1.0)]
    save("lrn4", model(lrn, [], [1, 3, 8, 8], "y", [1, 3, 8, 8]), "tensorrt/lrn-size")
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
    json.dump({"files": files}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
