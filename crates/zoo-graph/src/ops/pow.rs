//! Pow — https://onnx.ai/onnx/operators/onnx__Pow.html
//!
//! Opset history: see `DEF.forms`. `xʸ`, broadcast; the exponent may be of another numeric type
//! (torch writes `x ** 2` with a float exponent, LayerNorm by hand with Pow 2).

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    // The exponent's type may differ from the base's; the output is the base's.
    let shape = super::add::broadcast(&inputs[0], &inputs[1])?;
    Ok(vec![TensorInfo::new(inputs[0].dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Pow",
    spec: "https://onnx.ai/onnx/operators/onnx__Pow.html",
    inputs: Arity::exactly(2),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 7, change: "multidirectional broadcasting" },
        Form { since: 12, change: "integer exponents" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 15, change: "bfloat16 exponent" },
    ],
    types: &[Types::Float, Types::Any],
    infer,
    field: FieldRule::Pointwise,
    draw: Draw::layer(LayerKind::Other, Title::OpName),
    example: Example { attrs: &[], inputs: BROADCAST_2X3, consts: &[], output: (DType::F32, &[2, 3]) },
    ..FREE
};
