#!/usr/bin/env python3
"""Self-test of check_onnx.py's own building blocks.

check_onnx.py checks zoo's files against numpy code written from the papers. This script
checks that numpy code: it builds tiny single-operator ONNX graphs with onnx.helper and
requires ONNX Runtime and the numpy building blocks to agree on them (LRN with the paper's
and Caffe's constants, grouped and strided Conv, BatchNormalization at opsets 9, 13 and 15,
MaxPool, Gemm, Flatten, Softmax), that the LRN block is the paper's sum written out as a
loop, and that the graph checks (shape comparison, parameter counting) catch what they
should. Prints one line per test and exits 1 if any failed.

    $ZOO_PYTHON tests/python/selftest.py
"""

from __future__ import annotations

import math
import os
import sys
import traceback

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_onnx as C

RNG = np.random.default_rng(1234)
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def model_of(nodes, inputs, outputs, inits=(), opset=17):
    g = helper.make_graph(nodes, "t", inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    return m


def ort_run(model, feeds):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    s = ort.InferenceSession(model.SerializeToString(), sess_options=so, providers=["CPUExecutionProvider"])
    return s.run(None, feeds)[0]


def single(op, x, out_shape, inits=(), opset=17, **attrs):
    """ONNX Runtime's result of one `op` node on float32 input x (+ initializers)."""
    names = ["x"] + [i.name for i in inits]
    node = helper.make_node(op, names, ["y"], **attrs)
    m = model_of(
        [node],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
        inits,
        opset,
    )
    return ort_run(m, {"x": x})


def close(name, got, want, rtol=1e-5):
    """got (ORT, float32) vs want (numpy, float64): max error relative to max |want|."""
    got = np.asarray(got, np.float64)
    if got.shape != want.shape:
        raise AssertionError(f"{name}: shape {got.shape} vs {want.shape}")
    err = float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))
    if not err <= rtol:
        raise AssertionError(f"{name}: relative max error {err:.2e} > {rtol:.0e}")
    return err


def f32(*shape, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr, np.float32), name)


# ------------------------------------------------------------------------------ LRN


