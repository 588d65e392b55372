#!/usr/bin/env python3
"""A sample of the corpora scripts/corpora fetched (.corpora/onnx-1.17.0), with inputs:

    $ZOO_PYTHON tests/python/corpus_sample.py CORPORA_DIR OUT_DIR

- the ONNX Model Zoo's light graphs named in LIGHT, each with a seeded input (OUT_DIR/<name>.pb);
- onnx's backend node tests named in NODE, with their own test_data_set_0 inputs; and, with
  `--ops OP,OP,… [--every K]`, every node test whose nodes are all of those ops (the ops zoo
  reads: its registry), every K-th of them in name order (CI samples; scripts/lint-agreement
  takes them all). Only tests whose inputs and outputs are of the types zoo exchanges (float,
  bool and integers up to 64 bits but uint64): string, double, float16, bfloat16, float8 and
  int4 tensors are left out, with their count. Not tests with a rank-0 input (test_clip_default_min's
  `min`) or output (test_size) or a zero-size dimension (test_reshape_allowzero_reordered): OpenVINO's C API
  (`ov_shape_create`, `ov_partial_shape_create_static`) refuses them, so zoo's OpenVINO runner
  cannot feed them — a limitation of zoo's runner, not a refusal of OpenVINO's; nor tests whose
  expected output is empty, which the runner cannot read back.

Prints {"files": [{"path", "inputs": [pb, ...]}], "left_out": {reason: count}} as JSON.
"""

import glob
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

LIGHT = ["light_squeezenet", "light_shufflenet", "light_inception_v1", "light_densenet121"]
NODE = [
    "test_conv_with_strides_padding", "test_basic_conv_with_padding", "test_averagepool_2d_pads",
    "test_averagepool_2d_ceil", "test_maxpool_2d_pads", "test_maxpool_2d_ceil", "test_globalaveragepool",
    "test_batchnorm_example", "test_relu", "test_leakyrelu", "test_prelu_example", "test_sigmoid",
    "test_gemm_default_single_elem_vector_bias", "test_lrn", "test_softmax_axis_1", "test_concat_2d_axis_0",
    "test_flatten_axis1", "test_transpose_default", "test_clip_default_inbounds", "test_upsample_nearest",
    "test_convtranspose", "test_instancenorm_example", "test_dropout_default", "test_add_bcast",
]


# onnx.proto TensorProto.DataType codes zoo's runners exchange.
EXCHANGED = {1, 2, 3, 4, 5, 6, 7, 9, 12}


def why_not(m):
    """Why zoo cannot feed or read node test model `m`, or None."""
    values = list(m.graph.input) + list(m.graph.output)
    if any(v.type.tensor_type.elem_type not in EXCHANGED for v in values):
        return "a tensor of a type zoo does not exchange"
    if any(len(i.type.tensor_type.shape.dim) == 0 for i in m.graph.input):
        return "a rank-0 input (OpenVINO's C API cannot shape it)"
    if any(len(o.type.tensor_type.shape.dim) == 0 for o in m.graph.output):
        return "a rank-0 output (zoo's OpenVINO runner cannot read its shape back, status -14)"
    if any(d.HasField("dim_value") and d.dim_value == 0 for i in m.graph.input for d in i.type.tensor_type.shape.dim):
        return "a zero-size input dimension (OpenVINO's C API refuses it as a static shape, status -14)"
    return None


def zero_size_output(data_dir):
    """Whether a node test's expected output is empty (test_constantofshape_int_shape_zero):
    zoo's OpenVINO runner cannot read an empty tensor back ("an output tensor has no data")."""
    for pb in glob.glob(os.path.join(data_dir, "output_*.pb")):
        t = onnx.TensorProto()
        with open(pb, "rb") as f:
            t.ParseFromString(f.read())
        if 0 in t.dims:
            return True
    return False


def main():
    args = sys.argv[1:]
    ops, every = None, 1
    if "--ops" in args:
        k = args.index("--ops")
        ops = set(args[k + 1].split(","))
        del args[k : k + 2]
    if "--every" in args:
        k = args.index("--every")
        every = int(args[k + 1])
        del args[k : k + 2]
    corpora, out = args[0], args[1]
    os.makedirs(out, exist_ok=True)
    files = []
    rng = np.random.default_rng(0)
    for name in LIGHT:
        path = os.path.join(corpora, "light", name + ".onnx")
        m = onnx.load(path)
        inits = {t.name for t in m.graph.initializer}
        inputs = []
        for i in (i for i in m.graph.input if i.name not in inits):
            dims = [d.dim_value or 1 for d in i.type.tensor_type.shape.dim]
            pb = os.path.join(out, f"{name}_{len(inputs)}.pb")
            with open(pb, "wb") as f:
                f.write(numpy_helper.from_array(rng.uniform(-1, 1, dims).astype(np.float32), i.name).SerializeToString())
            inputs.append(pb)
        files.append({"path": path, "inputs": inputs})
    names = list(NODE)
    if ops is not None:
        of_ops = []
        for name in sorted(os.listdir(os.path.join(corpora, "node"))):
            m = onnx.load(os.path.join(corpora, "node", name, "model.onnx"))
            used = {n.op_type for n in m.graph.node}
            if used and used <= ops and name not in names:
                of_ops.append(name)
        names += of_ops[::every]
    left_out = {}
    for name in names:
        folder = os.path.join(corpora, "node", name)
        path = os.path.join(folder, "model.onnx")
        why = why_not(onnx.load(path))
        if not why and zero_size_output(os.path.join(folder, "test_data_set_0")):
            why = "a zero-size expected output (zoo's OpenVINO runner cannot read an empty tensor back)"
        if why:
            left_out[why] = left_out.get(why, 0) + 1
            continue
        inputs = glob.glob(os.path.join(folder, "test_data_set_0", "input_*.pb"))
        inputs.sort(key=lambda p: int(os.path.basename(p)[len("input_") : -len(".pb")]))
        files.append({"path": path, "inputs": inputs})
    print(json.dumps({"files": files, "left_out": left_out}))


if __name__ == "__main__":
    main()
