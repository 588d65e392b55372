//! Not — https://onnx.ai/onnx/operators/onnx__Not.html
//!
//! Opset history: see `DEF.forms`. logical negation of a boolean tensor (masks: Swin's attention
//! windows). Element-wise: the output has the input's type and shape ([`unary`]).

use super::def::*;
use crate::tensor::DType;

pub(super) const DEF: OpDef = unary(
    "Not",
    "https://onnx.ai/onnx/operators/onnx__Not.html",
    &[Form { since: 1, change: "first version" }],
    &[Types::Any],
    Draw::layer(LayerKind::Other, Title::OpName),
    Example { attrs: &[], inputs: &[(DType::Bool, &[1, 3])], consts: &[], output: (DType::Bool, &[1, 3]) },
);
