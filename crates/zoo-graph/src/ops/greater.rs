//! Greater — https://onnx.ai/onnx/operators/onnx__Greater.html
//!
//! Opset history: see `DEF.forms`. `x > y`, broadcast, a boolean tensor.

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    broadcast_all(inputs, Some(DType::Bool))
}

pub(super) const DEF: OpDef = OpDef {
    name: "Greater",
    spec: "https://onnx.ai/onnx/operators/onnx__Greater.html",
    inputs: Arity::exactly(2),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 7, change: "multidirectional broadcasting" },
        Form { since: 9, change: "integer types" },
        Form { since: 13, change: "bfloat16" },
    ],
    types: &[Types::Any],
    infer,
    field: FieldRule::Pointwise,
    draw: Draw::layer(LayerKind::Other, Title::OpName),
    example: Example { attrs: &[], inputs: BROADCAST_2X3, consts: &[], output: (DType::Bool, &[2, 3]) },
    ..FREE
};
