//! Atanh — https://onnx.ai/onnx/operators/onnx__Atanh.html
//!
//! Opset history: see `DEF.forms`. `artanh x` (NaN outside [−1, 1]). Element-wise: the output has
//! the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Atanh",
    "https://onnx.ai/onnx/operators/onnx__Atanh.html",
    &[Form { since: 9, change: "first version" }],
    &[Types::Float],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