def lrn_loop(x, n, k, alpha, beta):
    """Krizhevsky et al. 2012, eq. in section 3.3, literally:
    b_i = a_i / (k + alpha * sum_{j=max(0, i-n/2)}^{min(N-1, i+n/2)} a_j^2)^beta."""
    out = np.empty_like(x)
    nch = x.shape[1]
    for i in range(nch):
        lo, hi = max(0, i - n // 2), min(nch - 1, i + n // 2)
        s = (x[:, lo : hi + 1] ** 2).sum(axis=1)
        out[:, i] = x[:, i] / (k + alpha * s) ** beta
    return out


@test
def lrn_paper_is_the_papers_formula():
    x = RNG.standard_normal((2, 11, 4, 3)) * 60  # large enough that alpha * sum a^2 ~ k
    e1 = close("lrn_paper vs loop", C.lrn_paper(x), lrn_loop(x, 5, 2.0, 1e-4, 0.75), 1e-12)
    e2 = close("lrn_caffe vs loop", C.lrn_caffe(x), lrn_loop(x, 5, 1.0, 1e-4 / 5, 0.75), 1e-12)
    # and the normalisation is not negligible at this amplitude, so the test means something
    assert np.abs(C.lrn_paper(x) - x / 2**0.75).max() > 0.1 * np.abs(x / 2**0.75).max()
    return f"max rel err {max(e1, e2):.1e}"


@test
def lrn_paper_vs_ort_lrn_alpha5e4_bias2():
    # the paper's k=2, n=5, alpha=1e-4, beta=0.75 is ONNX LRN(size=5, alpha=5e-4, bias=2)
    x = f32(2, 16, 5, 5, scale=60)
    y = single("LRN", x, list(x.shape), size=5, alpha=5e-4, beta=0.75, bias=2.0)
    err = close("LRN paper", y, C.lrn_paper(x.astype(np.float64)))
    # and ONNX's alpha is divided by size: alpha=1e-4 in the file would be another function
    y_wrong = single("LRN", x, list(x.shape), size=5, alpha=1e-4, beta=0.75, bias=2.0)
    assert np.abs(y_wrong - C.lrn_paper(x.astype(np.float64))).max() > 1e-2 * np.abs(y).max()
    return f"max rel err {err:.1e}"


@test
def lrn_caffe_vs_ort_lrn_alpha1e4_bias1():
    x = f32(2, 16, 5, 5, scale=60)
    y = single("LRN", x, list(x.shape), size=5, alpha=1e-4, beta=0.75, bias=1.0)
    return f"max rel err {close('LRN caffe', y, C.lrn_caffe(x.astype(np.float64))):.1e}"


@test
def lrn_generic_sizes_vs_ort():
    errs = []
    # ONNX Runtime's CPU LRN accepts odd sizes only ("size_ % 2 == 1")
    for size in (1, 3, 5, 7):
        x = f32(1, 9, 3, 2, scale=30)
        alpha, bias, beta = 3e-3, 1.5, 0.6
        y = single("LRN", x, list(x.shape), size=size, alpha=alpha, beta=beta, bias=bias)
        errs.append(close(f"LRN size {size}", y, C.lrn(x.astype(np.float64), size, bias, alpha / size, beta)))
    return f"sizes 1, 3, 5, 7, max rel err {max(errs):.1e}"


# ------------------------------------------------------------------------------ Conv


def conv_case(cin, cout, k, stride, pad, groups, h, w=None):
    w_ = w or h
    x = f32(2, cin, h, w_)
    wt = f32(cout, cin // groups, k, k, scale=1 / math.sqrt(cin // groups * k * k))
    b = f32(cout)
    oh = (h + 2 * pad - k) // stride + 1
    ow = (w_ + 2 * pad - k) // stride + 1
    y = single(
        "Conv",
        x,
        [2, cout, oh, ow],
        [init("w", wt), init("b", b)],
        kernel_shape=[k, k],
        strides=[stride, stride],
        pads=[pad] * 4,
        group=groups,
    )
    ref = C.conv2d(x.astype(np.float64), wt.astype(np.float64), b.astype(np.float64), stride, pad, groups)
    return close(f"Conv {cin}->{cout} k{k} s{stride} p{pad} g{groups}", y, ref)


@test
def conv_grouped():
    return f"max rel err {max(conv_case(8, 12, 5, 1, 2, 2, 9), conv_case(12, 6, 3, 1, 1, 3, 7)):.1e}"


@test
def conv_strided_like_conv1():
    # AlexNet conv1 shapes in miniature: 11x11 stride 4, pad 0 (Krizhevsky) and pad 2 (torchvision)
    e = max(conv_case(3, 8, 11, 4, 0, 1, 35), conv_case(3, 8, 11, 4, 2, 1, 32), conv_case(3, 4, 3, 2, 1, 1, 8, 11))
    return f"max rel err {e:.1e}"


@test
def conv_depthwise():
    return f"max rel err {conv_case(6, 6, 3, 1, 1, 6, 6):.1e}"


# ------------------------------------------------------------------------------ BatchNormalization


@test
def batchnorm_opsets_9_13_15():
    errs = []
    for opset in (9, 13, 15):
        for shape in ((2, 5, 3, 4), (3, 7)):
            c = shape[1]
            x = f32(*shape, scale=2)
            g, b = f32(c), f32(c)
            mean = f32(c)
            var = (RNG.uniform(0.2, 3.0, c)).astype(np.float32)
            inits = [init("g", g), init("b", b), init("m", mean), init("v", var)]
            y = single("BatchNormalization", x, list(shape), inits, opset=opset, epsilon=1e-3)
            ref = C.batchnorm(*(a.astype(np.float64) for a in (x, g, b, mean, var)), eps=1e-3)
            errs.append(close(f"BN opset {opset} {shape}", y, ref))
            # the running statistics are used, not the batch's
            batch_stats = C.batchnorm(
                x.astype(np.float64),
                g,
                b,
                x.mean(axis=tuple(i for i in range(x.ndim) if i != 1)),
                x.var(axis=tuple(i for i in range(x.ndim) if i != 1)),
                eps=1e-3,
            )
            assert np.abs(y - batch_stats).max() > 1e-2
    return f"max rel err {max(errs):.1e}"


# ------------------------------------------------------------------------------ MaxPool, Gemm, Flatten, Softmax


@test
def maxpool_floor_and_ceil():
    errs = []
    for h, w in ((55, 55), (27, 27), (13, 13), (12, 10), (8, 9)):
        x = f32(2, 3, h, w)
        for ceil in (0, 1):
            oh = C.maxpool2d(x.astype(np.float64), 3, 2, bool(ceil)).shape[2:]
            y = single("MaxPool", x, [2, 3, *oh], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=ceil)
            errs.append(close(f"MaxPool {h}x{w} ceil={ceil}", y, C.maxpool2d(x.astype(np.float64), 3, 2, bool(ceil)), 0))
    # AlexNet's sizes: 55 -> 27 -> 13 -> 6
    assert C.maxpool2d(np.zeros((1, 1, 55, 55)), 3, 2).shape[2:] == (27, 27)
    assert C.maxpool2d(np.zeros((1, 1, 13, 13)), 3, 2).shape[2:] == (6, 6)
    assert C.maxpool2d(np.zeros((1, 1, 12, 12)), 3, 2).shape[2:] == (5, 5)
    assert C.maxpool2d(np.zeros((1, 1, 12, 12)), 3, 2, True).shape[2:] == (6, 6)
    return f"max rel err {max(errs):.1e}"


@test
def gemm_transb_is_linear():
    x = f32(3, 20)
    w, b = f32(7, 20), f32(7)
    y = single("Gemm", x, [3, 7], [init("w", w), init("b", b)], transB=1)
    return f"max rel err {close('Gemm', y, C.linear(*(a.astype(np.float64) for a in (x, w, b)))):.1e}"


@test
def flatten_is_row_major_nchw():
    x = f32(2, 4, 3, 3)
    y = single("Flatten", x, [2, 36], axis=1)
    close("Flatten", y, C.flatten(x.astype(np.float64)), 0)
    assert C.flatten(np.arange(24.0).reshape(1, 2, 3, 4))[0, 13] == 13.0
    return "exact"


@test
def softmax_and_log_softmax():
    x = f32(3, 50, scale=20)
    y = single("Softmax", x, [3, 50], axis=1, opset=13)
    e1 = close("Softmax", y, C.softmax(x.astype(np.float64)))
    y = single("LogSoftmax", x, [3, 50], axis=1, opset=13)
    e2 = close("LogSoftmax", y, C.log_softmax(x.astype(np.float64)))
    return f"max rel err {max(e1, e2):.1e}"


# ------------------------------------------------------------------------------ graph checks


def tiny_net(value_info_dims=None, extra_param=False):
    """input [N,3,8,8] -> Conv(4,3x3,p1) -> BN -> Relu -> MaxPool 2/2 -> Flatten -> Dropout -> Gemm(5)."""
    inits = [
        init("c.weight", f32(4, 3, 3, 3)),
        init("c.bias", f32(4)),
        init("bn.weight", f32(4)),
        init("bn.bias", f32(4)),
        init("bn.running_mean", f32(4)),
        init("bn.running_var", np.ones(4)),
        init("ratio", np.array(0.5)),
        init("fc.weight", f32(5, 64)),
        init("fc.bias", f32(5)),
    ]
    nodes = [
        helper.make_node("Conv", ["input", "c.weight", "c.bias"], ["a"], kernel_shape=[3, 3], pads=[1] * 4),
        helper.make_node("BatchNormalization", ["a", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"], ["b"]),
        helper.make_node("Relu", ["b"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], axis=1),
        helper.make_node("Dropout", ["f", "ratio"], ["d"]),
        helper.make_node("Gemm", ["d", "fc.weight", "fc.bias"], ["logits"], transB=1),
    ]
    if extra_param:
        inits += [init("mm.weight", f32(5, 5)), init("mm.bias", f32(5))]
        nodes[-1].output[0] = "g"
        nodes += [helper.make_node("MatMul", ["g", "mm.weight"], ["mm"]), helper.make_node("Add", ["mm", "mm.bias"], ["logits"])]
    m = model_of(
        nodes,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 5])],
        inits,
    )
    if value_info_dims is not None:
        for name, dims in value_info_dims.items():
            m.graph.value_info.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, dims))
    return m


