#!/usr/bin/env python3
"""Independent checker for zoo's ONNX files.

    $ZOO_PYTHON tests/python/check_onnx.py FILE.onnx --model alexnet --variant V \
        [--num-classes N] [--softmax|--no-softmax] [--expect-params P]

It checks FILE with tools zoo did not write (onnx's checker and shape inference, ONNX
Runtime) and against a numpy forward pass written here, by hand, from the papers'
architecture descriptions (not by interpreting the ONNX graph), which takes the weights by
parameter name from the file's initializers. It prints one JSON object on stdout with what
it found and exits 1, with the failures on stderr, when any check fails (2 on bad usage).

Checks:
  checker          onnx.checker.check_model(full_check=True)
  interface        one graph input `input` float32 [N|B, 3, H, W] with the variant's H = W,
                   one output `prob` (softmax) or `logits` float32 [same batch dim, classes]
  shape_inference  strict shape inference on the model stripped of its value_info and of its
                   output shapes infers, for every value_info zoo wrote and for the output,
                   exactly the element type and dims (dim_value or dim_param) zoo wrote;
                   at least one value_info must be compared
  params           the trainable parameters found by their use in the graph (Conv inputs 1-2,
                   Gemm inputs 1-2, MatMul initializer inputs and the bias Add after them,
                   BatchNormalization inputs 1-2) are exactly the architecture's, by name,
                   shape and float32 type; their count equals the architecture's and
                   --expect-params; running statistics exist with the right shapes
  ort              ONNX Runtime (CPU, 2 threads) runs the file on a fixed input (numpy
                   default_rng(0) standard normal [B, 3, H, W], B = the file's batch or 2 if
                   symbolic) and on the same input x 30; the outputs are finite, of the
                   declared shape
  reference        the numpy float64 forward pass agrees with ONNX Runtime's output on both
                   inputs (and, for softmax outputs, with its log-probabilities)

JSON keys: ok, failures, opset, ir_version, producer, op_types, checker, interface,
shape_inference{compared, value_info_compared, intermediates, mismatches}, params{count,
architecture, expected, ...}, input, runs[{input_scale, errors, output_spread,
reference_logits_spread}], and the first (unscaled) run's errors{max_abs, max_abs_tol, rel_l2,
rel_l2_tol[, logp_max_abs, logp_max_abs_tol]}, output_spread{std_over_classes,
std_over_batch, min, max, argmax} and reference_logits_spread at the top level; timings_s.
Non-finite numbers are written as strings ("nan", "inf") so the JSON stays strict.

The numpy building blocks (conv2d, maxpool2d, lrn, batchnorm, ...) are themselves checked
against ONNX Runtime by tests/python/selftest.py. onnx.reference.ReferenceEvaluator is not
used: in onnx 1.23 its LRN sums over the wrong axis and its BatchNormalization below opset
14 uses batch statistics.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# ----------------------------------------------------------------------------------------
# numpy building blocks, float64, NCHW
# ----------------------------------------------------------------------------------------


def conv2d(x, w, b=None, stride=1, pad=0, groups=1):
    """Cross-correlation as in ONNX Conv / torch.nn.Conv2d: x [B,C,H,W], w [O,C/groups,kh,kw],
    symmetric zero padding `pad`, square `stride`."""
    c = x.shape[1]
    o, cg, kh, kw = w.shape
    if c != cg * groups or o % groups:
        raise ValueError(f"conv2d: input has {c} channels, weight {list(w.shape)}, groups {groups}")
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]  # B,C,OH,OW,kh,kw
    og = o // groups
    outs = [
        np.tensordot(win[:, g * cg : (g + 1) * cg], w[g * og : (g + 1) * og], axes=([1, 4, 5], [1, 2, 3])) for g in range(groups)
    ]  # each B,OH,OW,og
    y = np.concatenate(outs, axis=3).transpose(0, 3, 1, 2)
    if b is not None:
        y = y + b[None, :, None, None]
    return np.ascontiguousarray(y)


def maxpool2d(x, k, stride, ceil_mode=False):
    """Max pooling without padding. Floor mode: out = floor((H - k) / s) + 1. Ceil mode
    (ONNX/PyTorch rule): out = ceil((H - k) / s) + 1, less one if the last window would start
    outside the input."""
    h, w = x.shape[2:]

    def out_len(n):
        if not ceil_mode:
            return (n - k) // stride + 1
        m = -(-(n - k) // stride) + 1
        return m - 1 if (m - 1) * stride >= n else m

    oh, ow = out_len(h), out_len(w)
    need_h, need_w = (oh - 1) * stride + k, (ow - 1) * stride + k
    if need_h > h or need_w > w:
        x = np.pad(x, ((0, 0), (0, 0), (0, need_h - h), (0, need_w - w)), constant_values=-np.inf)
    win = sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :oh, :ow]
    return np.ascontiguousarray(win.max(axis=(4, 5)))


def lrn(x, size, k, alpha, beta):
    """Local response normalization across channels, in the paper's form

        b_c = a_c / (k + alpha * sum_{j=c-lo}^{c+hi} a_j^2) ** beta,  j clipped to [0, C-1],

    lo = floor((size-1)/2), hi = ceil((size-1)/2) (ONNX's window; for odd size both are
    size // 2, Krizhevsky et al.'s i - n/2 .. i + n/2). `alpha` multiplies the raw sum: it
    is NOT divided by size here. (ONNX's LRN(alpha=A, bias=K, size=n) is lrn(n, K, A/n);
    Caffe's LRN(alpha=A, k=K, local_size=n) is the same.)"""
    c = x.shape[1]
    lo, hi = (size - 1) // 2, size // 2
    sq = np.square(x)
    cs = np.concatenate([np.zeros_like(sq[:, :1]), np.cumsum(sq, axis=1)], axis=1)  # cs[i] = sum sq[:i]
    idx = np.arange(c)
    top = np.minimum(c, idx + hi + 1)
    bot = np.maximum(0, idx - lo)
    s = cs[:, top] - cs[:, bot]
    return x / np.power(k + alpha * s, beta)


def lrn_paper(x):
    """Krizhevsky, Sutskever & Hinton 2012, section 3.3: k = 2, n = 5, alpha = 1e-4, beta = 0.75."""
    return lrn(x, size=5, k=2.0, alpha=1e-4, beta=0.75)


def lrn_caffe(x):
    """Caffe's LRN layer as in BVLC AlexNet's deploy.prototxt: local_size 5, alpha 1e-4,
    beta 0.75, k 1, where Caffe divides alpha by local_size."""
    return lrn(x, size=5, k=1.0, alpha=1e-4 / 5, beta=0.75)


def batchnorm(x, gamma, beta, mean, var, eps):
    """Inference batch normalization over axis 1 with running statistics."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * gamma.reshape(shape) + beta.reshape(shape)


def linear(x, w, b):
    """torch.nn.Linear: w stored [out, in]."""
    return x @ w.T + b


def relu(x):
    return np.maximum(x, 0.0)


def flatten(x):
    return x.reshape(x.shape[0], -1)


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(x):
    z = x - x.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


# ----------------------------------------------------------------------------------------
# architectures: parameter shapes and forward passes, written from the papers
# ----------------------------------------------------------------------------------------

KERAS_BN_EPS = 1e-3  # Keras BatchNormalization's default epsilon; the `bn` variant is a Keras model


class Params:
    """Parameter lookup that records which names the forward pass used."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays
        self.used: set[str] = set()

    def __getitem__(self, name):
        if name not in self.arrays:
            raise KeyError(f"parameter {name!r} is not an initializer of the file")
        self.used.add(name)
        return self.arrays[name].astype(np.float64)


def _conv(shapes, name, cin, cout, k, groups=1):
    shapes[f"{name}.weight"] = (cout, cin // groups, k, k)
    shapes[f"{name}.bias"] = (cout,)


def _fc(shapes, name, cin, cout):
    shapes[f"{name}.weight"] = (cout, cin)
    shapes[f"{name}.bias"] = (cout,)


def _bn(shapes, stats, name, c):
    shapes[f"{name}.weight"] = (c,)
    shapes[f"{name}.bias"] = (c,)
    stats[f"{name}.running_mean"] = (c,)
    stats[f"{name}.running_var"] = (c,)


def alexnet_spec(variant: str, num_classes: int):
    """(input H=W, trainable parameter shapes, BN running-statistics shapes, default softmax)."""
    shapes: dict[str, tuple] = {}
    stats: dict[str, tuple] = {}
    if variant in ("lrn", "bvlc"):
        g = 2 if variant == "bvlc" else 1
        _conv(shapes, "conv1", 3, 96, 11)
        _conv(shapes, "conv2", 96, 256, 5, g)
        _conv(shapes, "conv3", 256, 384, 3)
        _conv(shapes, "conv4", 384, 384, 3, g)
        _conv(shapes, "conv5", 384, 256, 3, g)
        _fc(shapes, "fc6", 9216, 4096)
        _fc(shapes, "fc7", 4096, 4096)
        _fc(shapes, "fc8", 4096, num_classes)
        return 227, shapes, stats, True
    if variant == "bn":
        for name, cin, cout, k in [
            ("conv1", 3, 96, 11),
            ("conv2", 96, 256, 5),
            ("conv3", 256, 384, 3),
            ("conv4", 384, 384, 3),
            ("conv5", 384, 256, 3),
        ]:
            _conv(shapes, name, cin, cout, k)
            _bn(shapes, stats, "bn" + name[-1], cout)
        for i, (name, cin, cout) in enumerate([("fc6", 9216, 4096), ("fc7", 4096, 4096), ("fc8", 4096, 1000)]):
            _fc(shapes, name, cin, cout)
            _bn(shapes, stats, f"bn{6 + i}", cout)
        _fc(shapes, "output", 1000, num_classes)
        return 227, shapes, stats, True
    if variant == "torchvision":
        _conv(shapes, "features.0", 3, 64, 11)
        _conv(shapes, "features.3", 64, 192, 5)
        _conv(shapes, "features.6", 192, 384, 3)
        _conv(shapes, "features.8", 384, 256, 3)
        _conv(shapes, "features.10", 256, 256, 3)
        _fc(shapes, "classifier.1", 9216, 4096)
        _fc(shapes, "classifier.4", 4096, 4096)
        _fc(shapes, "classifier.6", 4096, num_classes)
        return 224, shapes, stats, False
    raise ValueError(f"unknown alexnet variant {variant!r}")


def alexnet_forward(variant: str, p: Params, x):
    """Logits (before any softmax), float64. Dropout is the identity at inference."""
    if variant in ("lrn", "bvlc"):
        # Krizhevsky et al. 2012 (single tower, `lrn`) / Caffe's BVLC AlexNet (`bvlc`: conv2, 4, 5
        # in two groups, Caffe's LRN). Order: conv -> ReLU -> LRN -> max-pool.
        g = 2 if variant == "bvlc" else 1
        norm = lrn_paper if variant == "lrn" else lrn_caffe
        x = maxpool2d(norm(relu(conv2d(x, p["conv1.weight"], p["conv1.bias"], stride=4))), 3, 2)  # 96x27x27
        x = maxpool2d(norm(relu(conv2d(x, p["conv2.weight"], p["conv2.bias"], pad=2, groups=g))), 3, 2)  # 256x13x13
        x = relu(conv2d(x, p["conv3.weight"], p["conv3.bias"], pad=1))
        x = relu(conv2d(x, p["conv4.weight"], p["conv4.bias"], pad=1, groups=g))
        x = maxpool2d(relu(conv2d(x, p["conv5.weight"], p["conv5.bias"], pad=1, groups=g)), 3, 2)  # 256x6x6
        x = flatten(x)  # 9216
        x = relu(linear(x, p["fc6.weight"], p["fc6.bias"]))
        x = relu(linear(x, p["fc7.weight"], p["fc7.bias"]))
        return linear(x, p["fc8.weight"], p["fc8.bias"])
    if variant == "bn":
        # conv -> ReLU -> [max-pool] -> BN; fc -> ReLU -> dropout -> BN; BN with Keras' eps.
        def bn(x, name):
            return batchnorm(
                x, p[f"{name}.weight"], p[f"{name}.bias"], p[f"{name}.running_mean"], p[f"{name}.running_var"], KERAS_BN_EPS
            )

        x = bn(maxpool2d(relu(conv2d(x, p["conv1.weight"], p["conv1.bias"], stride=4)), 3, 2), "bn1")
        x = bn(maxpool2d(relu(conv2d(x, p["conv2.weight"], p["conv2.bias"], pad=2)), 3, 2), "bn2")
        x = bn(relu(conv2d(x, p["conv3.weight"], p["conv3.bias"], pad=1)), "bn3")
        x = bn(relu(conv2d(x, p["conv4.weight"], p["conv4.bias"], pad=1)), "bn4")
        x = bn(maxpool2d(relu(conv2d(x, p["conv5.weight"], p["conv5.bias"], pad=1)), 3, 2), "bn5")
        x = flatten(x)
        x = bn(relu(linear(x, p["fc6.weight"], p["fc6.bias"])), "bn6")
        x = bn(relu(linear(x, p["fc7.weight"], p["fc7.bias"])), "bn7")
        x = bn(relu(linear(x, p["fc8.weight"], p["fc8.bias"])), "bn8")
        return linear(x, p["output.weight"], p["output.bias"])
    if variant == "torchvision":
        # torchvision.models.alexnet; AdaptiveAvgPool2d((6, 6)) is the identity on 6x6 maps.
        x = maxpool2d(relu(conv2d(x, p["features.0.weight"], p["features.0.bias"], stride=4, pad=2)), 3, 2)  # 64x27x27
        x = maxpool2d(relu(conv2d(x, p["features.3.weight"], p["features.3.bias"], pad=2)), 3, 2)  # 192x13x13
        x = relu(conv2d(x, p["features.6.weight"], p["features.6.bias"], pad=1))
        x = relu(conv2d(x, p["features.8.weight"], p["features.8.bias"], pad=1))
        x = maxpool2d(relu(conv2d(x, p["features.10.weight"], p["features.10.bias"], pad=1)), 3, 2)  # 256x6x6
        x = flatten(x)
        x = relu(linear(x, p["classifier.1.weight"], p["classifier.1.bias"]))
        x = relu(linear(x, p["classifier.4.weight"], p["classifier.4.bias"]))
        return linear(x, p["classifier.6.weight"], p["classifier.6.bias"])
    raise ValueError(f"unknown alexnet variant {variant!r}")


MODELS: dict[str, dict[str, object]] = {
    "alexnet": {
        "variants": ("lrn", "bvlc", "bn", "torchvision"),
        "spec": alexnet_spec,
        "forward": alexnet_forward,
    },
}

# ----------------------------------------------------------------------------------------
# checks
# ----------------------------------------------------------------------------------------

BATCH_FOR_SYMBOLIC = 2
INPUT_SEED = 0
# The network runs twice: on the standard-normal input, and on the same input x 30. The
# second makes LRN's constants matter: with unit inputs, alpha * sum(a^2) is ~1e-3 of k and
# an LRN with the wrong alpha changes the output by ~1e-4 relative, which a softmax over
# small logits can shrink below the tolerance; at x 30 it is ~0.1-1 of k.
INPUT_SCALES = (1.0, 30.0)

# Agreement of ONNX Runtime (float32) with the float64 reference. Measured on AlexNet-sized
# graphs with He-scaled random weights: relative L2 errors of 1e-7..1e-6 and max abs errors
# of ~1e-6 x max|ref| (float32 has 6e-8 relative precision; a 9216-term dot product
# accumulates ~sqrt(9216) roundings). The bounds leave ~10x headroom over that while staying
# far below the effect of any real mistake seen (a wrong LRN alpha, a lost ReLU, a transposed
# weight: relative errors of 1e-3 and up).
TOL_MAX_ABS = 1e-4  # x max(1, max|ref|)
TOL_REL_L2 = 1e-5  # for softmax outputs: x max(1, max|ref logits|), see compare()
# For softmax outputs the log-probabilities are compared too (where the reference
# probability is a normal float32, > e^-80), so that a saturated softmax hides nothing:
# float32 logits carry an absolute rounding error of ~6e-8 x |logit|.
TOL_LOGP_ABS = 1e-4  # x max(1, max|ref logits|)
LOGP_FLOOR = -80.0


class Report:
    def __init__(self):
        self.data: dict[str, object] = {}
        self.failures: list[str] = []

    def fail(self, check: str, msg: str):
        self.failures.append(f"{check}: {msg}")


def _dims(tt) -> list | None:
    if not tt.HasField("shape"):
        return None
    out = []
    for d in tt.shape.dim:
        which = d.WhichOneof("value")
        out.append(d.dim_value if which == "dim_value" else d.dim_param if which == "dim_param" else None)
    return out


def _type_of(vi) -> tuple[int | None, list | None]:
    if not vi.type.HasField("tensor_type"):
        return None, None
    tt = vi.type.tensor_type
    return tt.elem_type, _dims(tt)


def check_interface(model, rep: Report, hw: int, out_name: str, num_classes: int):
    import onnx

    g = model.graph
    init_names = {i.name for i in g.initializer}
    inputs = [i for i in g.input if i.name not in init_names]
    info: dict[str, object] = {"inputs": [i.name for i in inputs], "outputs": [o.name for o in g.output]}
    rep.data["interface"] = info
    batch = None
    if len(inputs) != 1 or inputs[0].name != "input":
        rep.fail("interface", f"graph inputs (initializers aside) are {info['inputs']}, want ['input']")
    if inputs:
        et, dims = _type_of(inputs[0])
        info["input_type"] = onnx.TensorProto.DataType.Name(et) if et else None
        info["input_shape"] = dims
        if et != onnx.TensorProto.FLOAT:
            rep.fail("interface", f"input element type {info['input_type']}, want FLOAT")
        if dims is None or len(dims) != 4:
            rep.fail("interface", f"input shape {dims}, want rank 4 [N, 3, {hw}, {hw}]")
        else:
            batch = dims[0]
            if not (batch == "N" or (isinstance(batch, int) and batch > 0)):
                rep.fail("interface", f"input batch dim {batch!r}: want a positive dim_value or dim_param 'N'")
            if dims[1:] != [3, hw, hw]:
                rep.fail("interface", f"input shape {dims}, want [N, 3, {hw}, {hw}]")
    if len(g.output) != 1 or g.output[0].name != out_name:
        rep.fail("interface", f"graph outputs {info['outputs']}, want ['{out_name}']")
    if g.output:
        et, dims = _type_of(g.output[0])
        info["output_type"] = onnx.TensorProto.DataType.Name(et) if et else None
        info["output_shape"] = dims
        if et != onnx.TensorProto.FLOAT:
            rep.fail("interface", f"output element type {info['output_type']}, want FLOAT")
        if dims != [batch, num_classes]:
            rep.fail("interface", f"output shape {dims}, want [{batch!r}, {num_classes}]")
    return batch


def check_shapes(model, rep: Report):
    """Strict shape inference on a copy without value_info and without output shapes; every
    value_info and output type in the file must be exactly what ONNX infers."""
    import onnx

    stripped = onnx.ModelProto()
    stripped.CopyFrom(model)
    del stripped.graph.value_info[:]
    for o in stripped.graph.output:
        if o.type.HasField("tensor_type"):
            o.type.tensor_type.ClearField("shape")
    info: dict[str, object] = {}
    rep.data["shape_inference"] = info
    try:
        inferred = onnx.shape_inference.infer_shapes(stripped, check_type=True, strict_mode=True, data_prop=True)
    except Exception as e:  # noqa: BLE001 - any inference error is a failure to report
        rep.fail("shape_inference", f"strict shape inference failed: {e}")
        return
    got = {vi.name: _type_of(vi) for vi in list(inferred.graph.value_info) + list(inferred.graph.output)}
    node_outputs = {o for n in model.graph.node for o in n.output if o}
    graph_outputs = {o.name for o in model.graph.output}
    mismatches = []
    compared = 0
    for vi in list(model.graph.value_info) + list(model.graph.output):
        compared += 1
        want = _type_of(vi)
        have = got.get(vi.name)
        if vi.name not in node_outputs:
            mismatches.append(f"{vi.name!r}: has a value_info but is no node's output")
        elif have is None:
            mismatches.append(f"{vi.name!r}: file says {_fmt_type(want)}, ONNX inferred nothing")
        elif have != want:
            mismatches.append(f"{vi.name!r}: file says {_fmt_type(want)}, ONNX infers {_fmt_type(have)}")
    n_vi = len(model.graph.value_info)
    info["compared"] = compared
    info["value_info_compared"] = n_vi
    info["intermediates"] = len(node_outputs - graph_outputs)
    info["value_info_missing"] = sorted(node_outputs - graph_outputs - {vi.name for vi in model.graph.value_info})[:20]
    info["mismatches"] = mismatches[:50]
    if n_vi == 0:
        rep.fail("shape_inference", "the file has no value_info: nothing to compare")
    if mismatches:
        rep.fail("shape_inference", f"{len(mismatches)} value_info/output types differ from ONNX's: " + "; ".join(mismatches[:5]))


def _fmt_type(t):
    if t is None:
        return "nothing"
    import onnx

    et, dims = t
    name = onnx.TensorProto.DataType.Name(et) if et else "?"
    return f"{name}{dims if dims is not None else '[no shape]'}"


def trainable_initializers(model) -> dict[str, str]:
    """Initializer name -> how it is used, for initializers that are trainable parameters:
    Conv/ConvTranspose inputs 1-2, Gemm inputs 0-2 that are initializers, MatMul initializer
    inputs and the initializer of an Add that takes a MatMul's output (its bias),
    BatchNormalization inputs 1-2 (scale, bias; not 3-4, the running statistics)."""
    inits = {i.name for i in model.graph.initializer}
    producer = {o: n for n in model.graph.node for o in n.output}
    found: dict[str, str] = {}
    for n in model.graph.node:
        if n.domain not in ("", "ai.onnx"):
            continue
        if n.op_type in ("Conv", "ConvTranspose"):
            positions = (1, 2)
        elif n.op_type == "Gemm":
            positions = (0, 1, 2)
        elif n.op_type == "MatMul":
            positions = (0, 1)
        elif n.op_type == "BatchNormalization":
            positions = (1, 2)
        elif n.op_type == "Add":
            if not any(producer.get(i) is not None and producer[i].op_type == "MatMul" for i in n.input):
                continue
            positions = (0, 1)
        else:
            continue
        for pos in positions:
            if pos < len(n.input) and n.input[pos] in inits:
                found.setdefault(n.input[pos], f"{n.op_type}[{pos}]")
    return found


def check_params(model, rep: Report, shapes: dict, stats: dict, expect: int | None):
    import onnx
    from onnx import numpy_helper

    inits = {i.name: i for i in model.graph.initializer}
    trainable = trainable_initializers(model)
    count = sum(math.prod(inits[n].dims) for n in trainable)
    expected_arch = sum(math.prod(s) for s in shapes.values())
    info: dict[str, object] = {
        "count": count,
        "architecture": expected_arch,
        "expected": expect,
        "trainable_tensors": len(trainable),
        "initializers": len(inits),
        "initializer_elements": sum(math.prod(i.dims) for i in inits.values()),
    }
    rep.data["params"] = info
    extra = sorted(set(trainable) - set(shapes))
    missing = sorted(set(shapes) - set(trainable))
    if extra:
        rep.fail("params", f"trainable initializers not in the architecture: {extra[:10]}")
    if missing:
        rep.fail("params", f"architecture parameters not used as trainable initializers: {missing[:10]}")
    for name, shape in list(shapes.items()) + list(stats.items()):
        t = inits.get(name)
        if t is None:
            if name in stats:
                rep.fail("params", f"BatchNormalization statistic {name!r} is not an initializer")
            continue
        if tuple(t.dims) != tuple(shape):
            rep.fail("params", f"{name}: shape {list(t.dims)}, want {list(shape)}")
        if t.data_type != onnx.TensorProto.FLOAT:
            rep.fail("params", f"{name}: type {onnx.TensorProto.DataType.Name(t.data_type)}, want FLOAT")
    if count != expected_arch:
        rep.fail("params", f"{count} trainable parameters, the architecture has {expected_arch}")
    if expect is not None and count != expect:
        rep.fail("params", f"{count} trainable parameters, --expect-params {expect}")
    used = {i for n in model.graph.node for i in n.input}
    dead = sorted(set(inits) - used)
    if dead:
        rep.fail("params", f"initializers no node uses: {dead[:10]}")
    arrays = {}
    for name in list(shapes) + list(stats):
        if name in inits:
            arrays[name] = numpy_helper.to_array(inits[name])
            if not np.all(np.isfinite(arrays[name])):
                rep.fail("params", f"{name} has non-finite values")
    return arrays


def _session(path: str):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(path, sess_options=so, providers=["CPUExecutionProvider"])


def _spread(y) -> dict[str, float]:
    y = np.asarray(y, dtype=np.float64)
    return {
        "std_over_classes": float(y.std(axis=1).mean()),
        "std_over_batch": float(y.std(axis=0).mean()) if y.shape[0] > 1 else 0.0,
        "min": float(y.min()),
        "max": float(y.max()),
        "argmax": [int(i) for i in y.argmax(axis=1)],
    }


def compare(ort_out, ref_out, ref_logits, softmax_on: bool, rep: Report, tag: str) -> dict:
    ort64 = ort_out.astype(np.float64)
    diff = ort64 - ref_out
    scale = max(1.0, float(np.abs(ref_out).max()))
    max_abs = float(np.abs(diff).max())
    rel_l2 = float(np.linalg.norm(diff) / max(np.linalg.norm(ref_out), 1e-300))
    # softmax turns an absolute logit error d into a relative probability error ~d, and
    # float32 logits carry errors proportional to their size: scale the bound with them.
    rel_tol = TOL_REL_L2 * (max(1.0, float(np.abs(ref_logits).max())) if softmax_on else 1.0)
    res: dict[str, object] = {
        "max_abs": max_abs,
        "max_abs_tol": TOL_MAX_ABS * scale,
        "rel_l2": rel_l2,
        "rel_l2_tol": rel_tol,
    }
    if not max_abs <= TOL_MAX_ABS * scale:
        rep.fail("reference", f"{tag}: max |ort - numpy| = {max_abs:.3e} > {TOL_MAX_ABS * scale:.3e}")
    if not rel_l2 <= rel_tol:
        rep.fail("reference", f"{tag}: relative L2 error {rel_l2:.3e} > {rel_tol:.3e}")
    if softmax_on:
        ref_logp = log_softmax(ref_logits)
        mask = ref_logp > LOGP_FLOOR
        with np.errstate(divide="ignore"):
            ort_logp = np.log(ort64)
        d = np.abs(ort_logp[mask] - ref_logp[mask])
        lscale = max(1.0, float(np.abs(ref_logits).max()))
        lmax = float(d.max()) if d.size else 0.0
        res["logp_max_abs"] = lmax
        res["logp_max_abs_tol"] = TOL_LOGP_ABS * lscale
        res["logp_compared"] = int(mask.sum())
        if not lmax <= TOL_LOGP_ABS * lscale:
            rep.fail("reference", f"{tag}: max |log p_ort - log p_numpy| = {lmax:.3e} > {TOL_LOGP_ABS * lscale:.3e}")
    return res


def run(args) -> Report:
    import onnx

    rep = Report()
    t = {}
    model_def = MODELS[args.model]
    hw, shapes, stats, default_softmax = model_def["spec"](args.variant, args.num_classes)
    softmax_on = default_softmax if args.softmax is None else args.softmax
    out_name = "prob" if softmax_on else "logits"
    rep.data.update(
        {
            "file": args.file,
            "model": args.model,
            "variant": args.variant,
            "num_classes": args.num_classes,
            "softmax": softmax_on,
            "onnx_version": onnx.__version__,
        }
    )

    t0 = time.perf_counter()
    model = onnx.load(args.file)
    t["load"] = time.perf_counter() - t0
    rep.data["ir_version"] = model.ir_version
    rep.data["opset"] = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    rep.data["producer"] = f"{model.producer_name} {model.producer_version}".strip()
    rep.data["nodes"] = len(model.graph.node)
    ops: dict[str, int] = {}
    for n in model.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    rep.data["op_types"] = ops

    t0 = time.perf_counter()
    try:
        onnx.checker.check_model(model, full_check=True)
        rep.data["checker"] = "ok"
    except Exception as e:  # noqa: BLE001
        rep.data["checker"] = str(e)
        rep.fail("checker", str(e))
    t["checker"] = time.perf_counter() - t0

    batch = check_interface(model, rep, hw, out_name, args.num_classes)

    t0 = time.perf_counter()
    check_shapes(model, rep)
    t["shape_inference"] = time.perf_counter() - t0

    arrays = check_params(model, rep, shapes, stats, args.expect_params)
    del model

    b = batch if isinstance(batch, int) else BATCH_FOR_SYMBOLIC
    x = np.random.default_rng(INPUT_SEED).standard_normal((b, 3, hw, hw)).astype(np.float32)
    rep.data["input"] = {
        "shape": list(x.shape),
        "seed": INPUT_SEED,
        "distribution": "standard normal (numpy default_rng)",
        "scales": list(INPUT_SCALES),
    }

    sess = None
    t0 = time.perf_counter()
    try:
        import onnxruntime as ort

        rep.data["onnxruntime_version"] = ort.__version__
        sess = _session(args.file)
    except Exception as e:  # noqa: BLE001
        rep.fail("ort", f"ONNX Runtime could not load the file: {e}")
    t["ort_session"] = time.perf_counter() - t0

    p = Params(arrays)
    forward_ok = True
    runs = []
    rep.data["runs"] = runs
    for scale in INPUT_SCALES:
        xs = (x * np.float32(scale)).astype(np.float32)
        tag = f"input x{scale:g}"
        r: dict[str, object] = {"input_scale": scale}
        runs.append(r)
        ort_out = None
        if sess is not None:
            t0 = time.perf_counter()
            try:
                outs = sess.run(None, {sess.get_inputs()[0].name: xs})
                ort_out = outs[0]
                r["ort_output"] = {"shape": list(ort_out.shape), "dtype": str(ort_out.dtype)}
                if len(outs) != 1:
                    rep.fail("ort", f"{tag}: {len(outs)} outputs, want 1")
                if ort_out.dtype != np.float32 or list(ort_out.shape) != [b, args.num_classes]:
                    rep.fail("ort", f"{tag}: output {ort_out.dtype} {list(ort_out.shape)}, want float32 {[b, args.num_classes]}")
                if not np.all(np.isfinite(ort_out)):
                    rep.fail("ort", f"{tag}: output has non-finite values")
                    ort_out = None
                else:
                    r["output_spread"] = _spread(ort_out)
            except Exception as e:  # noqa: BLE001
                rep.fail("ort", f"{tag}: ONNX Runtime could not run the file: {e}")
            t[f"ort_run_x{scale:g}"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        try:
            logits = model_def["forward"](args.variant, p, xs.astype(np.float64))
            ref = softmax(logits) if softmax_on else logits
            r["reference_logits_spread"] = _spread(logits)
            if ort_out is not None:
                if ort_out.shape == ref.shape:
                    r["errors"] = compare(ort_out, ref, logits, softmax_on, rep, tag)
                else:
                    rep.fail("reference", f"{tag}: ORT output shape {list(ort_out.shape)} vs numpy {list(ref.shape)}")
        except Exception as e:  # noqa: BLE001
            rep.fail("reference", f"numpy forward pass failed: {type(e).__name__}: {e}")
            forward_ok = False
            break
        finally:
            t[f"numpy_forward_x{scale:g}"] = time.perf_counter() - t0
    unused = sorted(set(shapes) - p.used)
    if forward_ok and unused:
        rep.fail("reference", f"parameters the forward pass did not use: {unused}")
    # the primary run (the unscaled standard-normal input) also at the top level
    for key in ("errors", "output_spread", "reference_logits_spread"):
        if runs and key in runs[0]:
            rep.data[key] = runs[0][key]

    rep.data["timings_s"] = {k: round(v, 3) for k, v in t.items()}
    return rep


def _json_safe(v):
    """Strict JSON: NaN and infinities (possible in errors of a broken file) become strings."""
    if isinstance(v, dict):
        return {k: _json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_safe(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--variant", required=True)
    ap.add_argument("--num-classes", type=int, default=1000)
    ap.add_argument("--softmax", dest="softmax", action="store_true", default=None)
    ap.add_argument("--no-softmax", dest="softmax", action="store_false")
    ap.add_argument("--expect-params", type=int)
    ap.set_defaults(softmax=None)
    args = ap.parse_args(argv)
    variants = MODELS[args.model]["variants"]
    if args.variant not in variants:
        ap.error(f"--variant must be one of {', '.join(variants)} for {args.model}")
    if args.num_classes < 1:
        ap.error("--num-classes must be positive")

    try:
        rep = run(args)
    except Exception as e:  # noqa: BLE001 - e.g. the file does not parse
        rep = Report()
        rep.data.update({"file": args.file, "model": args.model, "variant": args.variant})
        rep.fail("load", f"{type(e).__name__}: {e}")
    rep.data["ok"] = not rep.failures
    rep.data["failures"] = rep.failures
    json.dump(_json_safe(rep.data), sys.stdout, indent=1, sort_keys=True, allow_nan=False)
    sys.stdout.write("\n")
    if rep.failures:
        for f in rep.failures:
            print(f"check_onnx: FAIL {f}", file=sys.stderr)
        print(f"check_onnx: {args.file}: {len(rep.failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
