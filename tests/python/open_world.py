#!/usr/bin/env python3
"""Writes small ONNX files the way other exporters write them, for the open-world tests of
`zoo diff`, `verify`, `inspect` and `run`:

    $ZOO_PYTHON tests/python/open_world.py OUT_DIR

- classifier.onnx: weights in Constant nodes (paddle2onnx's habit), x [N,3,32,32] -> [N,2]
- classifier_moved.onnx: the same with one Constant weight moved by 1e-2
- detector.onnx: Constant-node weights, x [N,3,H,W] symbolic past the batch -> [N,1,H,W]
- detector_moved.onnx: the same with one weight moved by 1e-2
- detector_renamed.onnx: detector.onnx with every value and node renamed (the same computation)
- detector_minus1.onnx: detector.onnx with H and W written as dim_value -1 (tf2onnx's habit)
- classifier_b1.onnx: classifier.onnx with the batch fixed to 1
- classifier_argmax.onnx: classifier.onnx ending in ArgMax (an int64 output)
- lstm.onnx: a bidirectional LSTM (hidden 48) over x [25,N,32], weights as initializers;
  lstm_dynamic.onnx: the same with the sequence length symbolic
- relu_chain.onnx: 12,000 Relus in a chain, x [N,8] (past the node count where verify's load
  budget starts)
- branchy.onnx: the network inside an If whose condition is computed from the input's shape
  (then: conv + relu, else: relu)
- hostile_constant.onnx: a Constant node whose tensor claims [1000000000,3,3,3] and holds 4
  bytes, feeding a Conv (the checker refuses it; zoo must too, in one line, or count it safely)
- mixed.onnx: a small CNN with what zoo's compiler carries without knowing it beside a Resize
  it knows (whose float scales must stay float32) — a com.microsoft Gelu, a Shrink with no value_info
  (untyped), an If whose branches read the outer graph's values (a weight among them) — and
  a BatchNorm to fold; x [N,3,16,16] -> [N,4]; mixed_ir14.onnx: the same stamped IR version
  14 (onnx 1.23's default, which ONNX Runtime 1.31 refuses)
- shuffle_chunk.onnx: ShuffleNetV2's unit as TorchScript writes it, x [N,8,6,6] -> [N,3]: torch.chunk's
  Slice bounds computed from the input's shape (Shape → Gather → Add → Div → Mul), the channel
  shuffle's Reshape targets computed from it too (`view(n, g, c // g, h, w)`), and a Reshape
  whose target puts the batch at another position ([1, N, 288])
- conv_two_inputs.onnx: onnx's node-test layout, X [1,1,5,5] and W [1,1,3,3] both graph inputs;
  beside it X.pb and W.pb (TensorProtos without names, as some tools write them) and Y.pb,
  ONNX Runtime's output for them

Prints {"files": {name: path}, "params": {name: trainable parameter count}} as JSON.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = [helper.make_opsetid("", 17)]


def const(name, array):
    return helper.make_node("Constant", [], [name], name=name + "_const", value=numpy_helper.from_array(array, name + "_value"))


def weights(seed, *shape):
    return (np.random.default_rng(seed).standard_normal(shape) * 0.1).astype(np.float32)


def classifier(moved=False):
    w1, b1, w2, b2 = weights(1, 8, 3, 3, 3), weights(2, 8), weights(3, 2, 8), weights(4, 2)
    if moved:
        w1 = w1.copy()
        w1.flat[::7] += np.float32(1e-2)
    nodes = [
        const("w1", w1), const("b1", b1), const("w2", w2), const("b2", b2),
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu"),
        helper.make_node("GlobalAveragePool", ["r1"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "w2", "b2"], ["logits"], name="fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "classifier",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 32, 32])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 2])],
    )
    return helper.make_model(graph, opset_imports=OPSET, ir_version=8), 8 * 27 + 8 + 16 + 2


def with_dims(model, dims):
    """The model with its first input's dimensions replaced (ints; -1 kept as dim_value -1)."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    shape = model.graph.input[0].type.tensor_type.shape
    for d, v in zip(shape.dim, dims):
        d.Clear()
        if isinstance(v, int):
            d.dim_value = v
        else:
            d.dim_param = v
    return model


