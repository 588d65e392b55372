#!/usr/bin/env python3
"""Writes small ONNX files of the kinds that runtimes refuse or take, for the agreement of
`zoo lint` with ONNX Runtime, OpenVINO and tract (tests/lint.rs):

    $ZOO_PYTHON tests/python/lint_corpus.py OUT_DIR

- each vision op (between two Relus) at opset 6 and at opset 7 (old files: ONNX Runtime has no kernel before 7 for
  several of them, and says it only guarantees opset 7 and above);
- a com.microsoft op (ONNX Runtime's contrib Gelu) and an op of a domain nobody implements;
- a Relu stamped IR version 14 (what onnx 1.23's helper stamps) and one at opset 27;
- an LRN of even size.
Every file has one float input `x` [1,3,8,8]; x.pb beside them holds a value for it.

Prints {"files": [path, ...], "input": x.pb} as JSON.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def ones(name, *shape):
    return numpy_helper.from_array(np.full(shape, 0.5, np.float32), name)


# op: (attributes, extra inputs, their initializers)
OPS = {
    "Relu": ({}, []),
    "Conv": ({"kernel_shape": [3, 3]}, [ones("w", 4, 3, 3, 3)]),
    "MaxPool": ({"kernel_shape": [2, 2]}, []),
    "AveragePool": ({"kernel_shape": [2, 2]}, []),
    "GlobalAveragePool": ({}, []),
    "BatchNormalization": ({}, [ones("s", 3), ones("b", 3), ones("m", 3), ones("v", 3)]),
    "PRelu": ({}, [ones("slope", 3, 1, 1)]),
    "LRN": ({"size": 3}, []),
    "Add": ({}, [ones("a", 1, 3, 8, 8)]),
    "Sub": ({}, [ones("a", 1, 3, 8, 8)]),
    "Mul": ({}, [ones("a", 1, 3, 8, 8)]),
    "Div": ({}, [ones("a", 1, 3, 8, 8)]),
    "Sum": ({}, [ones("a", 1, 3, 8, 8)]),
    "Concat": ({"axis": 1}, [ones("a", 1, 3, 8, 8)]),
    "Softmax": ({}, []),
    "Flatten": ({}, []),
    "LeakyRelu": ({}, []),
    "Sigmoid": ({}, []),
    "Tanh": ({}, []),
    "Clip": ({"min": 0.0, "max": 6.0}, []),
    "Upsample": ({"scales": [1.0, 1.0, 2.0, 2.0]}, []),
    "Transpose": ({"perm": [0, 2, 3, 1]}, []),
    "ReduceMean": ({"axes": [2, 3]}, []),
    "Dropout": ({}, []),
}


def model(nodes, inits, opset, ir=7, domains=()):
    graph = helper.make_graph(
        nodes, "t",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=inits,
    )
    imports = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    return helper.make_model(graph, opset_imports=imports, ir_version=ir)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    made = {}
    for op, (attrs, inits) in OPS.items():
        for opset in (6, 7):
            # Between two Relus: an identity right after an input makes OpenVINO name its parameter
            # after the identity's output (zoo's runner then finds no input `x`; noted in
            # docs/lint.md), and a graph that is one identity has no node left at all.
            before = helper.make_node("Relu", ["x"], ["p"], name="before")
            node = helper.make_node(op, ["p"] + [t.name for t in inits], ["h"], name=op.lower(), **attrs)
            after = helper.make_node("Relu", ["h"], ["y"], name="after")
            made[f"{op}_opset{opset}"] = model([before, node, after], inits, opset)
    made["com_microsoft_gelu"] = model(
        [helper.make_node("Gelu", ["x"], ["y"], name="gelu", domain="com.microsoft")], [], 17, 8, ["com.microsoft"]
    )
    made["custom_domain_op"] = model(
        [helper.make_node("Frobnicate", ["x"], ["y"], name="frob", domain="org.example")], [], 17, 8, ["org.example"]
    )
    made["relu_ir14"] = model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [], 17, 14)
    made["relu_opset27"] = model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [], 27, 10)
    made["lrn_even"] = model([helper.make_node("LRN", ["x"], ["y"], name="lrn", size=4)], [], 17, 8)
    files = []
    for name, m in sorted(made.items()):
        path = os.path.join(out, name + ".onnx")
        onnx.save(m, path)
        files.append(path)
    x = numpy_helper.from_array(np.linspace(-1, 1, 192, dtype=np.float32).reshape(1, 3, 8, 8), "x")
    with open(os.path.join(out, "x.pb"), "wb") as f:
        f.write(x.SerializeToString())
    print(json.dumps({"files": files, "input": os.path.join(out, "x.pb")}))


if __name__ == "__main__":
    main()
