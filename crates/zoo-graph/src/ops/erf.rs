//! Erf — https://onnx.ai/onnx/operators/onnx__Erf.html
//!
//! Opset history: see `DEF.forms`. the error function, element-wise (exact GELU's building block
//! before opset 20). Element-wise: the output has the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Erf",
    "https://onnx.ai/onnx/operators/onnx__Erf.html",
    &[Form { since: 9, change: "first version" }, Form { since: 13, change: "bfloat16" }],
    &[Types::Float],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
