//! Mul — https://onnx.ai/onnx/operators/onnx__Mul.html
//!
//! Opset history: see `DEF.forms`. Element-wise product with numpy broadcasting, as Add. Zoo
//! does not write it; its constants (a preprocessing scale, say) are data, not weights, and
//! its signal passes through (not modelled).

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    super::add::broadcast_infer(inputs)
}

pub(super) const DEF: OpDef = OpDef {
    name: "Mul",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Mul.html",
    inputs: Arity::exactly(2),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "no broadcast attribute, only the legacy one" },
        Form { since: 7, change: "multidirectional (numpy) broadcasting" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 14, change: "integer types" },
    ],
    writes: Writes::Never,
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
