#!/usr/bin/env python3
"""Independent checker for a file `zoo export/compile --precision int8` wrote.

    $ZOO_PYTHON tests/python/check_int8.py INT8.onnx --fp32 FP32.onnx --calibration DIR \
        --scheme u8s8|s8s8|tensorrt --method minmax|percentile [--peer-out PEER.onnx]

FP32.onnx is the fp32 graph zoo quantized (its `--optimize` export: BatchNorm folded), DIR the
input_*.pb tensors zoo calibrated on. Checks, with tools zoo did not write:
  checker       onnx.checker.check_model(full_check=True); strict shape inference
  kernels       ONNX Runtime's optimized graph (ORT_ENABLE_EXTENDED, optimized_model_filepath)
                holds QLinearConv/QGemm/QLinear* nodes, and no Conv or Gemm is left reading a
                DequantizeLinear (every layer runs an int8 kernel); counts reported
  peer          ONNX Runtime's quantize_static (QDQ, per_channel=True, the same calibration
                data and method, ActivationSymmetric for tensorrt) on FP32.onnx:
                  weight scales equal within 1 ulp, weight zero points 0;
                  with --method minmax every activation scale and zero point equal, value
                  for value (zoo names a dequantized value after the float value it stands
                  for; the peer names the value it quantizes);
                  per-layer SQNR (dB, 10 log10 sum r^2 / sum (q - r)^2 against the fp32
                  graph on a held-out input) of every quantized activation: zoo's within
                  0.5 dB of the peer's, or better
  output        end-to-end SQNR of the int8 output against fp32, raw and with the
                input-independent part removed (the mean output over the held-out inputs
                subtracted from both): what seeded weights can and cannot show
Prints one JSON object; exits 1 with the failures on stderr when a check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference
import onnxruntime as ort
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)

# What zoo quantizes (its pass file's list, and Relu, which it folds).
OPS = ["Conv", "Gemm", "Add", "Concat", "GlobalAveragePool", "MaxPool", "AveragePool", "Flatten", "Reshape", "Relu"]


def session(path: str, level=ort.GraphOptimizationLevel.ORT_DISABLE_ALL, optimized: str | None = None):
    so = ort.SessionOptions()
    so.graph_optimization_level = level
    so.intra_op_num_threads = 2
    so.log_severity_level = 3
    if optimized:
        so.optimized_model_filepath = optimized
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def inputs(directory: str) -> list[np.ndarray]:
    files = sorted(glob.glob(os.path.join(directory, "input_*.pb")))
    out = []
    for f in files:
        t = numpy_helper.to_array(onnx.load_tensor(f))
        out.extend(t[i : i + 1] for i in range(t.shape[0]))
    return out


class Reader(CalibrationDataReader):
    def __init__(self, name: str, data: list[np.ndarray]):
        self.it = iter([{name: x} for x in data])

    def get_next(self):
        return next(self.it, None)


def ulps(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(np.float32).ravel(), b.astype(np.float32).ravel()
    return float(np.max(np.abs(a - b) / np.spacing(np.maximum(np.abs(a), np.abs(b)))))


def qparams(model: onnx.ModelProto, zoo: bool) -> tuple[dict, dict]:
    """(activations, weights): value name -> (scale, zero point) arrays."""
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    consumers: dict[str, list] = {}
    for n in model.graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    acts, weights = {}, {}
    for n in model.graph.node:
        if n.op_type == "DequantizeLinear" and n.input[0] in init:
            x = init[n.input[0]]
            if x.dtype == np.int8:
                # zoo: the DequantizeLinear's output is the weight's name; the peer quantizes
                # `<w>` into `<w>_quantized`.
                w = n.output[0] if zoo else n.input[0].removesuffix("_quantized")
                weights[w] = (init[n.input[1]], init[n.input[2]] if len(n.input) > 2 else None)
        if n.op_type == "QuantizeLinear":
            if zoo:
                dq = [c for c in consumers.get(n.output[0], []) if c.op_type == "DequantizeLinear"]
                name = dq[0].output[0] if dq else n.input[0]
                # A graph input's dequantized copy is `<input>.dequantized`.
                name = name.removesuffix(".dequantized")
            else:
                name = n.input[0]
            acts[name] = (init[n.input[1]], init[n.input[2]])
    return acts, weights


def marked(model: onnx.ModelProto, names: list[str], path: str) -> None:
    m = onnx.ModelProto()
    m.CopyFrom(model)
    have = {o.name for o in m.graph.output}
    for n in names:
        if n not in have:
            m.graph.output.append(onnx.helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None))
    onnx.save(m, path)


def db(signal: float, noise: float) -> float | None:
    """SQNR in dB from the summed squares. JSON has no infinity: an exact value is null
    (noise-free), a zero signal -999."""
    if noise == 0:
        return None
    return float(10 * np.log10(signal / noise)) if signal > 0 else -999.0


def sqnr(q: np.ndarray, r: np.ndarray) -> float | None:
    r = r.astype(np.float64)
    return db(float(np.sum(r**2)), float(np.sum((q.astype(np.float64) - r) ** 2)))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("int8")
    ap.add_argument("--fp32", required=True)
    ap.add_argument("--calibration", required=True)
    ap.add_argument("--scheme", required=True, choices=["u8s8", "s8s8", "tensorrt"])
    ap.add_argument("--method", required=True, choices=["minmax", "percentile"])
    ap.add_argument("--percentile", type=float, default=99.99)
    ap.add_argument("--peer-out", help="keep quantize_static's file here")
    ap.add_argument(
        "--int8-kernels",
        action="store_true",
        help="require every Conv/Gemm to run an int8 kernel (ONNX Runtime 1.31 on x86 does so for u8s8 only)",
    )
    args = ap.parse_args()
    failures: list[str] = []
    report: dict = {"file": args.int8, "scheme": args.scheme, "method": args.method}

    model = onnx.load(args.int8)
    onnx.checker.check_model(model, full_check=True)
    stripped = onnx.ModelProto()
    stripped.CopyFrom(model)
    del stripped.graph.value_info[:]
    shape_inference.infer_shapes(stripped, check_type=True, strict_mode=True, data_prop=True)
    report["checker"] = "ok"

    tmp = tempfile.mkdtemp(prefix="zoo-int8-")
    # Kernels: what ONNX Runtime's optimizer makes of the QDQ graph.
    opt = os.path.join(tmp, "optimized.onnx")
    session(args.int8, ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED, opt)
    o = onnx.load(opt)
    producer = {out: n for n in o.graph.node for out in n.output}
    counts: dict[str, int] = {}
    for n in o.graph.node:
        counts[n.op_type] = counts.get(n.op_type, 0) + 1
    int8_nodes = sum(v for k, v in counts.items() if k.startswith("QLinear") or k in ("QGemm",))
    float_layers = [
        n.name
        for n in o.graph.node
        if n.op_type in ("Conv", "Gemm", "MatMul")
        and any(i in producer and producer[i].op_type == "DequantizeLinear" for i in n.input[:1])
    ]
    report["kernels"] = {"int8_nodes": int8_nodes, "ops": counts, "float_layers_left": float_layers}
    if float_layers and args.int8_kernels:
        failures.append(f"kernels: ONNX Runtime left {len(float_layers)} layers in float: {float_layers[:5]}")
    if int8_nodes == 0:
        failures.append("kernels: ONNX Runtime runs no int8 kernel")

    # The peer: quantize_static on the same fp32 file and data.
    fp32 = onnx.load(args.fp32)
    name = fp32.graph.input[0].name
    data = inputs(args.calibration)
    peer = args.peer_out or os.path.join(tmp, "peer.onnx")
    extra = {"WeightSymmetric": True, "ActivationSymmetric": args.scheme == "tensorrt"}
    method = CalibrationMethod.MinMax
    if args.method == "percentile":
        method = CalibrationMethod.Percentile
        extra["CalibPercentile"] = args.percentile
    # Its percentile calibrator prints progress to stdout, which carries the JSON report.
    with contextlib.redirect_stdout(sys.stderr):
        quantize_static(
            args.fp32,
            peer,
            Reader(name, data),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8 if args.scheme == "u8s8" else QuantType.QInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=method,
            op_types_to_quantize=OPS,
            extra_options=extra,
        )
    peer_model = onnx.load(peer)
    za, zw = qparams(model, zoo=True)
    pa, pw = qparams(peer_model, zoo=False)
    # The peer also rounds the graph's outputs (the logits) to 8 bits; zoo leaves them float,
    # which only removes error. Not a difference in what both quantize.
    outputs = {o.name for o in fp32.graph.output}
    pa = {k: v for k, v in pa.items() if k not in outputs and not k.endswith("_QuantizeLinear_Input")}
    worst = 0.0
    for w, (s, z) in zw.items():
        if w not in pw:
            failures.append(f"peer: quantize_static did not quantize weight {w}")
            continue
        worst = max(worst, ulps(s, pw[w][0]))
        if z is not None and np.any(z != 0):
            failures.append(f"peer: weight {w} has non-zero zero points")
    report["weights"] = {"quantized": len(zw), "max_scale_ulps": worst}
    if worst > 1:
        failures.append(f"peer: weight scales differ from quantize_static's by {worst} ulp (> 1)")
    common = sorted(set(za) & set(pa))
    only_zoo, only_peer = sorted(set(za) - set(pa)), sorted(set(pa) - set(za))
    report["activations"] = {"zoo": len(za), "peer": len(pa), "common": len(common), "only_zoo": only_zoo, "only_peer": only_peer}
    if args.method == "minmax":
        differ = []
        for v in common:
            (s1, z1), (s2, z2) = za[v], pa[v]
            if s1.astype(np.float32).tobytes() != s2.astype(np.float32).tobytes() or int(z1) != int(z2):
                differ.append(f"{v}: zoo {float(s1)!r}/{int(z1)}, peer {float(s2)!r}/{int(z2)}")
        report["activations"]["differ"] = differ
        if differ:
            failures.append(f"peer: {len(differ)} activation scales/zero points differ, e.g. {differ[:3]}")
        if only_zoo or only_peer:
            failures.append(f"peer: different tensors quantized: only zoo {only_zoo[:5]}, only peer {only_peer[:5]}")

    # Per-layer SQNR on held-out inputs (a stream other than the calibration data's).
    rng = np.random.default_rng(12345)
    shape = list(data[0].shape)
    held = [rng.uniform(-np.sqrt(3), np.sqrt(3), size=shape).astype(np.float32) for _ in range(4)]
    values = [v for v in common if v != name]
    ref_path, zoo_path, peer_path = (os.path.join(tmp, f) for f in ("ref.onnx", "zoo.onnx", "peer-marked.onnx"))
    marked(fp32, values, ref_path)
    marked(model, values, zoo_path)
    peer_names = [f"{v}_DequantizeLinear_Output" for v in values]
    marked(peer_model, peer_names, peer_path)
    out_name = fp32.graph.output[0].name
    ref_s, zoo_s, peer_s = session(ref_path), session(zoo_path), session(peer_path)
    layers = []
    acc = {v: [0.0, 0.0, 0.0] for v in values}  # signal, zoo noise, peer noise
    outs = {"ref": [], "zoo": [], "peer": []}
    for x in held:
        r = dict(zip([o.name for o in ref_s.get_outputs()], ref_s.run(None, {name: x})))
        q = dict(zip([o.name for o in zoo_s.get_outputs()], zoo_s.run(None, {name: x})))
        p = dict(zip([o.name for o in peer_s.get_outputs()], peer_s.run(None, {name: x})))
        for v, pv in zip(values, peer_names):
            rv = r[v].astype(np.float64)
            acc[v][0] += float(np.sum(rv**2))
            acc[v][1] += float(np.sum((q[v] - rv) ** 2))
            acc[v][2] += float(np.sum((p[pv] - rv) ** 2))
        outs["ref"].append(r[out_name])
        outs["zoo"].append(q[out_name])
        outs["peer"].append(p[out_name])
    worse = []
    for v in values:
        s, nz, np_ = acc[v]
        row = {"value": v, "zoo_db": db(s, nz), "peer_db": db(s, np_)}
        layers.append(row)
        z = float("inf") if row["zoo_db"] is None else row["zoo_db"]
        pdb = float("inf") if row["peer_db"] is None else row["peer_db"]
        if z < pdb - 0.5:
            worse.append(f"{v}: {row['zoo_db']:.2f} dB vs peer {row['peer_db']:.2f}")
    report["layers"] = layers
    if worse:
        failures.append(f"peer: {len(worse)} layers more than 0.5 dB below quantize_static's SQNR: {worse[:3]}")

    ref = np.concatenate(outs["ref"]).astype(np.float64)
    mean = ref.mean(axis=0, keepdims=True)
    end = {}
    for k in ("zoo", "peer"):
        a = np.concatenate(outs[k]).astype(np.float64)
        end[k] = {"raw_db": sqnr(a, ref), "input_dependent_db": sqnr(a - a.mean(axis=0, keepdims=True), ref - mean)}
    end["input_dependent_share"] = float(np.linalg.norm(ref - mean) / np.linalg.norm(ref))
    report["output"] = end

    print(json.dumps(report, default=float))
    for f in failures:
        print(f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
