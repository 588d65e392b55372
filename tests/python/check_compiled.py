#!/usr/bin/env python3
"""Independent checker for a file `zoo compile` / `zoo export --optimize` wrote.

    $ZOO_PYTHON tests/python/check_compiled.py COMPILED.onnx --reference REF.onnx

Checks, with tools zoo did not write:
  checker          onnx.checker.check_model(full_check=True) on the compiled file
  shape_inference  strict shape inference on the compiled file stripped of its value_info
                   infers every value_info zoo wrote: same element type and dims
  outputs          ONNX Runtime (CPU, every graph optimization disabled, so the reference's
                   BatchNormalization really runs unfolded) runs both files on the same input
                   (numpy default_rng(0) standard normal, batch 2); the compiled output agrees
                   with the reference's to max|a - r| <= tol * max|r|, where
                   tol = 2^-20 * (convolution and Gemm layers on the longest path + 1): each
                   folded layer rounds W*k once (<= 2^-24 relative per weight) and reassociates
                   one multiply, and these relative errors add up along the path (8 ulp of
                   margin per layer for accumulation-order differences between the two graphs)
                   For fp16 files (float16 initializers) the bound is fp16's instead:
                   tol = 2 * 2^-11 * sqrt(L + 1): each of the L layers rounds its weights and
                   its output to fp16 (unit roundoff 2^-11), independent errors that add in
                   quadrature.
  fp16_oracle      with --fp16-of FP32.onnx: onnxconverter-common's
                   convert_float_to_float16(keep_io_types=True, max_finite_val=65504,
                   min_positive_val=2^-25) of that fp32 file has bit-identical float16
                   initializers of the same names (min_positive_val = half fp16's smallest
                   subnormal makes its clamp of tiny values round to zero, as IEEE rounding
                   does; its default, 1e-7, would move values below 1e-7 up to 1e-7), and
                   ONNX Runtime's outputs of the two files agree within the fp16 bound
  fold_oracle      ONNX Runtime's own BatchNorm fold (basic level, optimized_model_filepath) of
                   the reference: for every Conv/Gemm producing the same value in both, the
                   weights agree to within 3 ulp (float32 spacing at each value; ONNX Runtime
                   computes k and W*k in float32 — four roundings, up to 2 ulp from the exact
                   product — and zoo in float64 rounded once, ½ ulp) and the biases
                   to 2^-21 of the bias vector's largest value ((b - mu)*k + beta cancels, so
                   a per-value ulp would measure float32's cancellation, not a wrong fold)
Prints one JSON object (with both files' metadata_props as read by onnx); exits 1 with the failures on stderr when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference
import onnxruntime as ort


def session(path: str, level) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.graph_optimization_level = level
    so.intra_op_num_threads = 2
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def input_for(model: onnx.ModelProto) -> tuple[str, np.ndarray]:
    inits = {t.name for t in model.graph.initializer}
    x = next(i for i in model.graph.input if i.name not in inits)
    dims = [d.dim_value if d.HasField("dim_value") else 2 for d in x.type.tensor_type.shape.dim]
    return x.name, np.random.default_rng(0).standard_normal(dims).astype(np.float32)


def depth(model: onnx.ModelProto) -> int:
    """Conv and Gemm nodes on the longest path from the input to an output."""
    producer = {o: n for n in model.graph.node for o in n.output}
    memo: dict[str, int] = {}

    def d(value: str) -> int:
        if value in memo:
            return memo[value]
        n = producer.get(value)
        memo[value] = 0 if n is None else max((d(i) for i in n.input if i), default=0) + (
            n.op_type in ("Conv", "Gemm")
        )
        return memo[value]

    sys.setrecursionlimit(100000)
    return max(d(o.name) for o in model.graph.output)


def check_shapes(model: onnx.ModelProto) -> dict:
    stripped = onnx.ModelProto()
    stripped.CopyFrom(model)
    del stripped.graph.value_info[:]
    inferred = shape_inference.infer_shapes(stripped, strict_mode=True, check_type=True)
    got = {v.name: v.type for v in inferred.graph.value_info}
    mismatches = [v.name for v in model.graph.value_info if got.get(v.name) != v.type]
    return {"compared": len(model.graph.value_info), "mismatches": mismatches[:10]}


def ulp_diff(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(np.float32).ravel(), b.astype(np.float32).ravel()
    spacing = np.spacing(np.maximum(np.abs(a), np.abs(b)).astype(np.float32))
    return float(np.max(np.abs(a.astype(np.float64) - b) / spacing)) if a.size else 0.0


def fold_oracle(compiled: onnx.ModelProto, reference_path: str) -> dict:
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "ort-basic.onnx")
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        so.optimized_model_filepath = out
        so.log_severity_level = 3
        ort.InferenceSession(reference_path, so, providers=["CPUExecutionProvider"])
        theirs = onnx.load(out)
    def layers(m: onnx.ModelProto) -> dict[str, list[np.ndarray]]:
        inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
        return {
            n.output[0]: [inits[i] for i in n.input[1:] if i in inits]
            for n in m.graph.node
            if n.op_type in ("Conv", "Gemm")
        }
    ours, ort_layers = layers(compiled), layers(theirs)
    compared, worst_w, worst_b, at = 0, 0.0, 0.0, None
    for value, ws in ours.items():
        if value not in ort_layers or len(ort_layers[value]) != len(ws):
            continue
        for k, (a, b) in enumerate(zip(ws, ort_layers[value])):
            if a.shape != b.shape:
                continue
            compared += 1
            if k == 0:
                u = ulp_diff(a, b)
                if u > worst_w:
                    worst_w, at = u, value
            else:
                # (b - mu)*k + beta cancels: measure against the tensor's scale, not each value's.
                scale = float(np.max(np.abs(b))) or 1.0
                worst_b = max(worst_b, float(np.max(np.abs(a.astype(np.float64) - b))) / scale)
    return {"tensors_compared": compared, "weights_max_ulp": worst_w, "weights_worst_at": at,
            "bias_max_rel_to_max": worst_b}


def fp16_oracle(compiled: onnx.ModelProto, fp32_path: str, name: str, x, ours, tol) -> dict:
    import warnings

    from onnxconverter_common import float16

    with warnings.catch_warnings():
        # It warns for every value it clamps; the comparison below is the finding.
        warnings.simplefilter("ignore")
        theirs = float16.convert_float_to_float16(
            onnx.load(fp32_path), keep_io_types=True, max_finite_val=65504.0, min_positive_val=2.0**-25
        )
    mine = {t.name: numpy_helper.to_array(t) for t in compiled.graph.initializer}
    compared, differing, failures = 0, [], []
    for t in theirs.graph.initializer:
        if t.data_type != onnx.TensorProto.FLOAT16 or t.name not in mine:
            continue
        b = numpy_helper.to_array(t)
        compared += 1
        a = mine[t.name]
        if a.dtype != b.dtype or a.shape != b.shape or not np.array_equal(a.view(np.uint16), b.view(np.uint16)):
            differing.append(t.name)
    if not compared or differing:
        failures.append(f"fp16 oracle: {len(differing)} of {compared} float16 initializers differ: {differing[:5]}")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "theirs.onnx")
        onnx.save(theirs, path)
        out = session(path, ort.GraphOptimizationLevel.ORT_DISABLE_ALL).run(None, {name: x})[0].astype(np.float64)
    err = float(np.max(np.abs(out - ours)) / max(np.max(np.abs(out)), 1e-30))
    if not np.isfinite(err) or err > tol:
        failures.append(f"fp16 oracle: outputs differ by {err:.3e} of max > {tol:.3e}")
    return {"initializers_compared": compared, "differing": differing[:10], "outputs_rel_to_max": err,
            "failures": failures}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("compiled")
    ap.add_argument("--reference", required=True)
    ap.add_argument("--expect-bn", type=int, help="BatchNormalization nodes left in the compiled file")
    ap.add_argument("--fp16-of", help="the fp32 file the compiled fp16 file converts (for the fp16 oracle)")
    args = ap.parse_args()
    failures: list[str] = []
    compiled = onnx.load(args.compiled)
    reference = onnx.load(args.reference)
    report: dict = {
        "metadata": {e.key: e.value for e in compiled.metadata_props},
        "reference_metadata": {e.key: e.value for e in reference.metadata_props},
    }

    try:
        onnx.checker.check_model(compiled, full_check=True)
        report["checker"] = "ok"
    except Exception as e:  # noqa: BLE001 - the checker's message is the finding
        failures.append(f"checker: {e}")
    shapes = check_shapes(compiled)
    report["shape_inference"] = shapes
    if shapes["mismatches"] or not shapes["compared"]:
        failures.append(f"shape inference: {shapes}")

    ops = lambda m: sorted({n.op_type for n in m.graph.node})  # noqa: E731
    report["op_types"] = ops(compiled)
    report["nodes"] = {"compiled": len(compiled.graph.node), "reference": len(reference.graph.node)}
    bn_left = sum(n.op_type == "BatchNormalization" for n in compiled.graph.node)
    report["batch_norm_left"] = bn_left
    if args.expect_bn is not None and bn_left != args.expect_bn:
        failures.append(f"{bn_left} BatchNormalization nodes left, expected {args.expect_bn}")
    if any(n.op_type in ("Dropout", "Identity") for n in compiled.graph.node):
        failures.append("Dropout or Identity left")

    name, x = input_for(reference)
    off = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    r = session(args.reference, off).run(None, {name: x})[0].astype(np.float64)
    a = session(args.compiled, off).run(None, {name: x})[0].astype(np.float64)
    layers = depth(reference)
    fp16 = any(t.data_type == onnx.TensorProto.FLOAT16 for t in compiled.graph.initializer)
    tol = 2 * 2.0**-11 * np.sqrt(layers + 1) if fp16 else 2.0**-20 * (layers + 1)
    err = float(np.max(np.abs(a - r)) / max(np.max(np.abs(r)), 1e-30))
    report["outputs"] = {"rel_to_max": err, "tol": tol, "depth": layers}
    if not np.isfinite(err) or err > tol:
        failures.append(f"outputs: max|a - r| / max|r| = {err:.3e} > {tol:.3e}")

    if args.fp16_of:
        report["fp16_oracle"] = fp16_oracle(compiled, args.fp16_of, name, x, a, tol)
        if report["fp16_oracle"]["failures"]:
            failures += report["fp16_oracle"]["failures"]

    # An fp16 file's fold is proven on its fp32 form (check that file; --fp16-of proves this
    # one is its exact fp16 conversion).
    oracle = {} if fp16 else fold_oracle(compiled, args.reference)
    report["fold_oracle"] = oracle
    if not fp16 and bn_left < sum(n.op_type == "BatchNormalization" for n in reference.graph.node):
        bad = oracle["weights_max_ulp"] > 3 or oracle["bias_max_rel_to_max"] > 2.0**-21
        if not oracle["tensors_compared"] or bad:
            failures.append(f"fold oracle: {oracle}")

    report["ok"] = not failures
    report["failures"] = failures
    print(json.dumps(report))
    for f in failures:
        print(f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