GOOD_VI = {"a": ["N", 4, 8, 8], "b": ["N", 4, 8, 8], "r": ["N", 4, 8, 8], "p": ["N", 4, 4, 4], "f": ["N", 64], "d": ["N", 64]}


@test
def shape_check_accepts_inferred_and_rejects_wrong():
    rep = C.Report()
    C.check_shapes(tiny_net(GOOD_VI), rep)
    assert not rep.failures, rep.failures
    assert rep.data["shape_inference"]["value_info_compared"] == 6
    for bad in ({"p": ["N", 4, 5, 5]}, {"f": ["M", 64]}, {"f": [2, 64]}, {"f": [None, 64]}, {"zz": ["N"]}):
        rep = C.Report()
        C.check_shapes(tiny_net({**GOOD_VI, **bad}), rep)
        assert rep.failures, f"wrong value_info {bad} accepted"
    rep = C.Report()
    C.check_shapes(tiny_net({}), rep)
    assert any("no value_info" in f for f in rep.failures), rep.failures
    # the output's declared shape is compared too
    m = tiny_net(GOOD_VI)
    m.graph.output[0].type.tensor_type.shape.dim[0].dim_param = "B"
    rep = C.Report()
    C.check_shapes(m, rep)
    assert any("'logits'" in f for f in rep.failures), rep.failures
    return "6 value_infos compared; 7 wrong files rejected"


