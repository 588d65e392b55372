//! HardSwish — https://onnx.ai/onnx/operators/onnx__HardSwish.html
//!
//! Opset history: see `DEF.forms`. `x · max(0, min(1, x/6 + 1/2))` (MobileNetV3's h-swish); before
//! opset 14 exporters write it as `x · HardSigmoid(x)` with α = 1/6. Element-wise: the output has
//! the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "HardSwish",
    "https://onnx.ai/onnx/operators/onnx__HardSwish.html",
    &[Form { since: 14, change: "first version" }],
    &[Types::Float],
    Draw::follower(LayerKind::Other, Title::OpName, "h-swish"),
    FLOAT_1X3,
);