def detector(moved=False, prefix=""):
    w1, b1, w2, b2 = weights(5, 4, 3, 3, 3), weights(6, 4), weights(7, 1, 4, 1, 1), weights(8, 1)
    if moved:
        w2 = w2.copy()
        w2.flat[0] += np.float32(1e-2)
    p = lambda s: prefix + s  # noqa: E731
    nodes = [
        const(p("w1"), w1), const(p("b1"), b1), const(p("w2"), w2), const(p("b2"), b2),
        helper.make_node("Conv", [p("x"), p("w1"), p("b1")], [p("c1")], name=p("conv1"), pads=[1, 1, 1, 1]),
        helper.make_node("Relu", [p("c1")], [p("r1")], name=p("relu")),
        helper.make_node("Conv", [p("r1"), p("w2"), p("b2")], [p("c2")], name=p("conv2")),
        helper.make_node("Sigmoid", [p("c2")], [p("map")], name=p("sigmoid")),
    ]
    graph = helper.make_graph(
        nodes, "detector",
        [helper.make_tensor_value_info(p("x"), TensorProto.FLOAT, ["N", 3, "H", "W"])],
        [helper.make_tensor_value_info(p("map"), TensorProto.FLOAT, ["N", 1, "H", "W"])],
    )
    return helper.make_model(graph, opset_imports=OPSET, ir_version=8), 4 * 27 + 4 + 4 + 1


def lstm(seq):
    hidden, inputs = 48, 32
    w, r, b = weights(10, 2, 4 * hidden, inputs), weights(11, 2, 4 * hidden, hidden), weights(12, 2, 8 * hidden)
    node = helper.make_node("LSTM", ["x", "W", "R", "B"], ["y"], name="lstm", hidden_size=hidden, direction="bidirectional")
    graph = helper.make_graph(
        [node], "lstm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [seq, "N", inputs])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [seq, 2, "N", hidden])],
        initializer=[numpy_helper.from_array(w, "W"), numpy_helper.from_array(r, "R"), numpy_helper.from_array(b, "B")],
    )
    return helper.make_model(graph, opset_imports=OPSET, ir_version=8), w.size + r.size + b.size


def relu_chain(n):
    names = ["x"] + [f"v{i}" for i in range(n - 1)] + ["y"]
    nodes = [helper.make_node("Relu", [names[i]], [names[i + 1]], name=f"relu{i}") for i in range(n)]
    graph = helper.make_graph(
        nodes, "relu_chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8])],
    )
    return helper.make_model(graph, opset_imports=OPSET, ir_version=8), 0


def branchy():
    w = weights(13, 4, 3, 3, 3)
    then_graph = helper.make_graph(
        [const("tw", w), helper.make_node("Conv", ["x", "tw"], ["tc"], name="then_conv", pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["tc"], ["t_out"], name="then_relu")],
        "then", [], [helper.make_tensor_value_info("t_out", TensorProto.FLOAT, None)],
    )
    else_graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["e_out"], name="else_relu")],
        "else", [], [helper.make_tensor_value_info("e_out", TensorProto.FLOAT, None)],
    )
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"], name="shape"),
        const("zero", np.array([0], dtype=np.int64)), const("one", np.array([1], dtype=np.int64)),
        helper.make_node("Slice", ["shape", "zero", "one"], ["batch"], name="batch"),
        const("limit", np.array([4], dtype=np.int64)),
        helper.make_node("Less", ["batch", "limit"], ["small"], name="less"),
        helper.make_node("Squeeze", ["small"], ["cond"], name="cond"),
        helper.make_node("If", ["cond"], ["y"], name="branch", then_branch=then_graph, else_branch=else_graph),
    ]
    graph = helper.make_graph(
        nodes, "branchy",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    return helper.make_model(graph, opset_imports=OPSET, ir_version=8), None


def mixed():
    w1, w2, b2 = weights(20, 8, 3, 3, 3), weights(21, 4, 8), weights(22, 4)
    bn = [np.abs(weights(23, 8)) + 1, weights(24, 8), weights(25, 8), np.abs(weights(26, 8)) + 0.5]
    wt = weights(27, 8, 8, 1, 1)
    then_graph = helper.make_graph(
        [helper.make_node("Conv", ["r", "wt"], ["t_out"], name="then_conv")],
        "then", [], [helper.make_tensor_value_info("t_out", TensorProto.FLOAT, None)],
    )
    else_graph = helper.make_graph(
        [helper.make_node("Relu", ["r"], ["e_out"], name="else_relu")],
        "else", [], [helper.make_tensor_value_info("e_out", TensorProto.FLOAT, None)],
    )
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["n"], name="bn"),
        helper.make_node("Relu", ["n"], ["r"], name="relu"),
        helper.make_node("Resize", ["r", "", "scales"], ["up"], name="up", mode="nearest"),
        helper.make_node("Gelu", ["up"], ["g"], name="ms_gelu", domain="com.microsoft"),
        helper.make_node("Shrink", ["g"], ["ce"], name="shrink", lambd=0.05),
        helper.make_node("GlobalAveragePool", ["ce"], ["p1"], name="gap1"),
        helper.make_node("Shape", ["x"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "zero"], ["batch"], name="batch", axis=0),
        helper.make_node("Less", ["batch", "limit"], ["cond"], name="less"),
        helper.make_node("If", ["cond"], ["br"], name="branch", then_branch=then_graph, else_branch=else_graph),
        helper.make_node("GlobalAveragePool", ["br"], ["p2"], name="gap2"),
        helper.make_node("Add", ["p1", "p2"], ["p"], name="join"),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "w2", "b2"], ["logits"], name="fc", transB=1),
    ]
    init = [numpy_helper.from_array(a, n) for a, n in [
        (w1, "w1"), (bn[0], "s"), (bn[1], "b"), (bn[2], "m"), (bn[3], "v"), (w2, "w2"), (b2, "b2"), (wt, "wt"),
        (np.array([1, 1, 2, 2], dtype=np.float32), "scales"), (np.array(0, dtype=np.int64), "zero"),
        (np.array(4, dtype=np.int64), "limit"),
    ]]
    graph = helper.make_graph(
        nodes, "mixed",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 16, 16])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 4])],
        initializer=init,
        value_info=[helper.make_tensor_value_info(v, TensorProto.FLOAT, ["N", 8, 32, 32]) for v in ("up", "g")]
        + [helper.make_tensor_value_info("br", TensorProto.FLOAT, ["N", 8, 16, 16])],
    )
    model = helper.make_model(graph, opset_imports=OPSET + [helper.make_opsetid("com.microsoft", 1)], ir_version=8)
    return model, None


