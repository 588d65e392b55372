//! Gelu — https://onnx.ai/onnx/operators/onnx__Gelu.html
//!
//! Opset history: see `DEF.forms`. `x · Φ(x)` (or its tanh approximation with `approximate =
//! "tanh"`); before opset 20 exporters write it with Erf, Mul and Add. Element-wise: the output has
//! the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Gelu",
    "https://onnx.ai/onnx/operators/onnx__Gelu.html",
    &[Form { since: 20, change: "first version" }],
    &[Types::Float],
    Draw::follower(LayerKind::Other, Title::OpName, "GELU"),
    FLOAT_1X3,
);
