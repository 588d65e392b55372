//! Acosh — https://onnx.ai/onnx/operators/onnx__Acosh.html
//!
//! Opset history: see `DEF.forms`. `arcosh x` (NaN below 1). Element-wise: the output has the
//! input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Acosh",
    "https://onnx.ai/onnx/operators/onnx__Acosh.html",
    &[Form { since: 9, change: "first version" }],
    &[Types::Float],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