def shuffle_chunk():
    c = lambda name, *v: const(name, np.array(v, dtype=np.int64))
    scalar = lambda name, v: const(name, np.array(v, dtype=np.int64))
    node = helper.make_node
    nodes = [
        const("w", weights(21, 4, 4, 1, 1)), const("fc_w", weights(22, 3, 288)), const("fc_b", weights(23, 3)),
        node("Shape", ["x"], ["s"], name="shape"), c("i1", 1), c("one", 1), c("two", 2), c("zero", 0),
        node("Gather", ["s", "i1"], ["ch"], name="gather_c", axis=0),
        node("Add", ["ch", "one"], ["ch1"], name="add"), node("Div", ["ch1", "two"], ["half"], name="div"),
        node("Mul", ["half", "one"], ["end1"], name="mul"), node("Mul", ["half", "two"], ["end2"], name="mul_1"),
        node("Slice", ["x", "zero", "end1", "one"], ["left"], name="slice"),
        node("Slice", ["x", "end1", "end2", "one"], ["right"], name="slice_1"),
        node("Conv", ["right", "w"], ["rc"], name="conv"), node("Relu", ["rc"], ["rr"], name="relu"),
        node("Concat", ["left", "rr"], ["cat"], name="concat", axis=1),
        # channel shuffle: view(n, 2, c // 2, h, w) → transpose(1, 2) → view(n, -1, h, w)
        node("Shape", ["cat"], ["s2"], name="shape_1"),
        scalar("k0", 0), scalar("k1", 1), scalar("k2", 2), scalar("k3", 3), scalar("two_s", 2),
        node("Gather", ["s2", "k0"], ["n"], name="gather_n", axis=0),
        node("Gather", ["s2", "k1"], ["c2"], name="gather_c2", axis=0),
        node("Gather", ["s2", "k2"], ["h"], name="gather_h", axis=0),
        node("Gather", ["s2", "k3"], ["wd"], name="gather_w", axis=0),
        node("Div", ["c2", "two_s"], ["cg"], name="div_1"),
        c("ax0", 0), c("minus1", -1), c("groups", 2),
        node("Unsqueeze", ["n", "ax0"], ["n1"], name="unsq_n"), node("Unsqueeze", ["cg", "ax0"], ["cg1"], name="unsq_c"),
        node("Unsqueeze", ["h", "ax0"], ["h1"], name="unsq_h"), node("Unsqueeze", ["wd", "ax0"], ["w1"], name="unsq_w"),
        node("Concat", ["n1", "groups", "cg1", "h1", "w1"], ["t1"], name="concat_1", axis=0),
        node("Reshape", ["cat", "t1"], ["r1"], name="reshape"),
        node("Transpose", ["r1"], ["tr"], name="transpose", perm=[0, 2, 1, 3, 4]),
        node("Concat", ["n1", "minus1", "h1", "w1"], ["t2"], name="concat_2", axis=0),
        node("Reshape", ["tr", "t2"], ["shuffled"], name="reshape_1"),
        # the batch moved to axis 1: [1, N, 288], then back
        c("lead", 1), c("flat", 288),
        node("Concat", ["lead", "n1", "flat"], ["t3"], name="concat_3", axis=0),
        node("Reshape", ["shuffled", "t3"], ["moved"], name="reshape_2"),
        node("Squeeze", ["moved", "ax0"], ["rows"], name="squeeze"),
        node("Gemm", ["rows", "fc_w", "fc_b"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "shuffle_chunk",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
    )
    return helper.make_model(graph, opset_imports=OPSET, ir_version=8), 4 * 4 + 3 * 288 + 3


def stamped(model, ir):
    model = onnx.ModelProto.FromString(model.SerializeToString())
    model.ir_version = ir
    return model


def hostile_constant():
    t = onnx.TensorProto(name="w_value", data_type=TensorProto.FLOAT, dims=[1_000_000_000, 3, 3, 3], raw_data=b"\0\0\0\0")
    nodes = [
        helper.make_node("Constant", [], ["w"], name="w_const", value=t),
        helper.make_node("Conv", ["x", "w"], ["y"], name="conv"),
    ]
    graph = helper.make_graph(
        nodes, "hostile",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    return helper.make_model(graph, opset_imports=OPSET, ir_version=8), None


def conv_two_inputs():
    node = helper.make_node("Conv", ["X", "W"], ["Y"], name="conv", pads=[1, 1, 1, 1])
    graph = helper.make_graph(
        [node], "test_basic_conv_with_padding",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 1, 5, 5]),
         helper.make_tensor_value_info("W", TensorProto.FLOAT, [1, 1, 3, 3])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1, 1, 5, 5])],
    )
    return helper.make_model(graph, opset_imports=OPSET, ir_version=8), 0


