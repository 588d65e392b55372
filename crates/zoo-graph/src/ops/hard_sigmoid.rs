//! HardSigmoid — https://onnx.ai/onnx/operators/onnx__HardSigmoid.html
//!
//! Opset history: see `DEF.forms`. `max(0, min(1, α·x + β))`, α = 0.2 and β = 0.5 by default (torch
//! writes α = 1/6 for MobileNetV3's h-sigmoid). Element-wise: the output has the input's type and
//! shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "HardSigmoid",
    "https://onnx.ai/onnx/operators/onnx__HardSigmoid.html",
    &[Form { since: 1, change: "first version" }, Form { since: 6, change: "consumed_inputs removed" }],
    &[Types::Float],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
