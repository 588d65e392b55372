//! Sub — https://onnx.ai/onnx/operators/onnx__Sub.html
//!
//! Opset history: see `DEF.forms`. Element-wise difference with numpy broadcasting, as Add. The
//! input normalisation ([`super::Normalize`]) writes it with a mean constant, which is data,
//! not a trained parameter; its signal passes through (not modelled).

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    super::add::broadcast_infer(inputs)
}

pub(super) const DEF: OpDef = OpDef {
    name: "Sub",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Sub.html",
    inputs: Arity::exactly(2),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "no broadcast attribute, only the legacy one" },
        Form { since: 7, change: "multidirectional (numpy) broadcasting" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 14, change: "integer types" },
    ],
    writes: Writes::From(13),
    types: &[Types::Any],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Pointwise,
    draw: Draw::layer(LayerKind::Merge, Title::OpName),
    fp16: Fp16::Converts,
    int8: Int8::Float,
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[1, 3, 4, 4]), (DType::F32, &[3, 1, 1])],
        consts: &[],
        output: (DType::F32, &[1, 3, 4, 4]),
    },
};
