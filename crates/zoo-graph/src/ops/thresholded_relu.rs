//! ThresholdedRelu — https://onnx.ai/onnx/operators/onnx__ThresholdedRelu.html
//!
//! Opset history: see `DEF.forms`. `x > α ? x : 0`, α = 1 by default; drawn folded into the layer
//! before it, like ReLU. Element-wise: the output has the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "ThresholdedRelu",
    "https://onnx.ai/onnx/operators/onnx__ThresholdedRelu.html",
    &[Form { since: 10, change: "first version" }],
    &[Types::Float],
    Draw::follower(LayerKind::Other, Title::OpName, "ThresholdedReLU"),
    FLOAT_1X3,
);
