//! Softplus — https://onnx.ai/onnx/operators/onnx__Softplus.html
//!
//! Opset history: see `DEF.forms`. `ln(1 + eˣ)`. Element-wise: the output has the input's type and
//! shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Softplus",
    "https://onnx.ai/onnx/operators/onnx__Softplus.html",
    &[Form { since: 1, change: "first version" }],
    &[Types::Float],
    Draw::follower(LayerKind::Other, Title::OpName, "softplus"),
    FLOAT_1X3,
);
