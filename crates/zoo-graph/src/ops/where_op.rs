//! Where — https://onnx.ai/onnx/operators/onnx__Where.html
//!
//! Opset history: see `DEF.forms`. `condition ? x : y` element by element, the three broadcast
//! (attention masks: Swin's shifted windows). The output has `x`'s type.

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    if inputs[0].dtype != DType::Bool {
        return Err(ShapeError::Mismatch(format!("condition is {}, not bool", inputs[0].dtype)));
    }
    let values = broadcast_all(&inputs[1..], None)?;
    let shape = super::add::broadcast(&inputs[0], &values[0])?;
    Ok(vec![TensorInfo::new(values[0].dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Where",
    spec: "https://onnx.ai/onnx/operators/onnx__Where.html",
    inputs: Arity::exactly(3),
    forms: &[Form { since: 9, change: "first version" }, Form { since: 16, change: "bfloat16" }],
    types: &[Types::Any],
    infer,
    field: FieldRule::Pointwise,
    draw: Draw::layer(LayerKind::Other, Title::OpName),
    example: Example {
        attrs: &[],
        inputs: &[(DType::Bool, &[2, 1]), (DType::F32, &[2, 3]), (DType::F32, &[3])],
        consts: &[],
        output: (DType::F32, &[2, 3]),
    },
    ..FREE
};
