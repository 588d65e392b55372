//! LogSoftmax — https://onnx.ai/onnx/operators/onnx__LogSoftmax.html
//!
//! Opset history: see `DEF.forms`: as Softmax's, `axis` flattened to 2-d before opset 13 and is
//! the one axis normalised from 13 on. `log(softmax(x))`; the shapes are Softmax's
//! ([`super::softmax::axis_infer`]).

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    super::softmax::axis_infer(node, inputs)
}

pub(super) const DEF: OpDef = OpDef {
    name: "LogSoftmax",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__LogSoftmax.html",
    inputs: Arity::exactly(1),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "axis flattens the input to 2-d" },
        Form { since: 11, change: "negative axis" },
        Form { since: 13, change: "axis is the one axis normalised, default -1" },
    ],
    writes: Writes::Never,
    types: &[Types::Float],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Unknown,
    draw: Draw::layer(LayerKind::Softmax, Title::OpName),
    fp16: Fp16::Converts,
    int8: Int8::Float,
    example: Example {
        attrs: &[ExampleAttr::Int("axis", 1)],
        inputs: &[(DType::F32, &[1, 10])],
        consts: &[],
        output: (DType::F32, &[1, 10]),
    },
};
