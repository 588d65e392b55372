#!/usr/bin/env python3
"""Checks a compiled file of open_world.py's mixed.onnx: what zoo carried is there as the file
wrote it, and the fp16 pass left it float32.

    $ZOO_PYTHON tests/python/check_carried.py FILE

Prints JSON: the IR version, the opset imports, per carried node its domain and the element
type of each float input it reads (inputs and, for the If, the values its branches capture),
and the onnx checker's verdict.
"""

import json
import sys

import onnx
from onnx import TensorProto


def main():
    m = onnx.load(sys.argv[1])
    g = m.graph
    types = {v.name: v.type.tensor_type.elem_type for v in list(g.input) + list(g.value_info) + list(g.output)}
    types.update({t.name: t.data_type for t in g.initializer})
    for n in g.node:
        if n.op_type == "Cast":
            types[n.output[0]] = next(a.i for a in n.attribute if a.name == "to")
    name = {TensorProto.FLOAT: "float32", TensorProto.FLOAT16: "float16", TensorProto.INT64: "int64", TensorProto.BOOL: "bool"}
    carried = {}
    for n in g.node:
        if n.op_type in ("Resize", "Gelu", "Shrink", "If"):
            reads = [i for i in n.input if i]
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    inner = {o for x in a.g.node for o in x.output}
                    reads += [i for x in a.g.node for i in x.input if i and i not in inner]
            carried[n.op_type] = {
                "domain": n.domain,
                "reads": {i: name.get(types.get(i), str(types.get(i))) for i in reads},
            }
    try:
        onnx.checker.check_model(m)
        checker = "ok"
    except Exception as e:  # the verdict is the output
        checker = str(e).splitlines()[0]
    print(json.dumps({
        "ir_version": m.ir_version,
        "imports": {o.domain: o.version for o in m.opset_import},
        "carried": carried,
        "checker": checker,
    }))


if __name__ == "__main__":
    main()
