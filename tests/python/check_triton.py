#!/usr/bin/env python3
"""Checks a Triton model repository with Triton's own configuration schema.

    $ZOO_PYTHON tests/python/check_triton.py REPO

For every model folder REPO/<name>:
  parse     config.pbtxt parses with protobuf's text_format into tritonclient's
            model_config_pb2.ModelConfig (Triton's model_config.proto): an unknown field, a
            misspelled enum value or a malformed value fails
  name      ModelConfig.name equals the folder name (Triton requires it)
  versions  every other entry is a positive integer folder holding model.onnx
  labels    every output's label_filename is a file in the model folder with one non-empty
            line per class (the output's last dimension), as Triton's classification
            extension reads it
  signature the latest version's model.onnx (loaded by onnx, external data beside it) has the
            config's inputs and outputs: names, TYPE_* of the ONNX element type, and dims (without
            the batch when max_batch_size > 0, -1 for symbolic dimensions)
Prints one JSON object; exits 1 with the failures on stderr when a check fails.
model_config_pb2 is loaded from its file: importing tritonclient.grpc would need grpcio.
"""

import importlib.util
import json
import os
import sys

import onnx
import tritonclient
from google.protobuf import text_format

spec = importlib.util.spec_from_file_location(
    "model_config_pb2", os.path.join(os.path.dirname(tritonclient.__file__), "grpc", "model_config_pb2.py")
)
mc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mc)

TYPES = {
    onnx.TensorProto.FLOAT: "TYPE_FP32", onnx.TensorProto.FLOAT16: "TYPE_FP16",
    onnx.TensorProto.DOUBLE: "TYPE_FP64", onnx.TensorProto.INT64: "TYPE_INT64",
    onnx.TensorProto.INT32: "TYPE_INT32", onnx.TensorProto.INT8: "TYPE_INT8",
    onnx.TensorProto.UINT8: "TYPE_UINT8", onnx.TensorProto.BOOL: "TYPE_BOOL",
}


def dims_of(vi, batched):
    ds = [d.dim_value if d.HasField("dim_value") else -1 for d in vi.type.tensor_type.shape.dim]
    return ds[1:] if batched else ds


def check_model(folder, name, failures):
    with open(os.path.join(folder, "config.pbtxt")) as f:
        text = f.read()
    try:
        cfg = text_format.Parse(text, mc.ModelConfig())
    except text_format.ParseError as e:
        failures.append(f"{name}: config.pbtxt does not parse as ModelConfig: {e}")
        return None
    if cfg.name != name:
        failures.append(f"{name}: config name {cfg.name!r} differs from its folder")
    label_files = {o.label_filename for o in cfg.output if o.label_filename}
    versions = []
    for entry in sorted(os.listdir(folder)):
        if entry == "config.pbtxt" or entry in label_files:
            continue
        if not (entry.isdigit() and int(entry) > 0 and os.path.isfile(os.path.join(folder, entry, "model.onnx"))):
            failures.append(f"{name}: {entry} is not a version folder with model.onnx")
            continue
        versions.append(int(entry))
    if not versions:
        failures.append(f"{name}: no version")
        return None
    model = onnx.load(os.path.join(folder, str(max(versions)), "model.onnx"))
    inits = {t.name for t in model.graph.initializer}
    ins = [i for i in model.graph.input if i.name not in inits]
    batched = cfg.max_batch_size > 0
    for what, declared, actual in (("input", cfg.input, ins), ("output", cfg.output, model.graph.output)):
        if [t.name for t in declared] != [t.name for t in actual]:
            failures.append(f"{name}: {what} names {[t.name for t in declared]} vs the file's {[t.name for t in actual]}")
            continue
        for d, a in zip(declared, actual):
            want_type = TYPES.get(a.type.tensor_type.elem_type)
            if mc.DataType.Name(d.data_type) != want_type:
                failures.append(f"{name}: {what} {d.name} is {mc.DataType.Name(d.data_type)}, the file's {want_type}")
            want = dims_of(a, batched)
            got = list(d.dims)
            if want == [] and batched:
                ok = got == [1] and d.HasField("reshape") and list(d.reshape.shape) == []
            else:
                ok = got == want
            if not ok:
                failures.append(f"{name}: {what} {d.name} dims {got}, the file's {want}")
    labels = {}
    for o in cfg.output:
        if not o.label_filename:
            continue
        path = os.path.join(folder, o.label_filename)
        if os.path.basename(o.label_filename) != o.label_filename or not os.path.isfile(path):
            failures.append(f"{name}: output {o.name} label_filename {o.label_filename!r} is not a file in the model folder")
            continue
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        classes = list(o.dims)[-1] if o.dims else None
        if len(lines) != classes or any(not line.strip() for line in lines):
            failures.append(f"{name}: {o.label_filename} has {len(lines)} lines for output {o.name}'s {classes} classes")
        labels[o.name] = len(lines)
    return {"name": name, "versions": versions, "labels": labels, "max_batch_size": cfg.max_batch_size,
            "instance_kind": [mc.ModelInstanceGroup.Kind.Name(g.kind) for g in cfg.instance_group],
            "accelerators": [a.name for a in cfg.optimization.execution_accelerators.gpu_execution_accelerator]}


def main():
    repo = sys.argv[1]
    failures, models = [], []
    for name in sorted(os.listdir(repo)):
        folder = os.path.join(repo, name)
        if not os.path.isfile(os.path.join(folder, "config.pbtxt")):
            failures.append(f"{name}: not a model folder")
            continue
        m = check_model(folder, name, failures)
        if m:
            models.append(m)
    print(json.dumps({"ok": not failures, "failures": failures, "models": models}))
    for f in failures:
        print(f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
