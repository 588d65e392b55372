#!/usr/bin/env python3
"""A sample of the corpora scripts/corpora fetched (.corpora/onnx-1.17.0), with inputs:

    $ZOO_PYTHON tests/python/corpus_sample.py CORPORA_DIR OUT_DIR

- the ONNX Model Zoo's light graphs named in LIGHT, each with a seeded input (OUT_DIR/<name>.pb);
- onnx's backend node tests named in NODE, with their own test_data_set_0 inputs; only tests
  whose inputs are all float (zoo's runners feed floats). Not test_clip_default_min: its `min`
  is a rank-0 input, which zoo's OpenVINO runner cannot feed (the C API's ov_shape_create
  refuses rank 0) — a limitation of zoo's runner, not a refusal of OpenVINO's.

Prints {"files": [{"path", "inputs": [pb, ...]}]} as JSON.
"""

import glob
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

LIGHT = ["light_squeezenet", "light_shufflenet", "light_inception_v1", "light_densenet121"]
NODE = [
    "test_conv_with_strides_padding", "test_basic_conv_with_padding", "test_averagepool_2d_pads",
    "test_averagepool_2d_ceil", "test_maxpool_2d_pads", "test_maxpool_2d_ceil", "test_globalaveragepool",
    "test_batchnorm_example", "test_relu", "test_leakyrelu", "test_prelu_example", "test_sigmoid",
    "test_gemm_default_single_elem_vector_bias", "test_lrn", "test_softmax_axis_1", "test_concat_2d_axis_0",
    "test_flatten_axis1", "test_transpose_default", "test_clip_default_inbounds", "test_upsample_nearest",
    "test_convtranspose", "test_instancenorm_example", "test_dropout_default", "test_add_bcast",
]


def main():
    corpora, out = sys.argv[1], sys.argv[2]
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
    for name in NODE:
        folder = os.path.join(corpora, "node", name)
        path = os.path.join(folder, "model.onnx")
        m = onnx.load(path)
        if any(i.type.tensor_type.elem_type != TensorProto.FLOAT for i in m.graph.input):
            continue
        files.append({"path": path, "inputs": sorted(glob.glob(os.path.join(folder, "test_data_set_0", "input_*.pb")))})
    print(json.dumps({"files": files}))


if __name__ == "__main__":
    main()