def with_argmax(model):
    model = onnx.ModelProto.FromString(model.SerializeToString())
    model.graph.node.append(helper.make_node("ArgMax", ["probs"], ["label"], name="argmax", axis=1, keepdims=0))
    del model.graph.output[:]
    model.graph.output.append(helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]))
    return model


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    made = {
        "classifier": classifier(),
        "classifier_moved": classifier(moved=True),
        "detector": detector(),
        "detector_moved": detector(moved=True),
        "detector_renamed": detector(prefix="renamed/"),
        "conv_two_inputs": conv_two_inputs(),
        "lstm": lstm(25),
        "relu_chain": relu_chain(12_000),
        "branchy": branchy(),
        "hostile_constant": hostile_constant(),
        "lstm_dynamic": lstm("T"),
        "mixed": mixed(),
        "shuffle_chunk": shuffle_chunk(),
    }
    made["detector_minus1"] = (with_dims(made["detector"][0], ["N", 3, -1, -1]), made["detector"][1])
    made["classifier_argmax"] = (with_argmax(made["classifier"][0]), made["classifier"][1])
    made["mixed_ir14"] = (stamped(made["mixed"][0], 14), None)
    made["classifier_b1"] = (with_dims(made["classifier"][0], [1, 3, 32, 32]), made["classifier"][1])
    files, params = {}, {}
    for name, (model, count) in made.items():
        # -1 dims; the If's branches differ in shape; com.microsoft's Gelu is not onnx's
        if name not in ("detector_minus1", "branchy", "hostile_constant", "mixed", "mixed_ir14"):
            onnx.checker.check_model(model, full_check=True)
        path = os.path.join(out, name + ".onnx")
        onnx.save(model, path)
        files[name], params[name] = path, count
    import onnxruntime as ort

    rng = np.random.default_rng(9)
    x, w = rng.standard_normal((1, 1, 5, 5)).astype(np.float32), rng.standard_normal((1, 1, 3, 3)).astype(np.float32)
    (y,) = ort.InferenceSession(files["conv_two_inputs"], providers=["CPUExecutionProvider"]).run(None, {"X": x, "W": w})
    for name, array in [("X", x), ("W", w), ("Y", y)]:
        t = numpy_helper.from_array(array)
        t.ClearField("name")
        path = os.path.join(out, name + ".pb")
        with open(path, "wb") as f:
            f.write(t.SerializeToString())
        files[name + ".pb"] = path
    print(json.dumps({"files": files, "params": params}))


if __name__ == "__main__":
    main()
