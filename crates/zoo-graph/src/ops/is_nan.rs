//! IsNaN — https://onnx.ai/onnx/operators/onnx__IsNaN.html
//!
//! Opset history: see `DEF.forms`. Whether each element of a float tensor is NaN: a boolean
//! tensor of its shape (masks that clean up a division's output). IsInf shares its rule
//! ([`float_test`]).

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

/// IsNaN's and IsInf's output: a boolean of the float input's shape.
pub(super) fn float_test(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    Arity::exactly(1).check(inputs)?;
    let x = &inputs[0];
    if !x.dtype.is_float() {
        return Err(ShapeError::Mismatch(format!("X is {}, not a float type", x.dtype)));
    }
    Ok(vec![TensorInfo::new(DType::Bool, x.shape.clone())])
}

pub(super) const DEF: OpDef = OpDef {
    name: "IsNaN",
    spec: "https://onnx.ai/onnx/operators/onnx__IsNaN.html",
    forms: &[
        Form { since: 9, change: "first version" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 20, change: "float8 types" },
    ],
    types: &[Types::Float],
    infer: float_test,
    field: FieldRule::Pointwise,
    draw: Draw::layer(LayerKind::Other, Title::OpName),
    example: Example { attrs: &[], inputs: &[(DType::F32, &[1, 3])], consts: &[], output: (DType::Bool, &[1, 3]) },
    ..FREE
};
