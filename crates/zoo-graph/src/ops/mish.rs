//! Mish — https://onnx.ai/onnx/operators/onnx__Mish.html
//!
//! Opset history: see `DEF.forms`. `x · tanh(softplus(x))`. Element-wise: the output has the
//! input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Mish",
    "https://onnx.ai/onnx/operators/onnx__Mish.html",
    &[Form { since: 18, change: "first version" }],
    &[Types::Float],
    Draw::follower(LayerKind::Other, Title::OpName, "Mish"),
    FLOAT_1X3,
);