@test
def trainable_parameters_by_use():
    t = C.trainable_initializers(tiny_net())
    assert set(t) == {"c.weight", "c.bias", "bn.weight", "bn.bias", "fc.weight", "fc.bias"}, t
    t = C.trainable_initializers(tiny_net(extra_param=True))
    assert {"mm.weight", "mm.bias"} <= set(t) and "ratio" not in t and "bn.running_var" not in t, t
    return "Conv/BN/Gemm/MatMul+Add counted; Dropout ratio and running stats not"


@test
def alexnet_specs_count_the_papers_parameters():
    want = {"lrn": 62_378_344, "bvlc": 60_965_224, "bn": 63_400_480, "torchvision": 61_100_840}
    for variant, n in want.items():
        _, shapes, _, _ = C.alexnet_spec(variant, 1000)
        got = sum(math.prod(s) for s in shapes.values())
        assert got == n, f"{variant}: {got} != {n}"
    _, shapes, _, _ = C.alexnet_spec("bn", 10)
    assert shapes["fc8.weight"] == (1000, 4096) and shapes["output.weight"] == (10, 1000)
    return ", ".join(f"{k} {v:,}" for k, v in want.items())


@test
def alexnet_forward_shapes():
    # the numpy forward runs end to end on random parameters of the spec's shapes
    for variant in ("lrn", "bvlc", "bn", "torchvision"):
        hw, shapes, stats, _ = C.alexnet_spec(variant, 10)
        arrays = {k: RNG.standard_normal(s).astype(np.float32) * 0.01 for k, s in {**shapes, **stats}.items()}
        for k in stats:
            if k.endswith("running_var"):
                arrays[k] = np.abs(arrays[k]) + 1
        p = C.Params(arrays)
        y = C.alexnet_forward(variant, p, RNG.standard_normal((1, 3, hw, hw)))
        assert y.shape == (1, 10), (variant, y.shape)
        assert p.used == set(shapes) | set(stats), variant
    return "lrn, bvlc, bn, torchvision -> [1, 10]"


@test
def json_is_strict():
    assert C._json_safe({"a": [float("nan"), 1.0, float("inf")]}) == {"a": ["nan", 1.0, "inf"]}
    return "NaN/inf become strings"


def main() -> int:
    passed = failed = 0
    for fn in TESTS:
        try:
            msg = fn()
            passed += 1
            print(f"ok   {fn.__name__}: {msg}")
        except Exception:  # noqa: BLE001
            failed += 1
            print(f"FAIL {fn.__name__}")
            traceback.print_exc(file=sys.stdout)
    print(f"selftest: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
