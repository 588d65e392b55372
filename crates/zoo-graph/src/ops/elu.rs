//! Elu — https://onnx.ai/onnx/operators/onnx__Elu.html
//!
//! Opset history: see `DEF.forms`. `x < 0 ? α·(eˣ − 1) : x`, α = 1 by default. Element-wise: the
//! output has the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Elu",
    "https://onnx.ai/onnx/operators/onnx__Elu.html",
    &[Form { since: 1, change: "first version" }, Form { since: 6, change: "consumed_inputs removed" }],
    &[Types::Float],
    Draw::follower(LayerKind::Other, Title::OpName, "ELU"),
    FLOAT_1X3,
);
