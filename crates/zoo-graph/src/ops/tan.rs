//! Tan — https://onnx.ai/onnx/operators/onnx__Tan.html
//!
//! Opset history: see `DEF.forms`. `tan x`. Element-wise: the output has the input's type and shape
//! ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Tan",
    "https://onnx.ai/onnx/operators/onnx__Tan.html",
    &[Form { since: 7, change: "first version" }],
    &[Types::Float],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
