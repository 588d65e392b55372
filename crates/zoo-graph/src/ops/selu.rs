//! Selu — https://onnx.ai/onnx/operators/onnx__Selu.html
//!
//! Opset history: see `DEF.forms`. `γ·(x < 0 ? α·eˣ − α : x)` with the self-normalising constants
//! as defaults. Element-wise: the output has the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Selu",
    "https://onnx.ai/onnx/operators/onnx__Selu.html",
    &[Form { since: 1, change: "first version" }, Form { since: 6, change: "consumed_inputs removed" }],
    &[Types::Float],
    Draw::follower(LayerKind::Other, Title::OpName, "SELU"),
    FLOAT_1X3,
);
