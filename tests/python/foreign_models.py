#!/usr/bin/env python3
"""Writes ONNX files the way other tools write them, for `zoo inspect` to read.

    $ZOO_PYTHON tests/python/foreign_models.py OUT_DIR

Prints {"files": [{"path", "params", "macs", "has_unknown_ops", "inferred"}]} where params
and macs are counted here independently (null where they are not well defined) and
`inferred` maps node names to the output shape onnx's own shape inference gives, wherever it
is fully known.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)


def init(name, *shape):
    return numpy_helper.from_array((rng.standard_normal(shape) * 0.1).astype(np.float32), name)


def const_node(name, values):
    t = numpy_helper.from_array(np.array(values, dtype=np.int64), name + "_value")
    return helper.make_node("Constant", [], [name], name=name, value=t)


def count(model, weight_inputs):
    """Trainable parameters: initializers at the (op, input index) positions given."""
    inits = {t.name: int(np.prod(t.dims)) for t in model.graph.initializer}
    seen, total = set(), 0
    for n in model.graph.node:
        for i, name in enumerate(n.input):
            if name in inits and name not in seen and i in weight_inputs.get(n.op_type, ()):
                seen.add(name)
                total += inits[name]
    return total


def inferred_shapes(model):
    m = onnx.shape_inference.infer_shapes(model, strict_mode=False)
    shapes = {}
    for vi in list(m.graph.value_info) + list(m.graph.output):
        dims = [d.dim_value if d.HasField("dim_value") else None for d in vi.type.tensor_type.shape.dim]
        if dims and all(d is not None for d in dims):
            shapes[vi.name] = dims
    by_node = {}
    for n in m.graph.node:
        if n.output and n.output[0] in shapes:
            by_node[n.name] = shapes[n.output[0]]
    return m, shapes, by_node


def macs(model, shapes):
    """Conv and MatMul/Gemm multiply-accumulates per batch item, from onnx's shapes."""
    inits = {t.name: list(t.dims) for t in model.graph.initializer}
    total = 0
    for n in model.graph.node:
        out = shapes.get(n.output[0])
        if n.op_type == "Conv":
            w = inits[n.input[1]]
            total += int(np.prod(out[1:])) * int(np.prod(w[1:]))
        elif n.op_type == "MatMul":
            total += int(np.prod(out[1:])) * inits[n.input[1]][0]
        elif n.op_type == "Gemm":
            total += int(np.prod(inits[n.input[1]]))
    return total


def torch_style_dynamic(out_dir):
    """Like torch.onnx's TorchScript exporter: node names with slashes, no value_info, a
    symbolic `batch_size`, and a Shape → Gather → Unsqueeze → Concat → Reshape flatten."""
    nodes = [
        helper.make_node("Conv", ["x", "features.0.weight", "features.0.bias"], ["/features/features.0/Conv_output_0"],
                         name="/features/features.0/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["/features/features.0/Conv_output_0"], ["/features/features.1/Relu_output_0"],
                         name="/features/features.1/Relu"),
        helper.make_node("MaxPool", ["/features/features.1/Relu_output_0"], ["/features/features.2/MaxPool_output_0"],
                         name="/features/features.2/MaxPool", kernel_shape=[3, 3], strides=[2, 2]),
        helper.make_node("Shape", ["/features/features.2/MaxPool_output_0"], ["/Shape_output_0"], name="/Shape"),
        const_node("/Constant", 0),
        helper.make_node("Gather", ["/Shape_output_0", "/Constant"], ["/Gather_output_0"], name="/Gather", axis=0),
        const_node("/Constant_1", [0]),
        helper.make_node("Unsqueeze", ["/Gather_output_0", "/Constant_1"], ["/Unsqueeze_output_0"], name="/Unsqueeze"),
        const_node("/Constant_2", [-1]),
        helper.make_node("Concat", ["/Unsqueeze_output_0", "/Constant_2"], ["/Concat_output_0"], name="/Concat", axis=0),
        helper.make_node("Reshape", ["/features/features.2/MaxPool_output_0", "/Concat_output_0"], ["/Reshape_output_0"],
                         name="/Reshape"),
        helper.make_node("Gemm", ["/Reshape_output_0", "classifier.weight", "classifier.bias"], ["logits"],
                         name="/classifier/Gemm", transB=1),
    ]
    inits = [init("features.0.weight", 8, 3, 3, 3), init("features.0.bias", 8),
             init("classifier.weight", 10, 8 * 7 * 7), init("classifier.bias", 10)]
    graph = helper.make_graph(
        nodes, "main_graph",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch_size", 3, 32, 32])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", 10])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="pytorch",
                              producer_version="2.15.0", ir_version=8)
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(out_dir, "torch_style_dynamic.onnx")
    onnx.save(model, path)
    _, _, by_node = inferred_shapes(model)
    params = count(model, {"Conv": (1, 2), "Gemm": (1, 2)})
    return {"path": path, "params": params, "macs": None, "has_unknown_ops": True, "inferred": by_node}


def matmul_classifier(out_dir):
    """Fixed batch; BatchNorm, ceil-mode pooling, a grouped conv without bias, a Constant-fed
    Reshape and a MatMul + Add classifier, as newer exporters write it."""
    nodes = [
        helper.make_node("Conv", ["input", "c1.w", "c1.b"], ["c1"], name="c1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["bn"], name="bn",
                         epsilon=1e-3),
        helper.make_node("Relu", ["bn"], ["r1"], name="r1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="p1", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
        helper.make_node("Conv", ["p1", "c2.w"], ["c2"], name="c2", kernel_shape=[3, 3], group=2),
        helper.make_node("Relu", ["c2"], ["r2"], name="r2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["gap"], name="gap"),
        const_node("shape", [2, 16]),
        helper.make_node("Reshape", ["gap", "shape"], ["flat"], name="flat"),
        helper.make_node("MatMul", ["flat", "fc.w"], ["mm"], name="fc"),
        helper.make_node("Add", ["mm", "fc.b"], ["logits"], name="fc_bias"),
        helper.make_node("Softmax", ["logits"], ["prob"], name="prob", axis=-1),
    ]
    inits = [init("c1.w", 8, 3, 3, 3), init("c1.b", 8), init("bn.scale", 8), init("bn.bias", 8), init("bn.mean", 8),
             numpy_helper.from_array(np.ones(8, np.float32), "bn.var"), init("c2.w", 16, 4, 3, 3),
             init("fc.w", 16, 10), init("fc.b", 10)]
    graph = helper.make_graph(
        nodes, "mm", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [2, 3, 28, 28])],
        [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [2, 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx-helper",
                              ir_version=7)
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(out_dir, "matmul_classifier.onnx")
    onnx.save(model, path)
    _, shapes, by_node = inferred_shapes(model)
    params = count(model, {"Conv": (1, 2), "BatchNormalization": (1, 2), "MatMul": (1,), "Add": (0, 1)})
    return {"path": path, "params": params, "macs": macs(model, shapes), "has_unknown_ops": False,
            "inferred": by_node}


def dynamo_style(out_dir, keepdims):
    """Like torch.onnx.export(dynamo=True) (opset 18): global pooling as ReduceMean over the
    spatial axes with the axes as an input, then Reshape(allowzero=1) to [-1, C]; and, as the
    TorchScript exporter without constant folding writes VGG-BN, two convolutions reading one
    deduplicated zero bias, each followed by its BatchNormalization."""
    zero = numpy_helper.from_array(np.zeros(8, np.float32), "zero_bias")
    axes = numpy_helper.from_array(np.array([-1, -2], dtype=np.int64), "axes")
    nodes = [
        helper.make_node("Conv", ["x", "c1.w", "zero_bias"], ["c1"], name="c1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "bn1.s", "bn1.b", "bn1.m", "bn1.v"], ["bn1"], name="bn1"),
        helper.make_node("Relu", ["bn1"], ["r1"], name="r1"),
        helper.make_node("Conv", ["r1", "c2.w", "zero_bias"], ["c2"], name="c2", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c2", "bn2.s", "bn2.b", "bn2.m", "bn2.v"], ["bn2"], name="bn2"),
        helper.make_node("Relu", ["bn2"], ["r2"], name="r2"),
        helper.make_node("ReduceMean", ["r2", "axes"], ["mean"], name="node_mean", keepdims=keepdims),
    ]
    inits = [init("c1.w", 8, 3, 3, 3), init("c2.w", 8, 8, 3, 3), zero, axes, init("fc.w", 10, 8), init("fc.b", 10)]
    for bn in ("bn1", "bn2"):
        inits += [init(f"{bn}.s", 8), init(f"{bn}.b", 8), init(f"{bn}.m", 8),
                  numpy_helper.from_array((1 + rng.random(8)).astype(np.float32), f"{bn}.v")]
    if keepdims:
        inits.append(numpy_helper.from_array(np.array([-1, 8], dtype=np.int64), "flat_shape"))
        nodes.append(helper.make_node("Reshape", ["mean", "flat_shape"], ["flat"], name="node_view", allowzero=1))
        nodes.append(helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], name="node_linear", transB=1))
    else:
        nodes.append(helper.make_node("Gemm", ["mean", "fc.w", "fc.b"], ["logits"], name="node_linear", transB=1))
    graph = helper.make_graph(
        nodes, "main_graph", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["s0", 3, 16, 16])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["s0", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="pytorch",
                              producer_version="2.15.0", ir_version=10)
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(out_dir, f"dynamo_style_keepdims{keepdims}.onnx")
    onnx.save(model, path)
    _, shapes, by_node = inferred_shapes(model)
    params = count(model, {"Conv": (1, 2), "BatchNormalization": (1, 2), "Gemm": (1, 2)})
    # ReduceMean is an op zoo knows: nothing here is left unanalysed.
    return {"path": path, "params": params, "macs": None, "has_unknown_ops": False, "inferred": by_node}


def ort_optimized(out_dir, source):
    """The same network after ONNX Runtime's graph optimizer: fused, contrib-domain ops."""
    import onnxruntime as ort

    path = os.path.join(out_dir, "ort_optimized.onnx")
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    so.optimized_model_filepath = path
    ort.InferenceSession(source, so, providers=["CPUExecutionProvider"])
    model = onnx.load(path)
    unknown = any(n.domain not in ("", "ai.onnx") for n in model.graph.node)
    return {"path": path, "params": None, "macs": None, "has_unknown_ops": unknown, "inferred": {}}


def main():
    out_dir = sys.argv[1]
    files = [torch_style_dynamic(out_dir), matmul_classifier(out_dir)]
    files.append(ort_optimized(out_dir, files[1]["path"]))
    files += [dynamo_style(out_dir, 1), dynamo_style(out_dir, 0)]
    print(json.dumps({"files": files}))


if __name__ == "__main__":
    main()
